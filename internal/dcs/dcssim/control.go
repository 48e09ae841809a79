package dcssim

import (
	"io"
	"net/http"
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
func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request) {
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
