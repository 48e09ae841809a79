package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestDatabaseOutage takes a real PostgreSQL away in the middle of a
// session: pages that only read still render, /readyz says the database is
// down, a stop is refused with a banner (nothing recorded, nothing sent);
// when the database is back, stops work again without a restart.
func TestDatabaseOutage(t *testing.T) {
	pg := pgtest.StartServer(t)
	db, err := store.Open(context.Background(), pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) {
		c.Audit, c.Database = store.NewAudit(db, c.Now, c.Log), db
		c.Leases, c.Budgets = store.NewLeases(db, c.Now), store.NewBudgets(db, c.Now)
		c.StopsPerMinute = 10
	}})
	first, second := e.idWith(dcs.StatusFullMigrating), e.idWith(dcs.StatusIncrMigrating)
	tok := e.token(first)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, first), stopForm(tok, "", "/"), htmx...), http.StatusOK)

	pg.Pause()
	wantStatus(t, e.get(routes.List), http.StatusOK)
	wantStatus(t, e.get(routes.TaskURL(targets.DefaultName, second)), http.StatusOK)
	e.clock.Advance(readyTTL)
	if r := e.get(routes.Ready); !strings.Contains(r.body, "the database: not ready") {
		t.Errorf("/readyz during the outage: %q", r.body)
	}
	r := e.post(routes.TaskStopURL(targets.DefaultName, second), stopForm(tok, "", "/"), htmx...)
	wantRefusedDialog(t, r, http.StatusServiceUnavailable, "database", true)
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Fatalf("%d upstream stops: one was sent while the database was away", n)
	}

	pg.Resume()
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, second), stopForm(tok, "", "/"), htmx...), http.StatusOK)
	if n := e.sim.Calls(dcssim.OpStop); n != 2 {
		t.Errorf("%d upstream stops after the database came back, want 2", n)
	}
}
