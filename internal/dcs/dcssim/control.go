package dcssim

import (
	"io"
	"net/http"
	"strings"
)

// serveControl is the test control surface under /_sim/. It takes no
// signature, so it must only ever be reachable from loopback: the command
// refuses other listen addresses unless told otherwise.
//
//	GET  /_sim/faults              the fault spec, as text
//	PUT  /_sim/faults              replace the faults; body: a fault spec
//	GET  /_sim/calls               call counts per operation, as JSON
//	GET  /_sim/calls?project=ID    the same for the calls on project ID's path
//	GET  /_sim/projects            the project ids served, default first, as JSON
//	POST /_sim/reset-calls         zero the call counts
//	POST /_sim/tasks/{id}/status   move task id, in whichever project, to the
//	                               status on the body's first line (FAILED, or
//	                               any other, known or not), as SetStatus does;
//	                               the error_message is what follows that line
//	                               or ?error=, and is cleared when neither gives
//	                               one. 204; 404 for an unknown task; 400 for
//	                               an empty status or a message given twice.
//
// For example, to make a task fail with a message:
//
//	curl --data-binary $'FAILED\nSource Redis connection failed.' http://127.0.0.1:8090/_sim/tasks/ID/status
func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request) {
	if id, ok := taskStatusPath(r.URL.Path); ok {
		s.serveSetStatus(w, r, id)
		return
	}
	switch {
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodGet:
		writeRaw(w, http.StatusOK, "text/plain; charset=utf-8", []byte(s.Faults().String()+"\n"))
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			writeRaw(w, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("cannot read body\n"))
			return
		}
		f, err := ParseFaults(string(body))
		if err != nil {
			writeRaw(w, http.StatusBadRequest, "text/plain; charset=utf-8", []byte(err.Error()+"\n"))
			return
		}
		s.SetFaults(f)
		writeRaw(w, http.StatusOK, "text/plain; charset=utf-8", []byte(f.String()+"\n"))
	case r.URL.Path == "/_sim/calls" && r.Method == http.MethodGet && r.URL.Query().Has("project"):
		counts, ok := s.callCountsIn(r.URL.Query().Get("project"))
		if !ok {
			writeRaw(w, http.StatusNotFound, "text/plain; charset=utf-8", []byte("project not served\n"))
			return
		}
		writeJSON(w, http.StatusOK, counts)
	case r.URL.Path == "/_sim/calls" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.CallCounts())
	case r.URL.Path == "/_sim/projects" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Projects())
	case r.URL.Path == "/_sim/reset-calls" && r.Method == http.MethodPost:
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeRaw(w, http.StatusNotFound, "text/plain; charset=utf-8", []byte("unknown control endpoint\n"))
	}
}

// taskStatusPath is the task id in /_sim/tasks/{id}/status.
func taskStatusPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/_sim/tasks/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/status")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// serveSetStatus answers POST /_sim/tasks/{id}/status: the body's first
// line is the new status, the rest (or ?error=) the task's error message.
func (s *Simulator) serveSetStatus(w http.ResponseWriter, r *http.Request, id string) {
	const plain = "text/plain; charset=utf-8"
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeRaw(w, http.StatusMethodNotAllowed, plain, []byte("POST the new status\n"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeRaw(w, http.StatusBadRequest, plain, []byte("cannot read body\n"))
		return
	}
	status, message, _ := strings.Cut(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	status, message = strings.TrimSpace(status), strings.TrimSpace(message)
	if status == "" {
		writeRaw(w, http.StatusBadRequest, plain, []byte("empty status: POST the new status (such as FAILED) as the body's first line\n"))
		return
	}
	if q := r.URL.Query(); q.Has("error") {
		if message != "" {
			writeRaw(w, http.StatusBadRequest, plain, []byte("the error message is given twice: in the body and in ?error=\n"))
			return
		}
		message = strings.TrimSpace(q.Get("error"))
	}
	if !s.setStatus(id, status, &message) {
		writeRaw(w, http.StatusNotFound, plain, []byte("no task "+id+"\n"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
