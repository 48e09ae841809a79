//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// axeScript is axe-core, pinned in package.json and installed by make.
var axeScript = filepath.Join("..", "node_modules", "axe-core", "axe.min.js")

// axeClean runs axe-core over the page as it is now and fails the test with
// every violation, named by rule, impact and the elements that break it.
func axeClean(t *testing.T, page playwright.Page, state string) {
	t.Helper()
	if _, err := page.AddScriptTag(playwright.PageAddScriptTagOptions{Path: playwright.String(axeScript)}); err != nil {
		t.Fatalf("%s: loading axe-core: %v", state, err)
	}
	out, err := page.Evaluate(`async () => {
		const r = await axe.run(document, { resultTypes: ["violations"] });
		return JSON.stringify(r.violations.map(v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary.split("\n").slice(1).join(" ")),
		})));
	}`)
	must(t, err)
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	must(t, json.Unmarshal([]byte(out.(string)), &violations))
	for _, v := range violations {
		t.Errorf("%s: axe %s (%s): %s\n    %s", state, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
	}
}

// TestAccessibility: axe-core finds no violation on any page, dialog or
// error state, in the light and the dark theme, and on a phone.
func TestAccessibility(t *testing.T) {
	looks := []struct {
		name   string
		scheme *playwright.ColorScheme
		size   playwright.Size
	}{
		{"light", playwright.ColorSchemeLight, playwright.Size{Width: 1440, Height: 900}},
		{"dark", playwright.ColorSchemeDark, playwright.Size{Width: 1440, Height: 900}},
		{"phone", playwright.ColorSchemeLight, playwright.Size{Width: 390, Height: 844}},
	}
	for _, look := range looks {
		t.Run(look.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			// axe-core is injected as a script of the page: the dashboard's
			// Content-Security-Policy (rightly) refuses it, so this context
			// bypasses the policy; the policy itself is tested elsewhere.
			page := newPageWith(t, playwright.BrowserNewContextOptions{ColorScheme: look.scheme, BypassCSP: playwright.Bool(true),
				Viewport: &look.size})

			goTo(t, page, e.baseURL)
			axeClean(t, page, "list")

			failed := findTask(t, e.sim, withStatus("FAILED"))
			goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, failed.TaskID)))
			axeClean(t, page, "failed task")

			running := findTask(t, e.sim, withStatus("FULLMIGRATING"))
			e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{running.TaskID: {
				Ops: []dcssim.Op{dcssim.OpStop}, Status: 400, Code: "DCS.4957", Message: "Not now."}}})
			goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, running.TaskID)))
			axeClean(t, page, "task")
			openStopDialog(t, page, running)
			axeClean(t, page, "stop dialog")
			must(t, button(page, "Stop task").Click())
			must(t, expect.Locator(page.GetByRole("alert").First()).ToBeVisible())
			axeClean(t, page, "refused stop")

			goTo(t, page, e.baseURL)
			must(t, rowStop(rowOf(page, running.TaskID)).Click())
			must(t, button(page, "Stop task").Click())
			must(t, expect.Locator(page.GetByTestId("stop-alert")).ToBeVisible())
			axeClean(t, page, "refused stop in the list")

			e.sim.SetFaults(dcssim.Faults{})
			boxes := rowBoxes(page)
			must(t, boxes.Nth(2).Check())
			must(t, boxes.Nth(3).Check())
			must(t, page.GetByTestId("stop-selected").Click())
			must(t, expect.Locator(page.GetByRole("dialog")).ToBeVisible())
			axeClean(t, page, "batch dialog")
			must(t, page.GetByRole("dialog").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Stop 2 tasks"}).Click())
			must(t, expect.Locator(page.GetByTestId("batch-result")).ToBeVisible())
			axeClean(t, page, "batch result")

			goTo(t, page, at(e.baseURL, routes.Audit))
			axeClean(t, page, "audit")
			goTo(t, page, at(e.baseURL, routes.Notifications))
			axeClean(t, page, "notifications")
			_, err := page.Goto(at(e.baseURL, "/t/nowhere/tasks/x")) // a 404 page
			must(t, err)
			must(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "No such target"})).ToBeVisible())
			axeClean(t, page, "error page")
		})
	}
}
