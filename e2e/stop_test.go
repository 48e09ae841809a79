//go:build e2e

package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

func button(page playwright.Page, name string) playwright.Locator {
	return page.GetByRole("button", playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func badge(page playwright.Page) playwright.Locator {
	return page.GetByTestId("task-state").GetByTestId("task-status")
}

// openStopDialog opens the confirmation dialog on a task's page and checks it
// names the task.
func openStopDialog(t *testing.T, page playwright.Page, task dcssim.Task) playwright.Locator {
	t.Helper()
	must(t, button(page, "Stop").Click())
	dialog := page.GetByRole("dialog")
	must(t, expect.Locator(dialog).ToBeVisible())
	must(t, expect.Locator(dialog.GetByTestId("stop-task-name")).ToHaveText(task.TaskName))
	return dialog
}

// TestStopChangesStatusWithoutReload: confirming a stop swaps in TERMINATING,
// and the badge keeps refreshing until TERMINATED, all without a page load;
// everything on the page that depends on the status follows it: the raw
// status and update time in Overview, and the banner says when it stopped.
func TestStopChangesStatusWithoutReload(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "MIGRATING"))
	_, err := page.Evaluate(`() => { window.__sameDocument = true }`)
	must(t, err)

	dialog := openStopDialog(t, page, task)
	must(t, dialog.GetByLabel("Reason").Fill("cut-over window closed"))
	must(t, button(page, "Stop task").Click())

	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATING"))
	success := page.GetByTestId("banner-success")
	must(t, expect.Locator(success).ToContainText("requested by local"))
	must(t, expect.Locator(success).ToContainText("cut-over window closed"))
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATED"))
	same, err := page.Evaluate(`() => window.__sameDocument === true`)
	must(t, err)
	if same != true {
		t.Error("the page reloaded; the status should have been swapped in place")
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("StopMigrationTask called %d times, want 1", n)
	}
	must(t, expect.Locator(button(page, "Stop")).ToHaveCount(0))
	must(t, expect.Locator(page.GetByTestId("field-status-raw")).ToHaveText("TERMINATED"))
	must(t, expect.Locator(page.GetByTestId("field-updated")).ToHaveText(regexp.MustCompile(`\d{2}:\d{2}:\d{2}`)))
	must(t, expect.Locator(success.GetByTestId("banner-follow")).ToHaveText(regexp.MustCompile(`^The task stopped at \d{2}:\d{2}:\d{2} UTC\.$`)))
	must(t, expect.Locator(success).Not().ToContainText("until it has stopped"))
}

// TestStopFromListRow: the list offers Stop on in-progress rows only.
func TestStopFromListRow(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("FULLMIGRATING"))
	page := newPage(t, true)
	goTo(t, page, e.baseURL+"?q="+task.TaskName)
	row := listRows(page).Filter(playwright.LocatorFilterOptions{HasText: task.TaskName}).First()
	must(t, rowStop(row).Click())
	must(t, expect.Locator(page.GetByRole("dialog")).ToBeVisible())
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(rowBadge(row)).ToHaveAttribute("data-status", "TERMINATING"))

	finished := findTask(t, e.sim, withStatus("SUCCESS"))
	goTo(t, page, e.baseURL+"?q="+finished.TaskName)
	done := listRows(page).Filter(playwright.LocatorFilterOptions{HasText: finished.TaskName}).First()
	must(t, expect.Locator(rowBadge(done)).ToHaveAttribute("data-status", "SUCCESS"))
	must(t, expect.Locator(rowStop(done)).ToHaveCount(0))
}

// TestCancelSendsNothing: Cancel closes the dialog and no stop is sent.
func TestCancelSendsNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("INCRMIGRATING"))
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	dialog := openStopDialog(t, page, task)
	must(t, dialog.GetByLabel("Reason").Fill("never mind"))
	must(t, button(page, "Cancel").Click())
	must(t, expect.Locator(dialog).ToBeHidden())
	time.Sleep(500 * time.Millisecond) // give a stray request time to arrive before counting
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Fatalf("Cancel sent %d stop calls", n)
	}
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "INCRMIGRATING"))
}

// TestRefusedStopShowsCodeMessageRequestID: a refusal by the API shows its
// DCS code, message and request id in an alert.
func TestRefusedStopShowsCodeMessageRequestID(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{task.TaskID: {
		Ops: []dcssim.Op{dcssim.OpStop}, Status: 400, Code: "DCS.4957", Message: "The task is being switched over and cannot be stopped.",
	}}})
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	openStopDialog(t, page, task)
	must(t, button(page, "Stop task").Click())

	alert := page.GetByRole("alert")
	must(t, expect.Locator(alert).ToBeVisible())
	must(t, expect.Locator(alert.GetByTestId("error-code")).ToHaveText("DCS.4957"))
	must(t, expect.Locator(alert.GetByTestId("error-message")).ToHaveText("The task is being switched over and cannot be stopped."))
	must(t, expect.Locator(alert.GetByTestId("error-request-id")).ToHaveText(regexpMust(`^[0-9a-f]{16,}$`)))
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "MIGRATING"))
}

// TestUpstream500CleanBanner: an HTML error page from a gateway becomes a
// clean banner saying the outcome is unknown, with the re-read status.
func TestUpstream500CleanBanner(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("RUNNING"))
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{task.TaskID: {
		Ops: []dcssim.Op{dcssim.OpStop}, Status: 500, HTML: true,
	}}})
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	openStopDialog(t, page, task)
	must(t, button(page, "Stop task").Click())

	alert := page.GetByRole("alert")
	must(t, expect.Locator(alert).ToContainText("outcome of the stop"))
	must(t, expect.Locator(alert.GetByTestId("error-http-status")).ToHaveText("500"))
	text, err := alert.InnerText()
	must(t, err)
	if strings.Contains(strings.ToLower(text), "<html") || strings.Contains(strings.ToLower(text), "<body") {
		t.Fatalf("the banner shows the raw error page: %q", text)
	}
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "RUNNING"))
}

// TestDoubleClickStopsOnce: a double click on "Stop task" while the API is
// slow makes exactly one upstream stop.
func TestDoubleClickStopsOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{task.TaskID: {
		Ops: []dcssim.Op{dcssim.OpStop}, Delay: 800 * time.Millisecond,
	}}})
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	openStopDialog(t, page, task)
	must(t, button(page, "Stop task").Dblclick())
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATING"))
	time.Sleep(time.Second) // a second request, if one was sent, would arrive by now
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Fatalf("a double click made %d stop calls, want 1", n)
	}
}

// TestNoJavaScriptFlow: without JavaScript, Stop leads to a confirmation
// page whose form posts, and the result comes back as a flash message.
func TestNoJavaScriptFlow(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("INCRMIGRATING"))
	page := newPage(t, false)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, button(page, "Stop").Click())
	must(t, expect.Page(page).ToHaveURL(regexpMust(regexp.QuoteMeta(routes.TaskStopURL(targets.DefaultName, task.TaskID))+`\?`)))
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Fatalf("opening the confirmation page stopped the task (%d calls)", n)
	}
	must(t, page.GetByLabel("Reason").Fill("no-js stop"))
	must(t, button(page, "Stop task").Click())
	must(t, expect.Page(page).ToHaveURL(at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID))))
	must(t, expect.Locator(page.GetByTestId("banner-success")).ToContainText("no-js stop"))
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", regexpMust(`^TERMINAT(ING|ED)$`)))
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Fatalf("StopMigrationTask called %d times, want 1", n)
	}
	// The flash is shown once.
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(page.GetByTestId("banner-success")).ToHaveCount(0))
}
