//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestAutoRefreshShowsStatusChanges: badges of in-progress tasks follow the
// API by themselves, on the list and on a task's page, without a reload;
// a task that finished loses its Stop button.
func TestAutoRefreshShowsStatusChanges(t *testing.T) {
	e := newEnv(t, envOptions{})
	running := findTask(t, e.sim, withStatus("RUNNING"))
	page := newPage(t, true)
	goTo(t, page, e.baseURL+"?q="+running.TaskName)
	row := listRows(page).Filter(playwright.LocatorFilterOptions{HasText: running.TaskName}).First()
	must(t, expect.Locator(rowBadge(row)).ToHaveAttribute("data-status", "RUNNING"))
	must(t, e.sim.SetStatus(running.TaskID, "FAILED"))
	must(t, expect.Locator(rowBadge(row)).ToHaveAttribute("data-status", "FAILED"))
	must(t, expect.Locator(rowStop(row)).ToHaveCount(0))

	migrating := findTask(t, e.sim, withStatus("MIGRATING"))
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, migrating.TaskID)))
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "MIGRATING"))
	must(t, e.sim.SetStatus(migrating.TaskID, "SUCCESS"))
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "SUCCESS"))
	must(t, expect.Locator(button(page, "Stop")).ToHaveCount(0))
}

// TestRefreshPausesInHiddenTab: a hidden tab sends no refreshes, and one
// that comes back refreshes at once.
func TestRefreshPausesInHiddenTab(t *testing.T) {
	e := newEnv(t, envOptions{extraArgs: []string{"-list-cache", "0"}})
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	must(t, expect.Locator(page.Locator("tbody#task-rows[data-poll]")).ToHaveCount(1))

	_, err := page.Evaluate(`() => {
		Object.defineProperty(document, "hidden", {value: true, configurable: true});
		Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
	}`)
	must(t, err)
	time.Sleep(500 * time.Millisecond) // a refresh already under way may land
	before := e.sim.Calls(dcssim.OpList)
	time.Sleep(2 * time.Second) // five refresh intervals
	if n := e.sim.Calls(dcssim.OpList) - before; n != 0 {
		t.Fatalf("a hidden tab refreshed %d times", n)
	}

	_, err = page.Evaluate(`() => {
		Object.defineProperty(document, "hidden", {value: false, configurable: true});
		Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
		document.dispatchEvent(new Event("visibilitychange"));
	}`)
	must(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for e.sim.Calls(dcssim.OpList) == before {
		if time.Now().After(deadline) {
			t.Fatal("the tab came back but did not refresh")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
