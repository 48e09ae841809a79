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
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestStopRateLimit proves one person's stops are limited per minute, with
// a banner and no upstream call at all once the budget is spent: not the
// stop, and not a read of the task either (a refusal costs the API nothing).
func TestStopRateLimit(t *testing.T) {
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) { c.StopsPerMinute = 2 }})
	ids := e.sim.IDsWithStatus(string(dcs.StatusIncrMigrating))
	if len(ids) < 3 {
		t.Fatalf("seed has %d incremental migrations, want 3", len(ids))
	}
	tok := e.token(ids[0])
	for _, id := range ids[:2] {
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...), http.StatusOK)
	}
	reads := e.sim.Calls(dcssim.OpShow)
	r := e.post(routes.TaskStopURL(targets.DefaultName, ids[2]), stopForm(tok, "", "/"), htmx...)
	wantStatus(t, r, http.StatusTooManyRequests)
	if n := e.sim.Calls(dcssim.OpShow) - reads; n != 0 {
		t.Errorf("the refused stop read the task %d times", n)
	}
	if !strings.Contains(r.find("banner-warning").Text(), "at most 2 stops a minute") {
		t.Errorf("no rate-limit banner:\n%s", clipBody(r.body))
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 2 {
		t.Errorf("%d upstream stops, want 2", n)
	}
	e.clock.Advance(31 * time.Second) // one stop's worth of budget back
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, ids[2]), stopForm(tok, "", "/"), htmx...), http.StatusOK)
}
