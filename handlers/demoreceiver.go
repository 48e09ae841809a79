package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/views"
)

// The demo receiver keeps this many messages, and reads a body of at most
// demoReceiverMaxBody bytes.
const (
	demoReceiverKeep    = 100
	demoReceiverMaxBody = 64 << 10
)

// DemoReceiver is the demo's stand-in for a team's webhook receiver: the
// demo's generic webhook channel points at POST /demo/receiver, which
// checks each message's signature as a real receiver should and keeps the
// last 100 in memory; GET /demo/receiver lists them. It is only for the
// built-in simulator's demo (cmd/web decides): nothing is stored.
type DemoReceiver struct {
	secret string
	now    func() time.Time

	mu   sync.Mutex
	msgs []views.DemoMessage // oldest first
}

// NewDemoReceiver is a receiver that checks signatures with secret (the
// demo channel's); with "" it checks none and marks them so.
func NewDemoReceiver(secret string) *DemoReceiver {
	return &DemoReceiver{secret: secret, now: time.Now}
}

// Messages are the messages kept, newest first.
func (r *DemoReceiver) Messages() []views.DemoMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.msgs)
	slices.Reverse(out)
	return out
}

func (r *DemoReceiver) add(m views.DemoMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	if n := len(r.msgs) - demoReceiverKeep; n > 0 {
		r.msgs = slices.Delete(r.msgs, 0, n)
	}
}

// Receive takes one webhook POST, as a receiver would: the raw body
// (64 KiB at most, 413 beyond), its signature checked against it, then
// the payload read. Every message read is kept, a forged or malformed one
// marked so; the answer is what a careful receiver says: 200 for a
// message it accepts, 401 for a bad signature, 400 for a body that is no
// payload. It needs no session and no CSRF token: the dashboard's own
// sender posts it.
func (r *DemoReceiver) Receive(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, demoReceiverMaxBody+1))
	var he *echo.HTTPError
	switch {
	case len(body) > demoReceiverMaxBody, errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		return plainStatus(c, http.StatusRequestEntityTooLarge)
	case err != nil:
		return plainStatus(c, http.StatusBadRequest)
	}
	m := views.DemoMessage{ReceivedAt: r.now().UTC(), Signature: views.SignatureUnchecked,
		EventID: c.Request().Header.Get(notify.EventIDHeader)}
	if r.secret != "" {
		m.Signature = views.SignatureValid
		if err := notify.VerifyWebhook(r.secret, c.Request().Header.Get(notify.SignatureHeader), body, r.now(), 0); err != nil {
			m.Signature, m.Problem = views.SignatureInvalid, signatureProblem(err)
		}
	}
	var p notify.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		m.NotPayload = true
	} else {
		m.Kind, m.Target, m.TargetLabel, m.TaskID, m.TaskName = p.Event, p.Target, p.TargetLabel, p.TaskID, p.TaskName
		m.OldStatus, m.NewStatus, m.Text = p.OldStatus, p.NewStatus, p.Text
		if p.ID != "" {
			m.EventID = p.ID
		}
		if i18n.Supported(p.Lang) {
			m.Lang = p.Lang
		}
	}
	r.add(m)
	switch {
	case m.Signature == views.SignatureInvalid:
		return plainStatus(c, http.StatusUnauthorized)
	case m.NotPayload:
		return plainStatus(c, http.StatusBadRequest)
	}
	return plainStatus(c, http.StatusOK)
}

// signatureProblem is why notify.VerifyWebhook refused a signature.
func signatureProblem(err error) string {
	switch {
	case errors.Is(err, notify.ErrNoSignature):
		return views.SignatureMissing
	case errors.Is(err, notify.ErrSignatureFormat):
		return views.SignatureFormat
	case errors.Is(err, notify.ErrSignatureTime):
		return views.SignatureTime
	}
	return views.SignatureMismatch
}

// plainStatus answers a machine with a status and its name.
func plainStatus(c echo.Context, status int) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(status, http.StatusText(status)+"\n")
}

// DemoReceiverPage lists what the demo receiver has been sent, newest
// first.
func (s *Server) DemoReceiverPage(c echo.Context) error {
	p := views.DemoReceiverPage{Chrome: s.chrome(c, s.tr(c, "notifications.receiver.title")),
		Messages: s.cfg.DemoReceiver.Messages(), Max: demoReceiverKeep}
	return render(c, http.StatusOK, views.DemoReceiverView(p))
}
