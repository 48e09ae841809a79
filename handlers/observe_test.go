package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

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

// TestErrorBannerCarriesRequestID proves an error banner shows the
// dashboard's request id, the same as the response header and the log line.
func TestErrorBannerCarriesRequestID(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get(routes.TaskURL("bad$id"))
	wantStatus(t, r, http.StatusNotFound)
	id := r.header.Get("X-Request-Id")
	if id == "" || r.text("dashboard-request-id") != id {
		t.Fatalf("banner id %q, header %q", r.text("dashboard-request-id"), id)
	}
	if !strings.Contains(e.logs.String(), "request_id="+id) {
		t.Errorf("no log line with request_id=%s", id)
	}
}

// TestStopRateLimit proves one person's stops are limited per minute, with
// a banner and no upstream call once the budget is spent.
func TestStopRateLimit(t *testing.T) {
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) { c.StopsPerMinute = 2 }})
	ids := e.sim.IDsWithStatus(string(dcs.StatusIncrMigrating))
	if len(ids) < 3 {
		t.Fatalf("seed has %d incremental migrations, want 3", len(ids))
	}
	tok := e.token(ids[0])
	for _, id := range ids[:2] {
		wantStatus(t, e.post(routes.TaskStopURL(id), stopForm(tok, "", "/"), htmx...), http.StatusOK)
	}
	r := e.post(routes.TaskStopURL(ids[2]), stopForm(tok, "", "/"), htmx...)
	wantStatus(t, r, http.StatusTooManyRequests)
	if !strings.Contains(r.find("banner-warning").Text(), "at most 2 stops a minute") {
		t.Errorf("no rate-limit banner:\n%s", clipBody(r.body))
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 2 {
		t.Errorf("%d upstream stops, want 2", n)
	}
	e.clock.Advance(31 * time.Second) // one stop's worth of budget back
	wantStatus(t, e.post(routes.TaskStopURL(ids[2]), stopForm(tok, "", "/"), htmx...), http.StatusOK)
}

// TestHSTS proves Strict-Transport-Security is sent only when configured.
func TestHSTS(t *testing.T) {
	plain := newEnv(t, options{})
	if h := plain.get("/").header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS without the flag: %q", h)
	}
	tls := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) { c.HSTS = true }})
	if h := tls.get("/").header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("HSTS = %q", h)
	}
}
