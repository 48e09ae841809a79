package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/views"
)

// Stop stops one task after the viewer confirmed it. With htmx it answers
// with the task's status block (new status and result banner); a plain
// form post is redirected back with the result as a flash message.
func (s *Server) Stop(c echo.Context) error { return s.stop(c, s.readStopRequest(c, false)) }

// BatchStop stops the chosen tasks: each task gets its own audit intent
// before the API is called (in chunks of at most dcs.MaxBatchStop) and its
// own outcome after. A batch counts as one stop against the rate limit.
func (s *Server) BatchStop(c echo.Context) error { return s.stop(c, s.readStopRequest(c, true)) }

// stop is the one stop path: guard, send, record, answer.
func (s *Server) stop(c echo.Context, req *stopRequest) error {
	intents, refusal := s.guardStop(c, req)
	if refusal != nil {
		s.countStop(refusal.metric)
		s.log.Info("stop refused", "user", req.who.User, "role", string(req.who.Role), "groups", req.who.Groups,
			"groups_source", req.who.GroupsSource, "tasks", len(req.tasks), "status", refusal.status, "why", refusal.why)
		return s.refuseStop(c, req, refusal)
	}
	s.inflight.begin(intents)
	// The stop must finish and be recorded even if the browser goes away.
	ctx := detached(c.Request().Context())
	var outcomes []views.StopOutcome
	if req.batch {
		outcomes = s.stopper.batch(ctx, intents)
	} else {
		outcomes = []views.StopOutcome{s.stopper.single(ctx, intents[0])}
	}
	recorded := s.recordStops(req, intents, outcomes)
	s.tellReplicas(ctx, req)
	if req.batch {
		return s.answerBatch(c, req, outcomes)
	}
	return s.answerSingle(c, req, outcomes[0], recorded)
}

// recordStops writes each attempt's outcome next to its intent, counts it
// and logs it. It reports whether every outcome was written.
func (s *Server) recordStops(req *stopRequest, intents []audit.Record, outcomes []views.StopOutcome) bool {
	ok := true
	for i, o := range outcomes {
		intent := intents[i]
		intent.TaskName = o.Task.Name
		record := audit.Record{Outcome: o.Outcome, HTTPStatus: o.Call.HTTPStatus, ErrorCode: o.Code,
			RequestID: o.Call.RequestID, DurationMS: o.Took.Milliseconds()}
		if o.Joined {
			// Nothing was sent for this attempt: it shares another's call,
			// whose request id and status it keeps for reference.
			record.Outcome, record.JoinedAttemptID, record.JoinedUser = audit.OutcomeJoined, o.CallAttempt, o.CallUser
			record.DurationMS = 0
		}
		s.countStop(record.Outcome)
		err := s.inflight.finish(intent, record)
		switch {
		case errors.Is(err, errAbandoned):
			s.log.Warn("stop answered after shutdown recorded it as unknown", "task_id", o.Task.ID,
				"attempt_id", intent.AttemptID, "outcome", o.Outcome)
		case err != nil:
			ok = false
			s.log.Error("audit outcome not written", "task_id", o.Task.ID, "attempt_id", intent.AttemptID, "err", err.Error())
		}
		s.log.Info("stop attempt", "attempt_id", intent.AttemptID, "action", intent.Action, "task_id", o.Task.ID,
			"task_name", o.Task.Name, "user", req.who.User, "outcome", record.Outcome, "joined_attempt_id", record.JoinedAttemptID,
			"status_after", string(o.Task.Status), "http_status", o.Call.HTTPStatus, "dcs_request_id", o.Call.RequestID,
			"duration_ms", o.Took.Milliseconds(), "err", errText(o.Err))
	}
	return ok
}

// tellReplicas has every other replica drop its cached pages of the
// targets just stopped on; a replica that does not hear it sees the new
// status when its short cache expires, so a failure is only logged.
func (s *Server) tellReplicas(ctx context.Context, req *stopRequest) {
	if s.cfg.StopNotifier == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, t := range req.targets() {
		if err := s.cfg.StopNotifier.Stopped(ctx, t.Name); err != nil {
			s.log.Warn("could not tell the other replicas of a stop", "target", t.Name, "err", err.Error())
		}
	}
}

// answerSingle shows one stop's result: the status block with a banner for
// htmx, a flash on the page returned to without JavaScript.
func (s *Server) answerSingle(c echo.Context, req *stopRequest, o views.StopOutcome, recorded bool) error {
	banner := stopBanner(c.Request().Context(), o, req.who, req.reason)
	banner.DashboardRequestID = requestIDOf(c)
	if !recorded {
		banner.Text = s.tr(c, "stops.not_recorded", "Text", banner.Text)
	}
	if !isHTMX(c) {
		if banner.Follow != "" {
			banner.Follow = views.AnsweredText(c.Request().Context(), o.Task)
		}
		s.flash(c, banner)
		return redirectAfterPost(c, req.returnTo)
	}
	st := s.state(c, req.tasks[0].target, o.Task, req.returnTo)
	if banner.Follow != "" {
		banner.FollowID = views.FollowID(st.Target, o.Task.ID)
	}
	st.Banner = &banner
	status := http.StatusOK
	if o.Err != nil {
		status = upstreamStatus(o.Err)
		st.Reason = req.reason
	}
	return render(c, status, views.TaskStateView(&st, true))
}

// answerBatch shows a batch's results: per task in the page's alert region
// for htmx (the rows refresh themselves), as one summary flash without.
func (s *Server) answerBatch(c echo.Context, req *stopRequest, outcomes []views.StopOutcome) error {
	s.log.Info("batch stop", "user", req.who.User, "tasks", len(outcomes), "accepted_tasks", countOutcome(outcomes, audit.OutcomeAccepted))
	if !isHTMX(c) {
		summary := views.BatchSummary(c.Request().Context(), outcomes)
		summary.DashboardRequestID = requestIDOf(c)
		s.flash(c, summary)
		return redirectAfterPost(c, req.returnTo)
	}
	answer := toAlerts
	answer.Trigger = "tasks-changed"
	answer.apply(c)
	return render(c, http.StatusOK, views.BatchResultView(outcomes))
}

// refuseStop tells the person why the dashboard sent nothing, by one rule
// for single and batch stops: with htmx the confirmation dialog comes back
// with the message (and the typed reason, where confirming again can
// succeed); without JavaScript the message is a flash on the next page,
// which is the confirmation again where it can succeed.
func (s *Server) refuseStop(c echo.Context, req *stopRequest, r *stopRefusal) error {
	r.banner.DashboardRequestID = requestIDOf(c)
	if !isHTMX(c) {
		s.flash(c, r.banner)
		next := req.returnTo
		if r.retry {
			s.cfg.Sessions.KeepReason(c, req.reason)
			next = confirmURL(req)
		}
		return redirectAfterPost(c, next)
	}
	toDialog.apply(c)
	if req.batch {
		p := views.BatchStop{Tasks: req.shown(), CSRF: csrfTokenOf(c), ReturnTo: req.returnTo, Reason: req.reason,
			Banner: &r.banner, CanConfirm: r.retry}
		return render(c, r.status, views.BatchStopDialog(p))
	}
	first := req.shown()[0]
	st := views.TaskState{Task: first.Task, Target: first.Target, CSRF: csrfTokenOf(c), ReturnTo: req.returnTo}
	st.Banner, st.Reason, st.CanStop, st.StatusUnread = &r.banner, req.reason, r.retry, true
	return render(c, r.status, views.StopDialog(&st))
}

// shown are the request's tasks as far as it knows them: ids, targets and
// the names the confirmation carried. A refusal shows them without reading
// the API; their status is not known here (the API has the last word when
// the person confirms again).
func (req *stopRequest) shown() []views.TargetTask {
	if len(req.tasks) == 0 {
		return []views.TargetTask{{}}
	}
	out := make([]views.TargetTask, len(req.tasks))
	for i, at := range req.tasks {
		out[i] = views.TargetTask{Target: at.target.Name, Task: dcs.Task{ID: at.id, Name: at.name}}
	}
	return out
}

// confirmURL is the no-JavaScript confirmation a correctable refusal
// returns to, for the same tasks and the same place to go back to.
func confirmURL(req *stopRequest) string {
	if !req.batch {
		return routes.TaskStopDialogURL(req.tasks[0].target.Name, req.tasks[0].id, req.returnTo)
	}
	refs := make([]string, len(req.tasks))
	for i, at := range req.tasks {
		refs[i] = routes.TaskRef(at.target.Name, at.id)
	}
	return routes.BatchStopConfirmURL(refs, req.returnTo)
}

// flash keeps a banner for the next page. The stop has happened (or not)
// already: failing to keep the message must not turn it into an error page,
// and the page redirected to shows the task's real status either way.
func (s *Server) flash(c echo.Context, b views.Banner) {
	if err := s.cfg.Sessions.AddFlash(c, b); err != nil {
		s.log.Warn("could not keep a message for the next page", "title", b.Title, "err", err.Error())
	}
}

// countStop records a stop attempt's outcome in the metrics, if any.
func (s *Server) countStop(outcome string) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.StopAttempt(outcome)
	}
}

func countOutcome(os []views.StopOutcome, outcome string) int {
	n := 0
	for _, o := range os {
		if o.Outcome == outcome {
			n++
		}
	}
	return n
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
