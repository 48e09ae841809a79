//go:build e2e

package e2e

import (
	"testing"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestDatabaseOutageInASession: the PostgreSQL database goes away while a
// person works: pages still load, a stop is refused in its dialog with a
// banner saying why (nothing sent); once the database is back the same
// stop goes through, without restarting the dashboard.
func TestDatabaseOutageInASession(t *testing.T) {
	pg := pgtest.StartServer(t)
	e := newEnv(t, envOptions{db: pg.DSN()})
	task := findTask(t, e.sim, withStatus("FULLMIGRATING"))
	page := newPageAllowing(t, true, "503")
	taskURL := at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID))
	goTo(t, page, taskURL)

	pg.Pause()
	goTo(t, page, taskURL) // a page that only reads still loads
	dialog := openStopDialog(t, page, task)
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(dialog.Locator(".banner-error")).ToContainText("database"))
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Fatalf("%d stops sent while the database was away", n)
	}

	pg.Resume()
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATING"))
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d stops after the database came back, want 1", n)
	}
}
