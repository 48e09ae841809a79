package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	maxReasonLength = 500
	// bannerReasonLength is how much of the reason a result banner quotes:
	// the banner may travel in the session cookie, which holds 4 KiB.
	bannerReasonLength = 200
)

// Stop stops a task after the viewer confirmed it. With htmx it answers with
// the task's status block (new status and result banner); a plain form post
// is redirected back with the result as a flash message.
func (s *Server) Stop(c echo.Context) error {
	id, err := taskID(c)
	if err != nil {
		return err
	}
	who := identityOf(c)
	returnTo := safeReturnTo(c.FormValue("return_to"), id)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if !s.canStop(c) {
		s.countStop("denied")
		return s.notAllowedToStop(c)
	}
	if ok, wait := s.limiter.allow(who.User, s.cfg.Now()); !ok {
		s.countStop("rate_limited")
		return s.stopRefusedLocally(c, http.StatusTooManyRequests, id, returnTo, reason, views.Banner{Kind: "warning",
			Title: "Too many stops in a short time.",
			Text: "Each person may request at most " + strconv.Itoa(s.cfg.StopsPerMinute) + " stops a minute. Nothing was sent " +
				"to the DCS API; try again in " + strconv.Itoa(int(wait.Seconds())+1) + " seconds."})
	}
	if n := utf8.RuneCountInString(reason); n > maxReasonLength {
		return s.stopRefusedLocally(c, http.StatusBadRequest, id, returnTo, reason, views.Banner{Kind: "error", Title: "Reason too long.",
			Text: "The reason has " + strconv.Itoa(n) + " characters; at most " + strconv.Itoa(maxReasonLength) +
				" are kept. Shorten it and confirm again. Nothing was sent to the DCS API."})
	}

	// No unaudited stop: the intent is on disk before anything is sent.
	intent, err := s.cfg.Audit.Intent(audit.Record{
		Action: audit.ActionStop, User: who.User, Email: who.Email, Groups: who.Groups,
		RemoteAddr: c.RealIP(), TaskID: id, Reason: reason,
	})
	if err != nil {
		s.log.Error("stop refused: audit log not writable", "task_id", id, "user", who.User, "err", err.Error())
		s.countStop("audit_failed")
		return s.stopRefusedLocally(c, http.StatusServiceUnavailable, id, returnTo, reason, views.Banner{Kind: "error",
			Title: "Stop not sent: the audit log cannot be written.",
			Text: "Every stop is recorded before it is sent, and the record could not be written, so nothing was sent " +
				"to the DCS API. Ask the dashboard's administrators to check its audit log (disk space, permissions)."})
	}

	res := s.stopper.stop(detached(c.Request().Context()), id)
	intent.TaskName = res.Task.Name
	outcome := audit.Record{Outcome: res.Outcome, DurationMS: res.Took.Milliseconds()}
	if apiErr, ok := dcs.AsAPIError(res.Err); ok {
		outcome.HTTPStatus, outcome.ErrorCode, outcome.RequestID = apiErr.HTTPStatus, apiErr.Code, apiErr.RequestID
	}
	s.countStop(res.Outcome)
	auditErr := s.cfg.Audit.Outcome(intent, outcome)
	if auditErr != nil {
		s.log.Error("audit outcome not written", "task_id", id, "attempt_id", intent.AttemptID, "err", auditErr.Error())
	}
	s.log.Info("stop attempt", "attempt_id", intent.AttemptID, "task_id", id, "task_name", res.Task.Name, "user", who.User,
		"outcome", res.Outcome, "repeat", res.Repeat, "status_after", string(res.Task.Status),
		"duration_ms", res.Took.Milliseconds(), "err", errText(res.Err))

	banner := stopBanner(res, who, reason)
	banner.DashboardRequestID = requestIDOf(c)
	if auditErr != nil {
		banner.Text += " The outcome could not be added to the audit log; its intent record is there."
	}
	if !isHTMX(c) {
		// The stop has happened (or not) already: failing to keep the message
		// must not turn it into an error page. The page redirected to shows
		// the task's real status either way.
		if err := s.cfg.Sessions.AddFlash(c, banner); err != nil {
			s.log.Warn("could not keep the stop result for the next page", "task_id", id, "err", err.Error())
		}
		return redirectAfterPost(c, returnTo)
	}
	st := s.state(c, res.Task, returnTo)
	st.Banner = &banner
	status := http.StatusOK
	if res.Err != nil {
		status = upstreamStatus(res.Err)
		st.Reason = reason
	}
	return render(c, status, views.TaskStateView(&st))
}

// countStop records a stop attempt's outcome in the metrics, if any.
func (s *Server) countStop(outcome string) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.StopAttempt(outcome)
	}
}

// notAllowedToStop explains a refused stop; nothing is sent to the DCS API.
func (s *Server) notAllowedToStop(c echo.Context) error {
	if s.cfg.ReadOnly {
		return &pageError{Status: http.StatusForbidden, Title: "Read-only dashboard",
			Text: "This dashboard is read-only: nobody can stop tasks here. Nothing was sent to the DCS API."}
	}
	return &pageError{Status: http.StatusForbidden, Title: "Not allowed",
		Text: "Your role (" + string(identityOf(c).Role) + ") may view tasks but not stop them. Nothing was sent to the DCS API."}
}

// stopRefusedLocally answers a stop the dashboard itself refused, keeping the
// typed reason so nothing is lost.
func (s *Server) stopRefusedLocally(c echo.Context, status int, id, returnTo, reason string, b views.Banner) error {
	task, err := s.cfg.Tasks.Show(c.Request().Context(), id)
	if err != nil {
		task = dcs.Task{ID: id}
	}
	st := s.state(c, task, returnTo)
	st.Banner, st.Reason = &b, reason
	if isHTMX(c) {
		// Back into the dialog it came from, with what was typed, so the
		// person can correct it rather than start again.
		c.Response().Header().Set("HX-Retarget", "#stop-dialog-slot")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		return render(c, status, views.StopDialog(&st))
	}
	return render(c, status, views.ConfirmStopView(views.ConfirmStopPage{Chrome: s.chrome(c, "Stop "+task.Name), State: st}))
}

// stopBanner tells the viewer what happened, who asked and why.
func stopBanner(res stopResult, who Identity, reason string) views.Banner {
	name := res.Task.Name
	if name == "" {
		name = res.Task.ID
	}
	why := ""
	if reason != "" {
		why = " Reason: " + shorten(reason, bannerReasonLength)
	}
	at := res.At.UTC().Format("15:04:05 UTC")
	switch {
	case res.Repeat:
		return views.Banner{Kind: "info", Title: "Stop already requested for " + name + ".",
			Text: "A stop of this task was accepted moments ago, so no second request was sent. The task is " +
				res.Task.Status.Label() + "; this status updates until it has stopped."}
	case res.Outcome == audit.OutcomeAccepted:
		return views.Banner{Kind: "success", Title: "Stop requested for " + name + ".",
			Text: "The DCS API accepted the stop at " + at + ", requested by " + who.User + ". The task is " +
				res.Task.Status.Label() + "; this status updates until it has stopped." + why}
	case res.Outcome == audit.OutcomeFailed:
		b := upstreamBanner(res.Err, "Stopping "+name)
		b.Text = "The stop request could not be sent, so nothing changed. " + b.Text
		return b
	case res.Outcome == audit.OutcomeRefused:
		b := upstreamBanner(res.Err, "Stopping "+name)
		b.Text = "The DCS API refused the stop, so nothing changed. " + b.Text
		if apiErr, ok := dcs.AsAPIError(res.Err); ok && apiErr.Code == "DCS.4957" {
			b.Text = "The task's current status does not allow a stop (it may have finished or already be stopping). Nothing changed."
		}
		return b
	default:
		b := upstreamBanner(res.Err, "Stopping "+name)
		b.Kind = "warning"
		b.Title = "The outcome of the stop of " + name + " is unknown."
		status := "could not be read either"
		if res.Task.Status != "" {
			status = "reads " + res.Task.Status.Label() + " (" + string(res.Task.Status) + ") now"
		}
		b.Text = "The stop request got no clear answer, so it may or may not have taken effect. The task " + status +
			". Check the status before trying again. " + b.Text
		return b
	}
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
