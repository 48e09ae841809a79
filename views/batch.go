package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// BatchStop is the confirmation of a stop of several tasks.
type BatchStop struct {
	Tasks    []dcs.Task
	CSRF     string
	ReturnTo string
}

// BatchResult is what happened to one task of a batch stop.
type BatchResult struct {
	Task       dcs.Task // as read after the stop (name, current status)
	Outcome    string   // audit.Outcome* value
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
	Took       time.Duration
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
func BatchSummary(rs []BatchResult) Banner {
	counts := map[string]int{}
	var notes []string
	for _, r := range rs {
		counts[r.Outcome]++
		if r.Outcome != "accepted" && len(notes) < 5 {
			note := taskLabel(r.Task) + ": " + r.Outcome
			if r.Code != "" {
				note += " (" + r.Code + ")"
			}
			notes = append(notes, note)
		}
	}
	b := Banner{Kind: "success", Title: "Stop requested for " + strconv.Itoa(counts["accepted"]) + " of " + strconv.Itoa(len(rs)) + " tasks."}
	if counts["accepted"] < len(rs) {
		b.Kind = "warning"
		b.Text = "Not accepted: " + strings.Join(notes, "; ")
		if n := len(rs) - counts["accepted"] - len(notes); n > 0 {
			b.Text += "; and " + strconv.Itoa(n) + " more (see the audit trail)"
		}
		b.Text += "."
	}
	return b
}

func batchTitle(p BatchStop) string {
	if len(p.Tasks) == 1 {
		return "Stop this migration task?"
	}
	return "Stop these " + strconv.Itoa(len(p.Tasks)) + " migration tasks?"
}

func batchButton(p BatchStop) string {
	if len(p.Tasks) == 1 {
		return "Stop 1 task"
	}
	return "Stop " + strconv.Itoa(len(p.Tasks)) + " tasks"
}
