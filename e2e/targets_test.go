//go:build e2e

package e2e

import (
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// stagingTask is a task of the staging project in status.
func stagingTask(t *testing.T, sim *dcssim.Simulator, status string) dcssim.Task {
	t.Helper()
	ids := sim.IDsWithStatusIn(stagingProject, status)
	if len(ids) == 0 {
		t.Fatalf("the staging project has no %s task", status)
	}
	task, _ := sim.Task(ids[0])
	return task
}

// TestTargetsInOnePane: tasks of two projects on one page, with a Target
// column; the target filter narrows them; a stop of a staging task, from
// the list, reaches the staging project's path and no other.
func TestTargetsInOnePane(t *testing.T) {
	e := newEnv(t, envOptions{targets: true})
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, "/?size=100"))
	must(t, expect.Locator(rowsOfTarget(page, prodTarget).First()).ToBeVisible())
	must(t, expect.Locator(rowsOfTarget(page, stagingTarget).First()).ToBeVisible())
	must(t, expect.Locator(page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: "Target", Exact: playwright.Bool(true)})).ToBeVisible())

	_, err := page.GetByTestId("filter-target").SelectOption(playwright.SelectOptionValues{Values: &[]string{stagingTarget}})
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(regexpMust(`target=`+stagingTarget)))
	must(t, expect.Locator(rowsOfTarget(page, prodTarget)).ToHaveCount(0))

	task := stagingTask(t, e.sim, "FULLMIGRATING")
	row := rowOf(page, task.TaskID)
	must(t, rowStop(row).Click())
	dialog := page.GetByRole("dialog")
	must(t, expect.Locator(dialog.GetByTestId("stop-task-name")).ToHaveText(task.TaskName))
	must(t, dialog.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Stop task"}).Click())
	must(t, expect.Locator(rowBadge(row)).ToHaveAttribute("data-status", "TERMINATING"))
	if a, b := e.sim.CallsIn(stagingProject, dcssim.OpStop), e.sim.CallsIn(projectID, dcssim.OpStop); a != 1 || b != 0 {
		t.Errorf("stops: %d on the staging project, %d on production; want 1 and 0", a, b)
	}
}

// TestBrokenTargetLeavesTheOthers: a target whose API fails shows as an
// alert naming it, and the other target's tasks stay on the page.
func TestBrokenTargetLeavesTheOthers(t *testing.T) {
	e := newEnv(t, envOptions{targets: true})
	e.sim.SetFaults(dcssim.Faults{Projects: map[string]dcssim.ProjectFault{stagingProject: {Status: 503, Code: "DCS.5000"}}})
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	alert := page.GetByTestId("target-error").GetByRole("alert")
	must(t, expect.Locator(alert).ToContainText(stagingTarget))
	must(t, expect.Locator(alert).ToContainText("DCS.5000"))
	must(t, expect.Locator(rowsOfTarget(page, prodTarget).First()).ToBeVisible())
	must(t, expect.Locator(rowsOfTarget(page, stagingTarget)).ToHaveCount(0))
}

// TestPerTargetOperatorsInTheBrowser: behind the sign-in proxy, a person
// who operates staging only is offered Stop on staging's tasks and on no
// production task.
func TestPerTargetOperatorsInTheBrowser(t *testing.T) {
	e := newEnv(t, envOptions{targets: true, extraArgs: []string{"-auth", "proxy", "-trusted-proxies", "127.0.0.1/32",
		"-viewer-groups", "dcs-viewers," + operatorGroup + "," + stagingOperators, "-operator-groups", operatorGroup,
		"-session-keys", sessionKey, "-insecure-cookies"}})
	page := newPageWith(t, playwright.BrowserNewContextOptions{ExtraHttpHeaders: map[string]string{
		"X-Forwarded-User": "u-sam", "X-Forwarded-Groups": "dcs-viewers," + stagingOperators}})
	prod := findTask(t, e.sim, withStatus("FULLMIGRATING"))
	goTo(t, page, at(e.baseURL, routes.TaskURL(prodTarget, prod.TaskID)))
	must(t, expect.Locator(page.GetByTestId("task-status")).ToHaveAttribute("data-status", "FULLMIGRATING"))
	must(t, expect.Locator(button(page, "Stop")).ToHaveCount(0))

	staging := stagingTask(t, e.sim, "FULLMIGRATING")
	goTo(t, page, at(e.baseURL, routes.TaskURL(stagingTarget, staging.TaskID)))
	must(t, expect.Locator(button(page, "Stop")).ToHaveCount(1))
}
