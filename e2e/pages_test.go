//go:build e2e

package e2e

import (
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestEveryPageRunsClean visits every kind of page, with the stop dialog
// open and a stop done, and requires zero console errors and zero
// Content-Security-Policy violations (recorded by the browser itself).
func TestEveryPageRunsClean(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	// Collected by the browser, outside the page's CSP, before any page script.
	must(t, page.AddInitScript(playwright.Script{Content: playwright.String(`
		window.__csp = [];
		document.addEventListener("securitypolicyviolation", (ev) => window.__csp.push(ev.violatedDirective + " " + ev.blockedURI));
	`)}))

	obs := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.BackupFiles != nil && task.BackupFiles.FileSource == dcs.FileSourceOBS
	})
	record := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.BackupFiles != nil && task.BackupFiles.FileSource == dcs.FileSourceBackupRecord
	})
	online := findTask(t, e.sim, withStatus("INCRMIGRATING"))
	done := findTask(t, e.sim, withStatus("SUCCESS"))
	paths := []string{routes.List, listquery.Query{Page: 2}.URL(), listquery.Query{Name: online.TaskName}.URL(),
		routes.TaskURL(targets.DefaultName, obs.TaskID), routes.TaskURL(targets.DefaultName, record.TaskID), routes.TaskURL(targets.DefaultName, online.TaskID), routes.TaskURL(targets.DefaultName, done.TaskID),
		routes.TaskStopURL(targets.DefaultName, online.TaskID), routes.TaskStopURL(targets.DefaultName, done.TaskID), routes.Audit}
	for _, p := range paths {
		goTo(t, page, at(e.baseURL, p))
		cspClean(t, page, p)
	}

	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, online.TaskID)))
	openStopDialog(t, page, online)
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATING"))
	cspClean(t, page, "after a stop")
	goTo(t, page, e.baseURL+"audit")
	must(t, expect.Locator(page.GetByTestId("audit-row")).ToHaveCount(1))
	cspClean(t, page, "audit after a stop")
}

func cspClean(t *testing.T, page playwright.Page, where string) {
	t.Helper()
	got, err := page.Evaluate(`() => window.__csp`)
	must(t, err)
	if v, ok := got.([]any); !ok || len(v) != 0 {
		t.Errorf("%s: CSP violations %v", where, got)
	}
}
