package dcssim

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds a request body; the largest legitimate one is a batch stop of 50 ids.
const maxBody = 64 << 10

// route is a matched API path.
type route struct {
	op      Op
	project string
	taskID  string // "" for List and BatchStop
}

// matchRoute maps a method and path to an operation, exactly as dcs_meta.go
// declares them. A trailing slash or an unknown path does not match.
func matchRoute(method, path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return route{}, false
	}
	seg := strings.Split(rest, "/")
	if seg[0] == "" {
		return route{}, false
	}
	rt := route{project: seg[0]}
	switch {
	case len(seg) == 2 && seg[1] == "migration-tasks" && method == http.MethodGet:
		rt.op = OpList
	case len(seg) == 3 && seg[1] == "migration-task" && seg[2] == "batch-stop" && method == http.MethodPost:
		rt.op = OpBatchStop
	case len(seg) == 3 && seg[1] == "migration-task" && seg[2] != "" && method == http.MethodGet:
		rt.op, rt.taskID = OpShow, seg[2]
	case len(seg) == 4 && seg[1] == "migration-task" && seg[2] != "":
		rt.taskID = seg[2]
		switch {
		case seg[3] == "stats" && method == http.MethodGet:
			rt.op = OpStats
		case seg[3] == "logs" && method == http.MethodGet:
			rt.op = OpLogs
		case seg[3] == "stop" && method == http.MethodPost:
			rt.op = OpStop
		default:
			return route{}, false
		}
	default:
		return route{}, false
	}
	return rt, true
}

// ServeHTTP answers one API call: route, authenticate, count, check the
// project, inject faults, then run the operation under the store's lock.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", newRequestID())
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveControl(w, r)
		return
	}
	rt, ok := matchRoute(r.Method, r.URL.Path)
	if !ok {
		// What the API gateway answers for a path it does not publish.
		writeJSON(w, http.StatusNotFound, errorBody{ErrorCode: "APIGW.0101",
			ErrorMsg: "The API does not exist or has not been published in the environment"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, &apiError{http.StatusBadRequest, "DCS.4000", "Request body unreadable or too large."})
		return
	}
	if e := s.verify(r, body, s.cfg.Now()); e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	s.calls[rt.op]++
	p := s.project(rt.project)
	if p != nil {
		p.calls[rt.op]++
	}
	faults := s.faults.clone()
	s.mu.Unlock()

	if p == nil {
		writeError(w, &apiError{http.StatusNotFound, "DCS.4001", "The project does not exist or is not accessible."})
		return
	}
	if e := checkProjectHeader(r, rt.project); e != nil {
		writeError(w, e)
		return
	}
	if !sleepCtx(r.Context(), faults.Latency) {
		return
	}
	if pf, ok := faults.Projects[rt.project]; ok && pf.appliesTo(rt.op) && !s.preFault(w, r, pf.asTask(), true) {
		return
	}
	if faults.ErrorRate > 0 && rand.Float64() < faults.ErrorRate {
		writeError(w, &apiError{http.StatusInternalServerError, "DCS.5000", "Internal service error."})
		return
	}

	// A fault on a task named by the path or the batch body applies before
	// the operation runs; List learns which tasks it names only afterwards.
	// A batch stop reports a task's status fault in that task's result.
	tf, hasTF := taskFaultFor(faults, rt.op, namedIDs(rt, body))
	if hasTF && !s.preFault(w, r, tf, rt.op != OpBatchStop) {
		return
	}
	status, resp, listed := s.handle(p, rt, r, body, faults)
	if !hasTF && rt.op == OpList {
		if tf, hasTF = taskFaultFor(faults, rt.op, listed); hasTF && !s.preFault(w, r, tf, true) {
			return
		}
	}
	if e, isErr := resp.(*apiError); isErr {
		writeError(w, e)
		return
	}
	if hasTF && tf.Malformed && status == http.StatusOK {
		full, _ := json.Marshal(resp)
		// Cutting a JSON object anywhere before its last byte leaves it invalid.
		writeRaw(w, status, "application/json", full[:len(full)/2])
		return
	}
	writeJSON(w, status, resp)
}

// preFault applies a fault's delay, then its error answer: an HTML page, or
// a status if answerStatus (a batch stop reports a task's status in that
// task's result instead). It reports whether the call should go on.
func (s *Simulator) preFault(w http.ResponseWriter, r *http.Request, tf TaskFault, answerStatus bool) bool {
	if !sleepCtx(r.Context(), tf.Delay) {
		return false
	}
	switch {
	case tf.HTML:
		writeHTML(w, tf.Status)
		return false
	case tf.Status != 0 && answerStatus:
		writeError(w, faultError(tf))
		return false
	}
	return true
}

func faultError(tf TaskFault) *apiError {
	e := &apiError{status: tf.Status, code: tf.Code, msg: tf.Message}
	if e.code == "" {
		e.code = "DCS.4000"
		if tf.Status >= 500 {
			e.code = "DCS.5000"
		}
	}
	if e.msg == "" {
		e.msg = http.StatusText(tf.Status) + " (injected fault)."
	}
	return e
}

func writeHTML(w http.ResponseWriter, status int) {
	if status == 0 {
		status = http.StatusBadGateway
	}
	text := html.EscapeString(fmt.Sprintf("%d %s", status, http.StatusText(status)))
	page := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	writeRaw(w, status, "text/html", []byte(page))
}

// namedIDs are the task ids a call names: the path's, or a batch body's.
func namedIDs(rt route, body []byte) []string {
	if rt.taskID != "" {
		return []string{rt.taskID}
	}
	if rt.op == OpBatchStop {
		var req batchStopRequest
		if json.Unmarshal(body, &req) == nil {
			return req.MigrationTasks
		}
	}
	return nil
}

// taskFaultFor merges the faults of the tasks a call names that apply to op:
// the longest delay, and the first error answer (HTML before status).
func taskFaultFor(f Faults, op Op, ids []string) (TaskFault, bool) {
	var out TaskFault
	found := false
	for _, id := range ids {
		tf, ok := f.Tasks[id]
		if !ok || !tf.appliesTo(op) {
			continue
		}
		found = true
		out.Delay = max(out.Delay, tf.Delay)
		out.Malformed = out.Malformed || tf.Malformed
		if tf.HTML && !out.HTML {
			out.HTML, out.Status = true, tf.Status
		}
		if !out.HTML && out.Status == 0 && tf.Status != 0 {
			out.Status, out.Code, out.Message = tf.Status, tf.Code, tf.Message
		}
	}
	return out, found
}

// sleepCtx waits d, or until the client gives up; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
