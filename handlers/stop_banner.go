package handlers

import (
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/views"
)

// bannerReasonLength is how much of the reason a result banner quotes: the
// banner may travel in the session cookie, which holds 4 KiB.
const bannerReasonLength = 200

// stopBanner tells the viewer what happened to one stop, who asked and why.
func stopBanner(o views.StopOutcome, who Identity, reason string) views.Banner {
	name := o.Task.Name
	if name == "" {
		name = o.Task.ID
	}
	why := ""
	if reason != "" {
		why = " Reason: " + views.Clip(reason, bannerReasonLength)
	}
	at := o.At.UTC().Format("15:04:05 UTC")
	follow := views.FollowText(o.Task, o.At)
	switch {
	case o.Outcome == audit.OutcomeJoined:
		// Another replica holds the task's stop: its answer is not here.
		return views.Banner{Kind: "info", Title: name + " is already being stopped by " + o.CallUser + ".",
			Text: "A stop of this task by " + o.CallUser + " is under way or was accepted moments ago, so no second request " +
				"was sent.", Follow: follow}
	case o.Code == audit.CodeNotSent:
		return views.Banner{Kind: "error", Title: "Stop not sent: the dashboard's database is unavailable.",
			Text: "The stop could not be registered as the task's only one, so nothing was sent to the DCS API. " +
				"Try again in a moment; if it persists, ask the dashboard's administrators to check its database."}
	case o.Joined && o.Repeat:
		return views.Banner{Kind: "info", Title: "Stop already requested for " + name + " by " + o.CallUser + ".",
			Text:   "A stop of this task by " + o.CallUser + " was accepted moments ago, so no second request was sent.",
			Follow: follow, RequestID: o.Call.RequestID}
	case o.Joined:
		b := stopBanner(views.StopOutcome{Task: o.Task, Outcome: o.Outcome, Call: o.Call, Code: o.Code, ReadAgain: o.ReadAgain,
			At: o.At, Err: o.Err, CallUser: o.CallUser}, Identity{Identity: auth.Identity{User: o.CallUser}}, "")
		b.Title = name + " is already being stopped by " + o.CallUser + "."
		if o.Outcome != audit.OutcomeAccepted {
			b.Title = "Your stop of " + name + " joined the one " + o.CallUser + " sent moments before."
		}
		b.Text = "Your request joined the stop " + o.CallUser + " sent moments before, so no second request was sent; its answer: " + b.Text
		if b.Kind == "success" {
			b.Kind = "info"
		}
		return b
	case o.Outcome == audit.OutcomeAccepted:
		return views.Banner{Kind: "success", Title: "Stop requested for " + name + ".",
			Text:   "The DCS API accepted the stop at " + at + ", requested by " + who.User + "." + why,
			Follow: follow, RequestID: o.Call.RequestID}
	case o.Outcome == audit.OutcomeFailed:
		b := upstreamBanner(o.Err, "Stopping "+name)
		b.Text = "The stop request could not be sent, so nothing changed. " + b.Text
		return b
	case o.Outcome == audit.OutcomeRefused:
		b := upstreamBanner(o.Err, "Stopping "+name)
		b.Text = "The DCS API refused the stop, so nothing changed. " + b.Text
		if o.Code == "DCS.4957" {
			b.Text = "The task's current status does not allow a stop (it may have finished or already be stopping). Nothing changed."
		}
		return b
	default:
		b := upstreamBanner(o.Err, "Stopping "+name)
		b.Kind = "warning"
		b.Title = "The outcome of the stop of " + name + " is unknown."
		status := "; it could not be read either"
		if o.Task.Status != "" {
			status = " and reads " + o.Task.Status.Label() + " (" + string(o.Task.Status) + ") now"
		}
		b.Text = "The stop request got " + views.NoAnswerText + status + ". The stop may or may not have taken effect. " +
			"Check the status before trying again. " + b.Text
		return b
	}
}
