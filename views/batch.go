package views

import (
	"context"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// BatchStop is the confirmation of a stop of several tasks.
type BatchStop struct {
	Tasks    []TargetTask
	CSRF     string
	ReturnTo string
	// Reason is what was typed, kept when the stop was refused.
	Reason string
	// Banner says why the last confirmation was refused, if it was.
	Banner *Banner
	// CanConfirm offers the form; false leaves only the message and Close
	// (the person may not stop tasks here at all).
	CanConfirm bool
}

// TargetTask is a task with the name of the target it belongs to.
type TargetTask struct {
	Target string
	Task   dcs.Task
}

// StopOutcome is what happened to one task's stop, single or in a batch:
// the one account the audit record, the log line, the banner and the
// batch's result table are all made from.
type StopOutcome struct {
	// Target is the name of the target the task belongs to.
	Target string
	// Task is the task as last read: the stop's answer, or the task read
	// again when the answer did not say what happened (ReadAgain).
	Task    dcs.Task
	Outcome string // an audit.Outcome* value
	// Call is the API request that answered, or failed to: its HTTP status
	// and request id (a batch's tasks share the batch call's).
	Call dcs.Call
	// Code and Message are the API's error code and text for this task.
	Code    string
	Message string
	// ReadAgain marks a task read again because the answer did not say
	// whether the stop took effect.
	ReadAgain bool
	// Repeat marks a request answered from a stop accepted moments ago,
	// without another upstream call.
	Repeat bool
	// CallAttempt and CallUser are the audit attempt that sent the call
	// this outcome comes from, and who made it. Joined marks an outcome
	// whose call another attempt sent (a stop of the same task already in
	// flight, or just accepted): this request sent nothing of its own.
	CallAttempt string
	CallUser    string
	Joined      bool
	Took        time.Duration
	At          time.Time // when the answer arrived
	// Err is the stop's failure (nil when accepted), for the banner the
	// handlers write; it is never shown raw.
	Err error
}

func taskLabel(t dcs.Task) string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}

// BatchSummary is the one-banner account of a batch, for the page a
// no-JavaScript post returns to: counts, then the refusals (bounded, since
// the banner travels in the session cookie); the audit trail has the rest.
func BatchSummary(ctx context.Context, rs []StopOutcome) Banner {
	accepted := 0
	var notes []string
	for _, r := range rs {
		if r.Outcome == audit.OutcomeAccepted {
			accepted++
			continue
		}
		if len(notes) < 5 {
			if r.Code != "" {
				notes = append(notes, tr(ctx, "batch.summary.note_code", "Task", taskLabel(r.Task), "Outcome", outcomeText(ctx, r), "Code", r.Code))
			} else {
				notes = append(notes, tr(ctx, "batch.summary.note", "Task", taskLabel(r.Task), "Outcome", outcomeText(ctx, r)))
			}
		}
	}
	b := Banner{Kind: "success", Title: tr(ctx, "batch.summary.title", "Accepted", accepted, "Total", len(rs))}
	if accepted < len(rs) {
		b.Kind = "warning"
		joined := strings.Join(notes, tr(ctx, "batch.summary.separator"))
		if n := len(rs) - accepted - len(notes); n > 0 {
			b.Text = tr(ctx, "batch.summary.not_accepted_more", "Notes", joined, "More", n)
		} else {
			b.Text = tr(ctx, "batch.summary.not_accepted", "Notes", joined)
		}
	}
	return b
}

func batchTitle(ctx context.Context, p BatchStop) string {
	return trn(ctx, "batch.title", len(p.Tasks))
}

func batchButton(ctx context.Context, p BatchStop) string {
	return trn(ctx, "batch.button", len(p.Tasks))
}

// NoAnswerText is how an outcome the API did not answer for is told, single
// or in a batch, followed by the status the task was read again at.
func NoAnswerText(ctx context.Context) string { return tr(ctx, "batch.outcome.no_answer") }

// outcomeWords are the catalog ids of the audit outcomes' names; the
// outcome itself (audit.Outcome*) stays in data-outcome and the records.
var outcomeWords = map[string]string{
	audit.OutcomeAccepted: "batch.outcome.accepted",
	audit.OutcomeRefused:  "batch.outcome.refused",
	audit.OutcomeFailed:   "batch.outcome.failed",
	audit.OutcomeUnknown:  "batch.outcome.unknown",
	audit.OutcomeJoined:   "batch.outcome.joined",
}

// outcomeName is an audit outcome in the page's language; one the
// dashboard does not know is shown as recorded.
func outcomeName(ctx context.Context, outcome string) string {
	if id, ok := outcomeWords[outcome]; ok {
		return tr(ctx, id)
	}
	return outcome
}

// outcomeText names an outcome for people: a task the API may or may not
// have stopped says that it was read again.
func outcomeText(ctx context.Context, r StopOutcome) string {
	switch {
	case r.Outcome == audit.OutcomeJoined:
		return tr(ctx, "batch.outcome.joined_by", "User", r.CallUser)
	case r.Joined:
		return tr(ctx, "batch.outcome.joined_by_answer", "User", r.CallUser,
			"Outcome", outcomeText(ctx, StopOutcome{Outcome: r.Outcome, ReadAgain: r.ReadAgain}))
	case r.Outcome == audit.OutcomeUnknown && r.ReadAgain:
		return NoAnswerText(ctx)
	}
	return outcomeName(ctx, r.Outcome)
}
