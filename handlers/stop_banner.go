package handlers

import (
	"context"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/views"
)

// bannerReasonLength is how much of the reason a result banner quotes: the
// banner may travel in the session cookie, which holds 4 KiB.
const bannerReasonLength = 200

// stopBanner tells the viewer what happened to one stop, who asked and
// why, in ctx's language. The API's code, message and request id are
// shown as it sent them.
func stopBanner(ctx context.Context, o views.StopOutcome, who Identity, reason string) views.Banner {
	name := o.Task.Name
	if name == "" {
		name = o.Task.ID
	}
	at := o.At.UTC().Format("15:04:05 UTC")
	follow := views.FollowText(ctx, o.Task, o.At)
	switch {
	case o.Outcome == audit.OutcomeJoined:
		// Another replica holds the task's stop: its answer is not here.
		return views.Banner{Kind: "info", Title: i18n.T(ctx, "stops.joined.title", "Name", name, "User", o.CallUser),
			Text: i18n.T(ctx, "stops.joined.text", "User", o.CallUser), Follow: follow}
	case o.Code == audit.CodeNotSent:
		return views.Banner{Kind: "error", Title: i18n.T(ctx, "stops.db_unavailable.title"),
			Text: i18n.T(ctx, "stops.db_unavailable.lease_text")}
	case o.Joined && o.Repeat:
		return views.Banner{Kind: "info", Title: i18n.T(ctx, "stops.repeat.title", "Name", name, "User", o.CallUser),
			Text:   i18n.T(ctx, "stops.repeat.text", "User", o.CallUser),
			Follow: follow, RequestID: o.Call.RequestID}
	case o.Joined:
		b := stopBanner(ctx, views.StopOutcome{Task: o.Task, Outcome: o.Outcome, Call: o.Call, Code: o.Code, ReadAgain: o.ReadAgain,
			At: o.At, Err: o.Err, CallUser: o.CallUser}, Identity{Identity: auth.Identity{User: o.CallUser}}, "")
		b.Title = i18n.T(ctx, "stops.joined.title", "Name", name, "User", o.CallUser)
		if o.Outcome != audit.OutcomeAccepted {
			b.Title = i18n.T(ctx, "stops.joined_answer.title", "Name", name, "User", o.CallUser)
		}
		b.Text = i18n.T(ctx, "stops.joined_answer.text", "User", o.CallUser, "Answer", b.Text)
		if b.Kind == "success" {
			b.Kind = "info"
		}
		return b
	case o.Outcome == audit.OutcomeAccepted:
		text := i18n.T(ctx, "stops.accepted.text", "At", at, "User", who.User)
		if reason != "" {
			text = i18n.T(ctx, "stops.accepted.text_reason", "At", at, "User", who.User,
				"Reason", views.Clip(reason, bannerReasonLength))
		}
		return views.Banner{Kind: "success", Title: i18n.T(ctx, "stops.accepted.title", "Name", name),
			Text: text, Follow: follow, RequestID: o.Call.RequestID}
	case o.Outcome == audit.OutcomeFailed:
		b := upstreamBanner(ctx, o.Err, i18n.T(ctx, "stops.failed.title", "Name", name))
		b.Text = i18n.T(ctx, "stops.failed.text", "Advice", b.Text)
		return b
	case o.Outcome == audit.OutcomeRefused:
		b := upstreamBanner(ctx, o.Err, i18n.T(ctx, "stops.failed.title", "Name", name))
		b.Text = i18n.T(ctx, "stops.refused.text", "Advice", b.Text)
		if o.Code == "DCS.4957" {
			b.Text = i18n.T(ctx, "stops.refused.status_text")
		}
		return b
	default:
		b := upstreamBanner(ctx, o.Err, i18n.T(ctx, "stops.failed.title", "Name", name))
		b.Kind = "warning"
		b.Title = i18n.T(ctx, "stops.unknown.title", "Name", name)
		if o.Task.Status != "" {
			b.Text = i18n.T(ctx, "stops.unknown.text_read", "Status", views.StatusName(ctx, o.Task.Status),
				"Raw", string(o.Task.Status), "Advice", b.Text)
		} else {
			b.Text = i18n.T(ctx, "stops.unknown.text_unread", "Advice", b.Text)
		}
		return b
	}
}
