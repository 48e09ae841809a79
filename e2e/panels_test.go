//go:build e2e

package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// markPage sets a flag that only survives as long as the document does, so
// a test can prove a change came without a page load.
func markPage(t *testing.T, page playwright.Page) {
	t.Helper()
	_, err := page.Evaluate(`() => { window.__sameDocument = true; }`)
	must(t, err)
}

func wantSameDocument(t *testing.T, page playwright.Page) {
	t.Helper()
	v, err := page.Evaluate(`() => window.__sameDocument === true`)
	must(t, err)
	if v != true {
		t.Fatal("the page was loaded again")
	}
}

func progressValue(t *testing.T, page playwright.Page) float64 {
	t.Helper()
	raw, err := page.GetByTestId("progress").Locator("progress").GetAttribute("value")
	must(t, err)
	v, err := strconv.ParseFloat(raw, 64)
	must(t, err)
	return v
}

// TestProgressPanelMovesByItself: on an online full migration the progress
// bar rises without a reload, and stops polling once the task has finished.
func TestProgressPanelMovesByItself(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.Status == "FULLMIGRATING" && task.MigrationType == dcs.TypeOnlineMigration
	})
	// From 0%: a full sync of 3 to 9 minutes gains 1% every 2 to 6 seconds
	// and cannot finish during the test.
	must(t, e.sim.SetStatus(task.TaskID, "FULLMIGRATING"))
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(page.Locator(`[data-testid="progress"][data-poll]`)).ToHaveCount(1))
	markPage(t, page)
	first := progressValue(t, page)

	deadline := time.Now().Add(20 * time.Second)
	for progressValue(t, page) <= first {
		if time.Now().After(deadline) {
			t.Fatalf("the progress bar stayed at %v", first)
		}
		time.Sleep(200 * time.Millisecond)
	}
	wantSameDocument(t, page)

	must(t, e.sim.SetStatus(task.TaskID, "SUCCESS"))
	must(t, expect.Locator(page.GetByTestId("progress").Locator("progress")).ToHaveAttribute("value", "100.0"))
	must(t, expect.Locator(page.Locator(`[data-testid="progress"][data-poll]`)).ToHaveCount(0))
	before := e.sim.Calls(dcssim.OpStats)
	time.Sleep(1200 * time.Millisecond) // three refresh intervals
	if n := e.sim.Calls(dcssim.OpStats) - before; n != 0 {
		t.Errorf("%d stats reads after the task finished", n)
	}
	wantSameDocument(t, page)
}

// logLevels returns the level of every log line on the page, once the
// filter in force is testID.
func logLevels(t *testing.T, page playwright.Page, testID string) []string {
	t.Helper()
	must(t, expect.Locator(page.GetByTestId(testID)).ToHaveAttribute("aria-current", "true"))
	levels, err := page.GetByTestId("logs").GetByTestId("log-level").AllTextContents()
	must(t, err)
	return levels
}

func count(levels []string, level string) int {
	n := 0
	for _, l := range levels {
		if l == level {
			n++
		}
	}
	return n
}

// TestLogsPanelFilterAndHistory: the ERROR filter swaps in only ERROR lines
// and puts log_level=ERROR in the address; back returns to every level and
// forward to the filter, all without a page load.
func TestLogsPanelFilterAndHistory(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.Status == "FAILED" && task.MigrationType == dcs.TypeOnlineMigration
	})
	page := newPage(t, true)
	detail := at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID))
	goTo(t, page, detail)
	all := logLevels(t, page, "log-level-all")
	if count(all, "INFO") == 0 || count(all, "ERROR") == 0 {
		t.Fatalf("the failed task's logs should mix INFO and ERROR: %v", all)
	}
	markPage(t, page)

	must(t, page.GetByTestId("log-level-error").Click())
	must(t, expect.Page(page).ToHaveURL(detail+"?log_level=ERROR"))
	errs := logLevels(t, page, "log-level-error")
	if len(errs) != count(all, "ERROR") || count(errs, "ERROR") != len(errs) {
		t.Fatalf("ERROR filter shows %v; all levels had %d ERROR lines", errs, count(all, "ERROR"))
	}
	wantSameDocument(t, page)

	_, err := page.GoBack()
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(detail))
	if back := logLevels(t, page, "log-level-all"); len(back) != len(all) {
		t.Fatalf("back shows %d lines, want %d", len(back), len(all))
	}
	_, err = page.GoForward()
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(detail+"?log_level=ERROR"))
	if fwd := logLevels(t, page, "log-level-error"); count(fwd, "ERROR") != len(errs) || len(fwd) != len(errs) {
		t.Fatalf("forward shows %v", fwd)
	}

	// A deep link opens on the filter.
	goTo(t, page, detail+"?log_level=INFO")
	if info := logLevels(t, page, "log-level-info"); len(info) != count(all, "INFO") || count(info, "INFO") != len(info) {
		t.Fatalf("deep link to INFO shows %v", info)
	}
}

// TestLogsPanelPagesOlder: "Older" shows the next 20 lines, "Newer" comes
// back, with the page in the address; and the same links work without
// JavaScript as plain page loads.
func TestLogsPanelPagesOlder(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("INCRMIGRATING")) // over 20 lines
	detail := at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID))
	for _, js := range []bool{true, false} {
		page := newPage(t, js)
		goTo(t, page, detail)
		entries := page.GetByTestId("logs").GetByTestId("log-entry")
		must(t, expect.Locator(entries).ToHaveCount(20))
		summary := page.GetByTestId("logs-summary")
		must(t, expect.Locator(summary).ToContainText("Newest first: 1–20 of "))

		must(t, page.GetByTestId("logs-older").Click())
		must(t, expect.Page(page).ToHaveURL(detail+"?log_page=2"))
		must(t, expect.Locator(summary).ToContainText("Newest first: 21–"))
		n, err := entries.Count()
		must(t, err)
		if n == 0 || n > 20 {
			t.Fatalf("javascript %v: page 2 shows %d lines", js, n)
		}
		must(t, page.GetByTestId("logs-newer").Click())
		must(t, expect.Page(page).ToHaveURL(detail))
		must(t, expect.Locator(entries).ToHaveCount(20))
		must(t, expect.Locator(page.GetByTestId("logs-newer")).ToHaveCount(0))
	}
}
