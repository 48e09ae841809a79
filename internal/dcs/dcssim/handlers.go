package dcssim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// Paging limits, from the DCS API reference: offset counts items (offset 3
// starts at the fourth), limit is 1-1000 and defaults to 10. Logs page the same way.
const (
	defaultLimit  = 10
	maxLimit      = 1000
	maxBatchStops = 50
)

// uuidPattern is what a DCS task id looks like; anything else is malformed
// (DCS.4070) unless a test stored a task under it.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func errBadParam(what string) *apiError {
	return &apiError{http.StatusBadRequest, "DCS.4000", "Invalid request parameter: " + what + "."}
}

func errBadID() *apiError {
	return &apiError{http.StatusBadRequest, "DCS.4070", "Invalid task ID."}
}

func errNoTask() *apiError {
	return &apiError{http.StatusNotFound, "DCS.4133", "The instance job does not exist."}
}

func errNotAllowed() *apiError {
	return &apiError{http.StatusBadRequest, "DCS.4957", "This operation is not allowed in the migration task's current state."}
}

// handle runs one authenticated call on project p under the lock: a call
// sees and changes p's tasks only. It returns the HTTP status and either a
// body or an *apiError, plus the ids a List put on its page.
func (s *Simulator) handle(p *project, rt route, r *http.Request, body []byte, faults Faults) (int, any, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	p.store.advance(now)
	q := r.URL.Query()
	switch rt.op {
	case OpList:
		return p.list(q)
	case OpBatchStop:
		return s.batchStop(p, body, now, faults)
	}
	rec, e := p.lookup(rt.taskID)
	if e != nil {
		return e.status, e, nil
	}
	switch rt.op {
	case OpShow:
		return http.StatusOK, rec.task.clone(), nil
	case OpStats:
		if rec.task.MigrationType != dcs.TypeOnlineMigration {
			e := &apiError{http.StatusBadRequest, "DCS.4961", "Statistics are only available for online migration tasks."}
			return e.status, e, nil
		}
		return http.StatusOK, rec.stats(now), nil
	case OpLogs:
		return rec.logPage(q)
	case OpStop:
		if !stoppable(rec.task.Status) {
			e := errNotAllowed()
			return e.status, e, nil
		}
		rec.stop(now, s.cfg.StopDelay)
		return http.StatusOK, rec.task.clone(), nil
	}
	e = &apiError{http.StatusInternalServerError, "DCS.5000", "Internal service error."}
	return e.status, e, nil
}

// lookup finds a task of p. Another project's task is unknown here
// (DCS.4133), as it is to the real API.
func (p *project) lookup(id string) (*record, *apiError) {
	if rec, ok := p.store.byID[id]; ok {
		return rec, nil
	}
	if !uuidPattern.MatchString(id) {
		return nil, errBadID()
	}
	return nil, errNoTask()
}

// paging reads offset and limit; an empty value counts as absent.
func paging(q url.Values) (offset, limit int, e *apiError) {
	offset, limit = 0, defaultLimit
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, errBadParam("offset must be an integer >= 0")
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return 0, 0, errBadParam("limit must be an integer from 1 to 1000")
		}
		limit = n
	}
	return offset, limit, nil
}

type listResponse struct {
	Count          int        `json:"count"`
	MigrationTasks []listItem `json:"migration_tasks"`
}

func (p *project) list(q url.Values) (int, any, []string) {
	offset, limit, e := paging(q)
	if e != nil {
		return e.status, e, nil
	}
	name := strings.ToLower(q.Get("name"))
	var match []*record
	for _, rec := range p.store.order {
		if name == "" || strings.Contains(strings.ToLower(rec.task.TaskName), name) {
			match = append(match, rec)
		}
	}
	resp := listResponse{Count: len(match), MigrationTasks: []listItem{}}
	var ids []string
	for i := offset; i < len(match) && i < offset+limit; i++ {
		resp.MigrationTasks = append(resp.MigrationTasks, match[i].task.listItem())
		ids = append(ids, match[i].task.TaskID)
	}
	return http.StatusOK, resp, ids
}

type batchStopRequest struct {
	MigrationTasks []string `json:"migration_tasks"`
}

type stopResult struct {
	Result    string `json:"result"`
	TaskID    string `json:"task_id"`
	ErrorCode string `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
}

type batchStopResponse struct {
	MigrationTasks []stopResult `json:"migration_tasks"`
}

func (s *Simulator) batchStop(p *project, body []byte, now time.Time, faults Faults) (int, any, []string) {
	var req batchStopRequest
	if err := json.Unmarshal(body, &req); err != nil {
		e := errBadParam("body must be {\"migration_tasks\": [task ids]}")
		return e.status, e, nil
	}
	if len(req.MigrationTasks) == 0 || len(req.MigrationTasks) > maxBatchStops {
		e := errBadParam("migration_tasks must hold 1 to 50 task ids")
		return e.status, e, nil
	}
	resp := batchStopResponse{MigrationTasks: []stopResult{}}
	for _, id := range req.MigrationTasks {
		res := stopResult{Result: "success", TaskID: id}
		rec, e := p.lookup(id)
		if tf, ok := faults.Tasks[id]; ok && tf.appliesTo(OpBatchStop) && tf.Status != 0 && !tf.HTML {
			e = faultError(tf)
		} else if e == nil && !stoppable(rec.task.Status) {
			e = errNotAllowed()
		}
		if e != nil {
			res.Result, res.ErrorCode, res.ErrorMsg = "failed", e.code, e.msg
		} else {
			rec.stop(now, s.cfg.StopDelay)
		}
		if tf, ok := faults.Tasks[id]; ok && tf.appliesTo(OpBatchStop) && tf.Omit {
			continue // acted on, but not answered for
		}
		resp.MigrationTasks = append(resp.MigrationTasks, res)
	}
	return http.StatusOK, resp, nil
}
