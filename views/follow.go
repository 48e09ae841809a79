package views

import (
	"context"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// FollowID is the id of a stop banner's sentence about the task's status.
// Every read of the status swaps that sentence out of band, so a banner
// written while the task was stopping does not go on saying so once it
// has stopped.
func FollowID(target, taskID string) string { return "follow-" + target + "-" + taskID }

// FollowText is that sentence for t as just read, in ctx's language; now
// stands in for the time of the change when the API gives no update time.
func FollowText(ctx context.Context, t dcs.Task, now time.Time) string {
	if t.Status == "" {
		return tr(ctx, "state.follow.unread")
	}
	status := StatusName(ctx, t.Status)
	if t.Status.InProgress() {
		return tr(ctx, "state.follow.in_progress", "Status", status)
	}
	at, exact := now, false
	if t.UpdatedAt.Valid() {
		at, exact = t.UpdatedAt.Time, true
	}
	when := at.UTC().Format("15:04:05 UTC")
	switch {
	case t.Status.Tone() == dcs.ToneStopped && exact:
		return tr(ctx, "state.follow.stopped_at", "Time", when)
	case t.Status.Tone() == dcs.ToneStopped:
		return tr(ctx, "state.follow.stopped_read_at", "Time", when)
	case exact:
		return tr(ctx, "state.follow.ended_at", "Status", status, "Time", when)
	default:
		return tr(ctx, "state.follow.reads", "Status", status, "Time", when)
	}
}

// AnsweredText is the sentence for a page reached without JavaScript,
// which does not read the status again by itself.
func AnsweredText(ctx context.Context, t dcs.Task) string {
	return tr(ctx, "state.follow.answered", "Status", StatusName(ctx, t.Status))
}
