package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

// maxBatch bounds one batch: a list page holds at most 100 tasks.
const maxBatch = 100

// batchIDs reads the selected task ids (form or query field "task"), checked
// before any upstream call and with duplicates dropped.
func batchIDs(c echo.Context) ([]string, error) {
	var raw []string
	if c.Request().Method == http.MethodGet {
		raw = c.QueryParams()["task"]
	} else if form, err := c.FormParams(); err == nil {
		raw = form["task"]
	}
	var ids []string
	for _, id := range raw {
		if !dcs.ValidTaskID(id) {
			return nil, badRequest("Invalid task id", "A selected task id is not valid: ids are letters, digits and hyphens.")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, badRequest("No task selected", "Tick the tasks to stop in the list, then choose Stop selected.")
	case len(ids) > maxBatch:
		return nil, badRequest("Too many tasks selected", "Stop at most "+strconv.Itoa(maxBatch)+" tasks at once.")
	}
	return ids, nil
}

// ConfirmBatchStop lists the chosen tasks and asks for a reason: a dialog
// for htmx, a page without JavaScript. A GET never stops anything.
func (s *Server) ConfirmBatchStop(c echo.Context) error {
	if !s.canStop(c) {
		return s.notAllowedToStop(c)
	}
	ids, err := batchIDs(c)
	if err != nil {
		return err
	}
	p := views.BatchStop{Tasks: s.readTasks(c.Request().Context(), ids), CSRF: csrfTokenOf(c),
		ReturnTo: safeListReturn(c.QueryParam("return_to"))}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.BatchStopDialog(p))
	}
	return render(c, http.StatusOK, views.BatchStopPage(s.chrome(c, "Stop selected tasks"), p))
}

// readTasks reads the tasks a confirmation or a result names; a task that
// cannot be read is listed by its id.
func (s *Server) readTasks(ctx context.Context, ids []string) []dcs.Task {
	out := make([]dcs.Task, len(ids))
	for i, id := range ids {
		out[i] = dcs.Task{ID: id}
	}
	showEach(ctx, s.cfg.Tasks, ids, func(i int, t dcs.Task) { out[i] = t })
	return out
}

// BatchStop stops the chosen tasks: every attempt is audited before the call
// (one intent per task; if any cannot be written nothing is sent), the API
// is called in chunks of at most dcs.MaxBatchStop, and each task gets its
// own outcome. A batch counts as one action for the per-person rate limit.
func (s *Server) BatchStop(c echo.Context) error {
	if !s.canStop(c) {
		s.countStop("denied")
		return s.notAllowedToStop(c)
	}
	ids, err := batchIDs(c)
	if err != nil {
		return err
	}
	who := identityOf(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	returnTo := safeListReturn(c.FormValue("return_to"))
	if n := utf8.RuneCountInString(reason); n > maxReasonLength {
		return badRequest("Reason too long", "The reason has "+strconv.Itoa(n)+" characters; at most "+
			strconv.Itoa(maxReasonLength)+" are kept. Nothing was sent to the DCS API.")
	}
	if ok, wait := s.limiter.allow(who.User, s.cfg.Now()); !ok {
		s.countStop("rate_limited")
		return &pageError{Status: http.StatusTooManyRequests, Title: "Too many stops in a short time.",
			Text: "Nothing was sent to the DCS API; try again in " + strconv.Itoa(int(wait.Seconds())+1) + " seconds."}
	}

	intents := make([]audit.Record, len(ids))
	for i, id := range ids {
		if intents[i], err = s.cfg.Audit.Intent(audit.Record{Action: audit.ActionBatchStop, User: who.User, Email: who.Email,
			Groups: who.Groups, RemoteAddr: c.RealIP(), TaskID: id, Reason: reason}); err != nil {
			s.log.Error("batch stop refused: audit log not writable", "user", who.User, "err", err.Error())
			s.countStop("audit_failed")
			return &pageError{Status: http.StatusServiceUnavailable, Title: "Stop not sent: the audit log cannot be written.",
				Text: "Every stop is recorded before it is sent, and the record could not be written, so nothing was sent to the DCS API. " +
					"Ask the dashboard's administrators to check its audit log."}
		}
	}

	results := s.batchStop(detached(c.Request().Context()), ids)
	tasks := s.readTasks(detached(c.Request().Context()), ids) // names and fresh statuses for the answer
	for i, r := range results {
		intents[i].TaskName = tasks[i].Name
		r.Task = tasks[i]
		results[i] = r
		s.countStop(r.Outcome)
		if err := s.cfg.Audit.Outcome(intents[i], audit.Record{Outcome: r.Outcome, HTTPStatus: r.HTTPStatus,
			ErrorCode: r.Code, RequestID: r.RequestID, DurationMS: r.Took.Milliseconds()}); err != nil {
			s.log.Error("audit outcome not written", "task_id", r.Task.ID, "err", err.Error())
		}
	}
	s.log.Info("batch stop", "user", who.User, "tasks", len(ids), "accepted", countOutcome(results, audit.OutcomeAccepted))

	summary := views.BatchSummary(results)
	summary.DashboardRequestID = requestIDOf(c)
	if !isHTMX(c) {
		if err := s.cfg.Sessions.AddFlash(c, summary); err != nil {
			s.log.Warn("could not keep the batch result for the next page", "err", err.Error())
		}
		return redirectAfterPost(c, returnTo)
	}
	// The answer goes to the page's alert region; the rows refresh themselves.
	c.Response().Header().Set("HX-Retarget", "#client-alerts")
	c.Response().Header().Set("HX-Reswap", "innerHTML")
	c.Response().Header().Set("HX-Trigger", "tasks-changed")
	return render(c, http.StatusOK, views.BatchResultView(results))
}

// batchStop sends the stops in chunks the API accepts. A chunk that fails as
// a whole gives each of its tasks that failure's outcome; stops are never
// retried.
func (s *Server) batchStop(ctx context.Context, ids []string) []views.BatchResult {
	var out []views.BatchResult
	for chunk := range slices.Chunk(ids, dcs.MaxBatchStop) {
		start := s.cfg.Now()
		res, err := s.cfg.Tasks.BatchStop(ctx, chunk)
		took := s.cfg.Now().Sub(start)
		byID := map[string]dcs.StopResult{}
		for _, r := range res {
			byID[r.TaskID] = r
		}
		for _, id := range chunk {
			r := views.BatchResult{Task: dcs.Task{ID: id}, Took: took}
			switch stop, ok := byID[id]; {
			case err != nil:
				r.Outcome = outcomeOf(err)
				if apiErr, ok := dcs.AsAPIError(err); ok {
					r.HTTPStatus, r.Code, r.Message, r.RequestID = apiErr.HTTPStatus, apiErr.Code, apiErr.Message, apiErr.RequestID
				} else {
					r.Message = err.Error()
				}
			case ok && stop.Accepted:
				r.Outcome = audit.OutcomeAccepted
			case ok:
				r.Outcome, r.Code, r.Message = audit.OutcomeRefused, stop.Code, stop.Message
			default:
				r.Outcome, r.Message = audit.OutcomeUnknown, "The DCS API gave no result for this task."
			}
			out = append(out, r)
		}
	}
	return out
}

func countOutcome(rs []views.BatchResult, outcome string) int {
	n := 0
	for _, r := range rs {
		if r.Outcome == outcome {
			n++
		}
	}
	return n
}

// safeListReturn accepts only the list page (any query) as the place a
// batch returns to.
func safeListReturn(raw string) string {
	return localReturn(raw, "/", "/")
}
