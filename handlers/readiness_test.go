package handlers_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// TestReadyzSurvivesHangUps reproduces an attack on readiness: clients that
// send GET /readyz and hang up at once, over and over, while the DCS API is
// slow. The check must run on its own deadline and cache only the API's
// answer, so a healthy dashboard stays ready, and the hang-ups share one
// upstream call rather than making one each.
func TestReadyzSurvivesHangUps(t *testing.T) {
	e := newEnv(t, options{})
	e.sim.SetFaults(dcssim.Faults{Latency: 200 * time.Millisecond})
	before := e.sim.Calls(dcssim.OpList)
	addr := strings.TrimPrefix(e.url, "http://")
	for range 20 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte("GET /readyz HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // the request is read, the check starts
		conn.Close()
	}
	r := e.get("/readyz") // waits for the one check in flight, or reads its answer
	wantStatus(t, r, http.StatusOK)
	if n := e.sim.Calls(dcssim.OpList) - before; n != 1 {
		t.Errorf("20 hung-up probes and one real one made %d upstream calls, want 1", n)
	}
	for range 3 {
		wantStatus(t, e.get("/readyz"), http.StatusOK)
	}
}

// TestReadyz proves /readyz reports whether the DCS API answers, and reuses
// its answer so probes do not load the API.
func TestReadyz(t *testing.T) {
	e := newEnv(t, options{})
	before := e.sim.Calls(dcssim.OpList)
	for range 5 {
		wantStatus(t, e.get("/readyz"), http.StatusOK)
	}
	if n := e.sim.Calls(dcssim.OpList) - before; n != 1 {
		t.Errorf("5 probes made %d upstream calls, want 1", n)
	}

	e.sim.SetFaults(dcssim.Faults{ErrorRate: 1})
	wantStatus(t, e.get("/readyz"), http.StatusOK) // still within the cached answer
	e.clock.Advance(31 * time.Second)
	r := e.get("/readyz")
	wantStatus(t, r, http.StatusServiceUnavailable)
	if !strings.Contains(r.body, "DCS.5000") {
		t.Errorf("the unready answer does not say why: %q", r.body)
	}
	wantStatus(t, e.get("/healthz"), http.StatusOK) // alive all the same
}
