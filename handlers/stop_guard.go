package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	maxReasonLength = 500
	// maxBatch bounds one batch: a list page holds at most 100 tasks.
	maxBatch = 100
	// nothingSent ends every refusal: the person must know no stop left.
	nothingSent = " Nothing was sent to the DCS API."
)

// stopRequest is one confirmed stop, of one task or of several, of one
// target or of several, as the form sent it. Single and batch stops are the
// same request through the same guard; only the upstream call differs.
type stopRequest struct {
	batch    bool
	who      Identity
	tasks    []taskAt
	reason   string
	returnTo string
	// invalid is what is wrong with the tasks named, found while reading
	// them and reported in its turn (after role and read-only).
	invalid *views.Banner
}

// taskAt is a task of a target, as a stop names it. Name is the display
// name the confirmation carried: never trusted for anything else.
type taskAt struct {
	target *targets.Target
	id     string
	name   string
}

// readStopRequest reads a single stop (the :target and :id path
// parameters) or a batch (the form's task fields, TaskRef each). Nothing
// is refused here: the guard decides, in its order.
func (s *Server) readStopRequest(c echo.Context, batch bool) *stopRequest {
	req := &stopRequest{batch: batch, who: identityOf(c), reason: strings.TrimSpace(c.FormValue("reason"))}
	if !batch {
		t, id, err := s.taskAddr(c)
		if err != nil {
			req.returnTo, req.invalid = routes.List, invalidIDBanner()
			return req
		}
		req.tasks = []taskAt{{target: t, id: id}}
		req.returnTo = safeReturnTo(c.FormValue("return_to"), t.Name, id)
		return req
	}
	req.returnTo = safeListReturn(c.FormValue("return_to"))
	req.tasks, req.invalid = s.batchTasks(c)
	form, _ := c.FormParams()
	if refs, names := form["task"], form["task_name"]; len(names) == len(refs) {
		for i := range req.tasks {
			if k := slices.Index(refs, routes.TaskRef(req.tasks[i].target.Name, req.tasks[i].id)); k >= 0 {
				req.tasks[i].name = names[k]
			}
		}
	}
	return req
}

// batchTasks reads the selected tasks (form or query field "task", a
// TaskRef each), duplicates dropped, and what is wrong with them if anything.
func (s *Server) batchTasks(c echo.Context) ([]taskAt, *views.Banner) {
	var raw []string
	if c.Request().Method == http.MethodGet {
		raw = c.QueryParams()["task"]
	} else if form, err := c.FormParams(); err == nil {
		raw = form["task"]
	}
	var out []taskAt
	for _, ref := range raw {
		name, id, ok := routes.ParseTaskRef(ref)
		t, known := s.cfg.Targets.Get(name)
		if !ok || !known || !dcs.ValidTaskID(id) {
			return nil, invalidIDBanner()
		}
		if !slices.ContainsFunc(out, func(a taskAt) bool { return a.target == t && a.id == id }) {
			out = append(out, taskAt{target: t, id: id})
		}
	}
	switch {
	case len(out) == 0:
		return nil, &views.Banner{Kind: "error", Title: "No task selected.",
			Text: "Tick the tasks to stop in the list, then choose Stop selected." + nothingSent}
	case len(out) > maxBatch:
		return nil, &views.Banner{Kind: "error", Title: "Too many tasks selected.",
			Text: "Stop at most " + strconv.Itoa(maxBatch) + " tasks at once." + nothingSent}
	}
	return out, nil
}

func invalidIDBanner() *views.Banner {
	return &views.Banner{Kind: "error", Title: "Invalid task id.",
		Text: "A task is not named right: ids are letters, digits and hyphens, at most " +
			strconv.Itoa(dcs.MaxTaskIDLength) + " characters, of a target this dashboard watches." + nothingSent}
}

// stopRefusal is a stop the dashboard refused before anything reached the
// API, with what the person is told.
type stopRefusal struct {
	status int
	metric string // the metrics.Stop* label it is counted under
	banner views.Banner
	// retry offers the confirmation again: the person can correct the input
	// or wait, rather than being refused whatever they do.
	retry bool
}

// guardStop runs every check a stop must pass, single or batch, in one
// order: identity and role, read-only, input, rate limit, then the audit
// intent (one per task, on disk before anything is sent). Only an attempt
// that passes the input checks uses up the person's stop quota, and only
// one that is audited reaches the API.
func (s *Server) guardStop(c echo.Context, req *stopRequest) ([]audit.Record, *stopRefusal) {
	if r := s.stopForbidden(req.who, req.targets()); r != nil {
		return nil, r
	}
	if req.invalid != nil {
		return nil, &stopRefusal{status: http.StatusBadRequest, metric: metrics.StopInvalid, banner: *req.invalid}
	}
	if n := utf8.RuneCountInString(req.reason); n > maxReasonLength {
		return nil, &stopRefusal{status: http.StatusBadRequest, metric: metrics.StopInvalid, retry: true, banner: views.Banner{
			Kind: "error", Title: "Reason too long.", Text: "The reason has " + strconv.Itoa(n) + " characters; at most " +
				strconv.Itoa(maxReasonLength) + " are kept. Shorten it and confirm again." + nothingSent}}
	}
	ok, wait, err := s.allowStop(c, req.who.User)
	if err != nil {
		s.log.Error("stop refused: the stop budget could not be read", "user", req.who.User, "err", err.Error())
		return nil, &stopRefusal{status: http.StatusServiceUnavailable, metric: metrics.StopAuditFailed, retry: true,
			banner: views.Banner{Kind: "error", Title: "Stop not sent: the dashboard's database is unavailable.",
				Text: "Stops are counted and recorded in the database, which did not answer, so nothing was sent to the DCS API. " +
					"Try again in a moment; if it persists, ask the dashboard's administrators to check its database."}}
	}
	if !ok {
		return nil, &stopRefusal{status: http.StatusTooManyRequests, metric: metrics.StopRateLimited, retry: true, banner: views.Banner{
			Kind: "warning", Title: "Too many stops in a short time.",
			Text: "Each person may request at most " + strconv.Itoa(s.cfg.StopsPerMinute) + " stops a minute; a batch counts as one." +
				nothingSent + " Try again in " + strconv.Itoa(int(wait.Seconds())+1) + " seconds."}}
	}
	intents, err := s.writeIntents(c, req)
	if err != nil {
		s.log.Error("stop refused: audit trail not writable", "tasks", len(req.tasks), "user", req.who.User, "err", err.Error())
		return nil, &stopRefusal{status: http.StatusServiceUnavailable, metric: metrics.StopAuditFailed, retry: true,
			banner: views.Banner{Kind: "error", Title: "Stop not sent: the audit trail cannot be written.",
				Text: "Every stop is recorded before it is sent, and the record could not be written, so nothing was sent " +
					"to the DCS API. Try again in a moment; if it persists, ask the dashboard's administrators to check its " +
					"database (reachable, disk space, permissions)."}}
	}
	return intents, nil
}

// allowStop takes one stop from the person's budget: the replicas' shared
// one when there is a database for it, this process's otherwise.
func (s *Server) allowStop(c echo.Context, user string) (bool, time.Duration, error) {
	if s.cfg.Budgets == nil {
		ok, wait := s.limiter.allow(user, s.cfg.Now())
		return ok, wait, nil
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), budgetTimeout)
	defer cancel()
	return s.cfg.Budgets.Allow(ctx, user, s.cfg.StopsPerMinute)
}

// budgetTimeout bounds the shared budget's read: a database that hangs
// refuses the stop rather than hold the person.
const budgetTimeout = 5 * time.Second

// stopForbidden is the guard's first two checks, which the confirmations
// make too: may this person stop the tasks of these targets, and may anyone
// here. With no target known (the tasks were named wrong) the person's
// role alone decides.
func (s *Server) stopForbidden(who Identity, ts []*targets.Target) *stopRefusal {
	if len(ts) == 0 && !who.IsOperator() {
		return notOperator(who, "")
	}
	for _, t := range ts {
		if !who.operatorOf(t) {
			return notOperator(who, t.Label())
		}
	}
	if s.cfg.ReadOnly {
		return &stopRefusal{status: http.StatusForbidden, metric: metrics.StopDenied, banner: views.Banner{Kind: "error",
			Title: "Read-only dashboard.", Text: "This dashboard is read-only: nobody can stop tasks here." + nothingSent}}
	}
	return nil
}

// notOperator refuses a person who may not stop tasks (of target, if named).
func notOperator(who Identity, target string) *stopRefusal {
	text := "Your role (" + string(who.Role) + ") may view tasks but not stop them."
	if target != "" && who.IsOperator() {
		text = "You may view the tasks of " + target + " but not stop them: you are not in its operator groups."
	}
	return &stopRefusal{status: http.StatusForbidden, metric: metrics.StopDenied, banner: views.Banner{Kind: "error",
		Title: "Not allowed.", Text: text + nothingSent}}
}

// targets are the distinct targets of the request's tasks.
func (req *stopRequest) targets() []*targets.Target {
	var out []*targets.Target
	for _, t := range req.tasks {
		if !slices.Contains(out, t.target) {
			out = append(out, t.target)
		}
	}
	return out
}

// writeIntents records one intent per task, chunk by chunk as the API will
// be called, each chunk all or none. When a chunk cannot be written the
// whole request is refused, and the chunks already written are given an
// outcome saying they were not sent, so no intent is left without one.
func (s *Server) writeIntents(c echo.Context, req *stopRequest) ([]audit.Record, error) {
	action := audit.ActionStop
	if req.batch {
		action = audit.ActionBatchStop
	}
	var intents []audit.Record
	for chunk := range slices.Chunk(req.tasks, dcs.MaxBatchStop) {
		rs := make([]audit.Record, len(chunk))
		for i, at := range chunk {
			rs[i] = audit.Record{Action: action, User: req.who.User, Email: req.who.Email, Groups: req.who.Groups,
				RemoteAddr: c.RealIP(), TaskID: at.id, Reason: req.reason,
				Target: at.target.Name, Region: at.target.Region, ProjectID: at.target.ProjectID}
		}
		written, err := s.cfg.Audit.Intents(rs)
		if err != nil {
			for _, in := range intents {
				if err := s.cfg.Audit.Outcome(in, audit.Record{Outcome: audit.OutcomeFailed, ErrorCode: audit.CodeNotSent}); err != nil {
					s.log.Error("audit outcome not written", "attempt_id", in.AttemptID, "task_id", in.TaskID, "err", err.Error())
				}
			}
			return nil, err
		}
		intents = append(intents, written...)
	}
	return intents, nil
}
