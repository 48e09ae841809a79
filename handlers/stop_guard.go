package handlers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	maxReasonLength = 500
	// maxBatch bounds one batch: a list page holds at most 100 tasks.
	maxBatch = 100
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
	invalid *inputError
}

// inputError is what is wrong with the tasks a stop names: the banner in
// the request's language, and why in English, for the log.
type inputError struct {
	banner views.Banner
	why    string
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
			req.returnTo, req.invalid = routes.List, invalidID(c.Request().Context())
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
func (s *Server) batchTasks(c echo.Context) ([]taskAt, *inputError) {
	var raw []string
	if c.Request().Method == http.MethodGet {
		raw = c.QueryParams()["task"]
	} else if form, err := c.FormParams(); err == nil {
		raw = form["task"]
	}
	ctx := c.Request().Context()
	var out []taskAt
	for _, ref := range raw {
		name, id, ok := routes.ParseTaskRef(ref)
		t, known := s.cfg.Targets.Get(name)
		if !ok || !known || !dcs.ValidTaskID(id) {
			return nil, invalidID(ctx)
		}
		if !slices.ContainsFunc(out, func(a taskAt) bool { return a.target == t && a.id == id }) {
			out = append(out, taskAt{target: t, id: id})
		}
	}
	switch {
	case len(out) == 0:
		b, why := refusalBanner(ctx, "error", "stops.no_task.title", i18n.T(ctx, "stops.no_task.text"))
		return nil, &inputError{b, why}
	case len(out) > maxBatch:
		b, why := refusalBanner(ctx, "error", "stops.too_many.title", i18n.T(ctx, "stops.too_many.text", "Max", maxBatch))
		return nil, &inputError{b, why}
	}
	return out, nil
}

func invalidID(ctx context.Context) *inputError {
	b, why := refusalBanner(ctx, "error", "stops.invalid_id.title", i18n.T(ctx, "stops.invalid_id.text", "Max", dcs.MaxTaskIDLength))
	return &inputError{b, why}
}

// refusalBanner is the banner of a refusal titled by the message titleID,
// in ctx's language, and that title in English: why it was refused, for the
// log, which is not translated.
func refusalBanner(ctx context.Context, kind, titleID, text string) (views.Banner, string) {
	return views.Banner{Kind: kind, Title: i18n.T(ctx, titleID), Text: text}, i18n.T(context.Background(), titleID)
}

// stopRefusal is a stop the dashboard refused before anything reached the
// API, with what the person is told. Every refusal's text (stops.yaml)
// ends by saying nothing was sent: the person must know no stop left.
type stopRefusal struct {
	status int
	metric string // the metrics.Stop* label it is counted under
	why    string // the banner's title in English, for the log
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
	ctx := c.Request().Context()
	if r := s.stopForbidden(ctx, req.who, req.targets()); r != nil {
		return nil, r
	}
	if req.invalid != nil {
		return nil, &stopRefusal{status: http.StatusBadRequest, metric: metrics.StopInvalid, banner: req.invalid.banner, why: req.invalid.why}
	}
	if n := utf8.RuneCountInString(req.reason); n > maxReasonLength {
		r := refuse(ctx, http.StatusBadRequest, metrics.StopInvalid, "error", "stops.reason_too_long.title",
			i18n.T(ctx, "stops.reason_too_long.text", "Length", n, "Max", maxReasonLength))
		r.retry = true
		return nil, r
	}
	ok, wait, err := s.allowStop(c, req.who.User)
	if err != nil {
		s.log.Error("stop refused: the stop budget could not be read", "user", req.who.User, "err", err.Error())
		r := refuse(ctx, http.StatusServiceUnavailable, metrics.StopAuditFailed, "error", "stops.db_unavailable.title",
			i18n.T(ctx, "stops.db_unavailable.budget_text"))
		r.retry = true
		return nil, r
	}
	if !ok {
		r := refuse(ctx, http.StatusTooManyRequests, metrics.StopRateLimited, "warning", "stops.rate_limited.title",
			i18n.N(ctx, "stops.rate_limited.text", s.cfg.StopsPerMinute)+" "+i18n.N(ctx, "stops.rate_limited.retry", int(wait.Seconds())+1))
		r.retry = true
		return nil, r
	}
	intents, err := s.writeIntents(c, req)
	if err != nil {
		s.log.Error("stop refused: audit trail not writable", "tasks", len(req.tasks), "user", req.who.User, "err", err.Error())
		r := refuse(ctx, http.StatusServiceUnavailable, metrics.StopAuditFailed, "error", "stops.audit_unwritable.title",
			i18n.T(ctx, "stops.audit_unwritable.text"))
		r.retry = true
		return nil, r
	}
	return intents, nil
}

// refuse is a refusal answered with status and counted under metric, its
// banner titled by the message titleID.
func refuse(ctx context.Context, status int, metric, kind, titleID, text string) *stopRefusal {
	b, why := refusalBanner(ctx, kind, titleID, text)
	return &stopRefusal{status: status, metric: metric, banner: b, why: why}
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
func (s *Server) stopForbidden(ctx context.Context, who Identity, ts []*targets.Target) *stopRefusal {
	if len(ts) == 0 && !who.IsOperator() {
		return notOperator(ctx, who, "")
	}
	for _, t := range ts {
		if !who.operatorOf(t) {
			return notOperator(ctx, who, t.Label())
		}
	}
	if s.cfg.ReadOnly {
		return refuse(ctx, http.StatusForbidden, metrics.StopDenied, "error", "stops.read_only.title", i18n.T(ctx, "stops.read_only.text"))
	}
	return nil
}

// notOperator refuses a person who may not stop tasks (of target, if named).
func notOperator(ctx context.Context, who Identity, target string) *stopRefusal {
	text := i18n.T(ctx, "stops.not_allowed.role_text", "Role", roleWord(ctx, who.Role))
	if target != "" && who.IsOperator() {
		text = i18n.T(ctx, "stops.not_allowed.target_text", "Target", target)
	}
	return refuse(ctx, http.StatusForbidden, metrics.StopDenied, "error", "stops.not_allowed.title", text)
}

// roleWord is a role in ctx's language, as the layout names it; a role
// the dashboard does not name is shown as it is.
func roleWord(ctx context.Context, role auth.Role) string {
	switch role {
	case auth.RoleOperator:
		return i18n.T(ctx, "role.operator")
	case auth.RoleViewer:
		return i18n.T(ctx, "role.viewer")
	}
	return string(role)
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
