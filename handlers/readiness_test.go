package handlers_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
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

// pinger is a database whose Ping answers err.
type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

// TestReadyzReportsTheDatabase: /readyz names the database beside the
// targets; a database down leaves the pages readable (200) and says stops
// are refused.
func TestReadyzReportsTheDatabase(t *testing.T) {
	for name, c := range map[string]struct {
		err  error
		want string
	}{
		"up":   {nil, "the database: ready"},
		"down": {errors.New("dial tcp 127.0.0.1:5432: connection refused"), "the database: not ready (stops are refused): dial tcp"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{edit: func(_ *testing.T, _ string, cfg *handlers.Config) { cfg.Database = pinger{c.err} }})
			r := e.get(routes.Ready)
			if r.status != http.StatusOK || !strings.Contains(r.body, c.want) {
				t.Errorf("/readyz: %d %q, want 200 saying %q", r.status, r.body, c.want)
			}
		})
	}
}
