package views

import (
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// FollowID is the id of a stop banner's sentence about the task's status.
// Every read of the status swaps that sentence out of band, so a banner
// written while the task was stopping does not go on saying so once it
// has stopped.
func FollowID(target, taskID string) string { return "follow-" + target + "-" + taskID }

// FollowText is that sentence for t as just read; now stands in for the
// time of the change when the API gives no update time.
func FollowText(t dcs.Task, now time.Time) string {
	if t.Status == "" {
		return "The task's status could not be read just now; reload the page to see it."
	}
	if t.Status.InProgress() {
		return "The task is " + t.Status.Label() + "; this line updates until it has stopped."
	}
	at, exact := now, false
	if t.UpdatedAt.Valid() {
		at, exact = t.UpdatedAt.Time, true
	}
	when := at.UTC().Format("15:04:05 UTC")
	switch {
	case t.Status.Tone() == dcs.ToneStopped && exact:
		return "The task stopped at " + when + "."
	case t.Status.Tone() == dcs.ToneStopped:
		return "The task has stopped (read at " + when + ")."
	case exact:
		return "The task ended as " + t.Status.Label() + " at " + when + "."
	default:
		return "The task reads " + t.Status.Label() + " (read at " + when + ")."
	}
}

// AnsweredText is the sentence for a page reached without JavaScript,
// which does not read the status again by itself.
func AnsweredText(t dcs.Task) string {
	return "When the stop was answered the task was " + t.Status.Label() + "; reload the page for its status now."
}
