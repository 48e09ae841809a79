package views

import (
	"context"
	"time"
)

// DemoReceiverPage is what the demo's stand-in receiver has been sent,
// newest first.
type DemoReceiverPage struct {
	Chrome   Chrome
	Messages []DemoMessage
	// Max is how many messages the receiver keeps.
	Max int
}

// How a message's signature was found.
const (
	SignatureValid     = "valid"
	SignatureInvalid   = "invalid"
	SignatureUnchecked = "unchecked" // the receiver has no secret to check it with
)

// Why a signature is invalid.
const (
	SignatureMissing  = "missing"
	SignatureFormat   = "format"
	SignatureMismatch = "mismatch"
	SignatureTime     = "time"
)

// DemoMessage is one request the demo receiver took: the webhook's
// payload as it read it, and whether its signature held.
type DemoMessage struct {
	ReceivedAt  time.Time
	EventID     string
	Kind        string // notify.Event*
	Target      string
	TargetLabel string
	TaskID      string
	TaskName    string
	OldStatus   string
	NewStatus   string
	Text        string // the sentence, in Lang
	Lang        string
	// Signature is SignatureValid, SignatureInvalid or SignatureUnchecked;
	// Problem, for an invalid one, says why (Signature* reasons).
	Signature string
	Problem   string
	// NotPayload marks a body that is not a webhook's JSON payload.
	NotPayload bool
}

// signatureTone and signatureName are a message's signature as a badge.
func signatureTone(m DemoMessage) string {
	switch m.Signature {
	case SignatureValid:
		return "ok"
	case SignatureInvalid:
		return "failed"
	}
	return "unknown"
}

func signatureName(ctx context.Context, m DemoMessage) string {
	switch m.Signature {
	case SignatureValid:
		return tr(ctx, "notifications.receiver.signature.valid")
	case SignatureInvalid:
		return tr(ctx, "notifications.receiver.signature.invalid")
	}
	return tr(ctx, "notifications.receiver.signature.unchecked")
}

// signatureProblem says why a signature is invalid.
func signatureProblem(ctx context.Context, m DemoMessage) string {
	switch m.Problem {
	case SignatureMissing:
		return tr(ctx, "notifications.receiver.problem.missing")
	case SignatureFormat:
		return tr(ctx, "notifications.receiver.problem.format")
	case SignatureMismatch:
		return tr(ctx, "notifications.receiver.problem.mismatch")
	case SignatureTime:
		return tr(ctx, "notifications.receiver.problem.time")
	}
	return ""
}
