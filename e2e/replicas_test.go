//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestReplicasShareOnePostgreSQL: two dashboards share one PostgreSQL
// behind the sign-in proxy. Two people confirm the same slow stop at once,
// olga on A and ivan on B: one upstream call is made, ivan is told that
// olga's stop is under way, and replica B's audit trail shows both
// attempts, A's accepted stop among them.
func TestReplicasShareOnePostgreSQL(t *testing.T) {
	dsn := pgtest.Shared(t)
	proxied := []string{"-auth", "proxy", "-trusted-proxies", "127.0.0.1/32",
		"-viewer-groups", operatorGroup, "-operator-groups", operatorGroup,
		"-session-keys", sessionKey, "-insecure-cookies"}
	a := newEnv(t, envOptions{db: dsn, extraArgs: proxied})
	b := newEnv(t, envOptions{db: dsn, replicaOf: a, extraArgs: proxied})
	task := findTask(t, a.sim, withStatus("FULLMIGRATING"))
	a.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{task.TaskID: {
		Ops: []dcssim.Op{dcssim.OpStop}, Delay: 2 * time.Second}}})

	person := func(name string) playwright.Page {
		return newPageWith(t, playwright.BrowserNewContextOptions{ExtraHttpHeaders: map[string]string{
			"X-Forwarded-User": "u-" + name, "X-Forwarded-Preferred-Username": name,
			"X-Forwarded-Groups": operatorGroup}})
	}
	pageA, pageB := person("olga"), person("ivan")
	for _, p := range []struct {
		page playwright.Page
		base string
	}{{pageA, a.baseURL}, {pageB, b.baseURL}} {
		goTo(t, p.page, at(p.base, routes.TaskURL(targets.DefaultName, task.TaskID)))
		openStopDialog(t, p.page, task)
	}
	must(t, button(pageA, "Stop task").Click())
	time.Sleep(300 * time.Millisecond) // A's stop now waits on the slow API
	must(t, button(pageB, "Stop task").Click())
	must(t, expect.Locator(pageB.GetByTestId("banner-info")).ToContainText("already being stopped by u-olga"))
	must(t, expect.Locator(pageA.GetByTestId("banner-success")).ToBeVisible())
	if n := a.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops for two replicas, want 1", n)
	}

	goTo(t, pageB, at(b.baseURL, routes.AuditURL("", "", task.TaskID)))
	rows := pageB.GetByTestId("audit-row")
	must(t, expect.Locator(rows).ToHaveCount(2))
	must(t, expect.Locator(rows.GetByTestId("audit-outcome").Filter(playwright.LocatorFilterOptions{
		HasText: audit.OutcomeAccepted})).ToHaveCount(1))
	must(t, expect.Locator(rows.GetByTestId("audit-joined")).ToContainText("u-olga"))
}

// TestSQLiteKeepsItsHistory: with the default SQLite database, a stop's
// record is still on /audit after the dashboard stops and starts again.
func TestSQLiteKeepsItsHistory(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/dashboard.db"
	first := newEnv(t, envOptions{db: db})
	task := findTask(t, first.sim, withStatus("MIGRATING"))
	page := newPage(t, true)
	goTo(t, page, at(first.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	dialog := openStopDialog(t, page, task)
	must(t, dialog.GetByLabel("Reason").Fill("before the restart"))
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(page.GetByTestId("banner-success")).ToBeVisible())
	// Leave the page first: its polls would fail against a stopped server.
	_, err := page.Goto("about:blank")
	must(t, err)
	first.stop()

	again := newEnv(t, envOptions{db: db, replicaOf: first})
	goTo(t, page, at(again.baseURL, routes.Audit))
	row := page.GetByTestId("audit-row").First()
	must(t, expect.Locator(row.GetByTestId("audit-reason")).ToHaveText("before the restart"))
	must(t, expect.Locator(row.GetByTestId("audit-outcome")).ToContainText(audit.OutcomeAccepted))
}
