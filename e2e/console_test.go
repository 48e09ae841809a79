//go:build e2e

package e2e

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestFailedTaskTellsWhy: a failed task's row shows why it failed, cut
// short with the whole message on hover, and its page leads Overview with
// the whole message.
func TestFailedTaskTellsWhy(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("FAILED"))
	if task.ErrorMessage == "" {
		t.Fatal("the simulator's failed task has no error message")
	}
	page := newPage(t, true)
	goTo(t, page, e.baseURL+"?status="+listquery.GroupFailed)
	row := listRows(page).Filter(playwright.LocatorFilterOptions{HasText: task.TaskName}).First()
	why := row.Locator(".row-error")
	must(t, expect.Locator(why).ToBeVisible())
	must(t, expect.Locator(why).ToHaveAttribute("title", task.ErrorMessage))
	shown, err := why.TextContent()
	must(t, err)
	if n := utf8.RuneCountInString(shown); n > 80 {
		t.Errorf("the row shows %d characters of the message, want at most 80", n)
	}

	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(page.GetByTestId("field-error-message")).ToHaveText(task.ErrorMessage))
	must(t, expect.Locator(page.Locator("#overview-h ~ dl dt").First()).ToHaveText("Error"))
}

// TestSelectionSurvivesRefresh: "Stop selected" is disabled and not red
// until a box is ticked, then names the count; it comes after every box in
// the page's order; the header box ticks and clears them all. A focused,
// ticked box keeps its focus and tick through three refreshes of the rows.
// On a view where no row can be ticked, the button stays disabled.
func TestSelectionSurvivesRefresh(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	refreshes := countRowsReads(page)
	goTo(t, page, e.baseURL)
	stopSelected := page.GetByTestId("stop-selected")
	must(t, expect.Locator(stopSelected).ToBeDisabled())
	must(t, expect.Locator(stopSelected).ToHaveText("Stop selected"))
	must(t, expect.Locator(stopSelected).Not().ToHaveClass(regexpMust(`btn-danger`)))

	boxes := rowBoxes(page)
	total, err := boxes.Count()
	must(t, err)
	if total < 3 {
		t.Fatalf("%d boxes on the first page, want at least 3", total)
	}
	must(t, boxes.Nth(0).Check())
	must(t, expect.Locator(stopSelected).ToHaveText("Stop 1 selected"))
	must(t, expect.Locator(stopSelected).ToBeEnabled())
	must(t, boxes.Nth(1).Check())
	must(t, expect.Locator(stopSelected).ToHaveText("Stop 2 selected"))
	after, err := page.Evaluate(`() => {
		const boxes = document.querySelectorAll('#task-rows input[name="task"]');
		const button = document.querySelector('[data-testid="stop-selected"]');
		return !!(boxes[boxes.length - 1].compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
	}`)
	must(t, err)
	if after != true {
		t.Error("Stop selected comes before the boxes in the page's order")
	}

	focused, err := boxes.Nth(1).GetAttribute("id")
	must(t, err)
	must(t, boxes.Nth(1).Focus())
	if n := waitForReads(refreshes, 3, 10*time.Second); n < 3 {
		t.Fatalf("%d refreshes of the rows in 10 s, want 3", n)
	}
	time.Sleep(300 * time.Millisecond) // the third refresh's swap
	active, err := page.Evaluate(`() => document.activeElement && document.activeElement.id`)
	must(t, err)
	if active != focused {
		t.Errorf("focus is on %v after three refreshes, want the box %s", active, focused)
	}
	must(t, expect.Locator(boxes.Nth(0)).ToBeChecked())
	must(t, expect.Locator(boxes.Nth(1)).ToBeChecked())
	must(t, expect.Locator(stopSelected).ToHaveText("Stop 2 selected"))

	all := page.GetByTestId("select-all")
	must(t, expect.Locator(all).ToBeVisible())
	must(t, all.Check())
	must(t, expect.Locator(page.Locator(`#task-rows input[name="task"]:checked`)).ToHaveCount(total))
	must(t, expect.Locator(stopSelected).ToHaveText("Stop "+strconv.Itoa(total)+" selected"))
	must(t, all.Uncheck())
	must(t, expect.Locator(page.Locator(`#task-rows input[name="task"]:checked`)).ToHaveCount(0))
	must(t, expect.Locator(stopSelected).ToBeDisabled())

	goTo(t, page, e.baseURL+"?status="+listquery.GroupFailed)
	must(t, expect.Locator(rowBoxes(page)).ToHaveCount(0))
	must(t, expect.Locator(stopSelected).ToBeDisabled())
	must(t, expect.Locator(all).ToBeDisabled())
}

// TestListScrollsWithThePage: the task list has no scroll box of its own
// (every row of a 20-row page is in the page, whose header row sticks to
// the top of the window), and on a phone the page is no wider than the
// screen, its rows cards with their Stop buttons.
func TestListScrollsWithThePage(t *testing.T) {
	e := newEnv(t, envOptions{})
	desk := newPageWith(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 1440, Height: 900}})
	goTo(t, desk, e.baseURL)
	must(t, expect.Locator(listRows(desk)).ToHaveCount(20))
	inner, err := desk.Evaluate(`() => {
		const wrap = document.querySelector('[data-testid="task-table"]').parentElement;
		return wrap.scrollHeight > wrap.clientHeight + 1;
	}`)
	must(t, err)
	if inner != false {
		t.Error("the task table scrolls inside a box of its own")
	}
	_, err = desk.Evaluate(`() => window.scrollTo(0, 1200)`)
	must(t, err)
	top, err := desk.Evaluate(`() => Math.round(document.querySelector('[data-testid="task-table"] thead th').getBoundingClientRect().top)`)
	must(t, err)
	if top != 0 {
		t.Errorf("the header row is %v px from the window's top after scrolling, want 0 (sticky)", top)
	}

	phone := newPageWith(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 390, Height: 844},
		IsMobile: playwright.Bool(true), HasTouch: playwright.Bool(true)})
	goTo(t, phone, e.baseURL)
	width, err := phone.Evaluate(`() => document.documentElement.scrollWidth`)
	must(t, err)
	if w, ok := width.(int); !ok || w > 390 {
		t.Errorf("the list is %v px wide on a 390 px phone", width)
	}
	row := listRows(phone).First()
	must(t, expect.Locator(rowStop(row)).ToBeVisible())
	must(t, expect.Locator(rowKind(row)).ToBeVisible())
}

// TestRefusalFromTheListStays: a stop refused from a list row is told in
// the page's alert area, with the DCS code, and is still there 20 s (many
// refreshes of the rows) later, the row marked; a later accepted stop
// clears the mark, and Dismiss removes the alert.
func TestRefusalFromTheListStays(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("FULLMIGRATING"))
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{task.TaskID: {
		Ops: []dcssim.Op{dcssim.OpStop}, Status: 400, Code: "DCS.4957", Message: "The task is being switched over and cannot be stopped."}}})
	page := newPage(t, true)
	refreshes := countRowsReads(page)
	goTo(t, page, e.baseURL)
	row := rowOf(page, task.TaskID)
	must(t, rowStop(row).Click())
	must(t, expect.Locator(page.GetByRole("dialog")).ToBeVisible())
	must(t, button(page, "Stop task").Click())

	alert := page.GetByTestId("stop-alert")
	must(t, expect.Locator(alert.GetByRole("alert")).ToBeVisible())
	must(t, expect.Locator(alert.GetByTestId("error-code")).ToHaveText("DCS.4957"))
	must(t, expect.Locator(row.GetByTestId("refused-mark")).ToBeVisible())
	start := refreshes.Load()
	time.Sleep(20 * time.Second)
	if n := refreshes.Load() - start; n < 10 {
		t.Fatalf("only %d refreshes of the rows in 20 s", n)
	}
	must(t, expect.Locator(alert.GetByTestId("error-code")).ToHaveText("DCS.4957"))
	must(t, expect.Locator(row.GetByTestId("refused-mark")).ToBeVisible())

	// A later stop that is accepted clears the mark, the alert staying
	// until it is dismissed.
	e.sim.SetFaults(dcssim.Faults{})
	must(t, rowStop(row).Click())
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(rowBadge(row)).ToHaveAttribute("data-status", regexpMust(`^TERMINAT(ING|ED)$`)))
	must(t, expect.Locator(row.GetByTestId("refused-mark")).ToHaveCount(0))
	waitForReads(refreshes, 3, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // the last refresh's swap
	must(t, expect.Locator(row.GetByTestId("refused-mark")).ToHaveCount(0))
	must(t, expect.Locator(alert).ToHaveCount(1))
	must(t, alert.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Dismiss"}).Click())
	must(t, expect.Locator(alert).ToHaveCount(0))
}

// TestSearchAppliesAsYouType: with the script, a pause in typing applies
// the name search; the search box keeps the focus and what was typed.
func TestSearchAppliesAsYouType(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("FAILED"))
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	search := page.GetByTestId("search-input")
	must(t, search.Focus())
	must(t, search.PressSequentially(task.TaskName))
	must(t, expect.Page(page).ToHaveURL(regexpMust(`[?&]q=`)))
	must(t, expect.Locator(rowLink(listRows(page).First())).ToHaveText(task.TaskName))
	must(t, expect.Locator(search).ToBeFocused())
	must(t, expect.Locator(search).ToHaveValue(task.TaskName))
}

// TestCopyTaskID: the Copy button beside a task's id puts the id on the
// clipboard.
func TestCopyTaskID(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	page := newPageWith(t, playwright.BrowserNewContextOptions{Permissions: []string{"clipboard-read", "clipboard-write"}})
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	copyID := page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Copy task id"})
	must(t, copyID.Click())
	must(t, expect.Locator(copyID).ToHaveText("Copied"))
	got, err := page.Evaluate(`() => navigator.clipboard.readText()`)
	must(t, err)
	if got != task.TaskID {
		t.Errorf("clipboard holds %q, want the task id %q", got, task.TaskID)
	}
}

// TestPauseRefreshing: "Updated" moves with each read of the rows; Pause
// stops the reads (none in two seconds) and Resume reads at once.
func TestPauseRefreshing(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	reads := countRowsReads(page)
	goTo(t, page, e.baseURL)
	updated := page.GetByTestId("updated-at")
	first, err := updated.GetAttribute("datetime")
	must(t, err)
	must(t, expect.Locator(updated).Not().ToHaveAttribute("datetime", first, playwright.LocatorAssertionsToHaveAttributeOptions{Timeout: playwright.Float(5000)}))

	toggle := page.GetByTestId("refresh-toggle")
	must(t, toggle.Click())
	must(t, expect.Locator(toggle).ToHaveText("Resume"))
	must(t, expect.Locator(toggle).ToHaveAttribute("aria-pressed", "true"))
	time.Sleep(500 * time.Millisecond) // a read already sent may still land
	before := reads.Load()
	time.Sleep(2 * time.Second)
	if n := reads.Load() - before; n != 0 {
		t.Errorf("%d reads of the rows while paused", n)
	}
	must(t, toggle.Click())
	must(t, expect.Locator(toggle).ToHaveText("Pause"))
	if waitForReads(reads, 1, 3*time.Second) == 0 {
		t.Error("Resume did not read the rows again")
	}
}

// TestTimesInTheViewersZone: times show in the browser's zone by default,
// with how long ago and UTC on hover; a chosen zone (UTC, or a named one)
// applies at once and is remembered across pages.
func TestTimesInTheViewersZone(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	ts := dcs.ParseTimestamp(task.CreatedAt)
	if !ts.Valid() {
		t.Fatalf("the simulator's created time %q does not parse", task.CreatedAt)
	}
	created := ts.Time
	page := newPageWith(t, playwright.BrowserNewContextOptions{TimezoneId: playwright.String("Asia/Shanghai")})
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	shown := page.GetByTestId("field-created").Locator("time")
	local := created.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
	must(t, expect.Locator(shown).ToContainText(local))
	must(t, expect.Locator(shown).ToContainText("ago"))
	must(t, expect.Locator(shown).ToHaveAttribute("title", created.UTC().Format("2006-01-02 15:04:05")+" UTC"))

	zone := page.GetByTestId("time-zone")
	_, err := zone.SelectOption(playwright.SelectOptionValues{Values: &[]string{"UTC"}})
	must(t, err)
	must(t, expect.Locator(shown).ToContainText(created.UTC().Format("2006-01-02 15:04:05")+" UTC"))
	goTo(t, page, e.baseURL)
	must(t, expect.Locator(page.GetByTestId("time-zone")).ToHaveValue("UTC"))
	row := rowOf(page, task.TaskID).Locator("time")
	must(t, expect.Locator(row).ToContainText(created.UTC().Format("2006-01-02 15:04:05")+" UTC"))

	_, err = page.GetByTestId("time-zone").SelectOption(playwright.SelectOptionValues{Values: &[]string{"America/New_York"}})
	must(t, err)
	ny, err := time.LoadLocation("America/New_York")
	must(t, err)
	must(t, expect.Locator(row).ToContainText(created.In(ny).Format("2006-01-02 15:04:05")))
}

// TestSortByName: choosing the order by name applies at once, lands in the
// URL and puts the rows A to Z.
func TestSortByName(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	_, err := page.GetByTestId("filter-sort").SelectOption(playwright.SelectOptionValues{Values: &[]string{listquery.SortName}})
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?sort="+listquery.SortName))
	names, err := page.Locator("#task-rows td.name > a").AllTextContents()
	must(t, err)
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(strings.TrimSpace(n))
	}
	if len(lower) < 10 || !slices.IsSorted(lower) {
		t.Errorf("rows by name are not A to Z: %q", lower)
	}
}

// countRowsReads counts the page's reads of the list's rows (its refresh).
func countRowsReads(page playwright.Page) *atomic.Int32 {
	var n atomic.Int32
	page.OnRequest(func(r playwright.Request) {
		if strings.Contains(r.URL(), routes.Rows) {
			n.Add(1)
		}
	})
	return &n
}

// waitForReads waits until want more reads than now have been counted, or
// timeout has passed, and says how many came.
func waitForReads(reads *atomic.Int32, want int32, timeout time.Duration) int32 {
	start, deadline := reads.Load(), time.Now().Add(timeout)
	for reads.Load() < start+want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	return reads.Load() - start
}

// TestListProgressMoves: an online migration's row shows its full sync as a
// bar that rises as the rows refresh, and the cell empties once the task
// has finished.
func TestListProgressMoves(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.Status == "FULLMIGRATING" && task.MigrationType == dcs.TypeOnlineMigration
	})
	must(t, e.sim.SetStatus(task.TaskID, "FULLMIGRATING")) // from 0 %, as in TestProgressPanelMovesByItself
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	cell := rowProgress(rowOf(page, task.TaskID))
	must(t, expect.Locator(cell.Locator("progress")).ToHaveAttribute("aria-label", "Full sync"))
	value := func() float64 {
		raw, err := cell.Locator("progress").GetAttribute("value")
		must(t, err)
		v, err := strconv.ParseFloat(raw, 64)
		must(t, err)
		return v
	}
	first := value()
	deadline := time.Now().Add(20 * time.Second)
	for value() <= first {
		if time.Now().After(deadline) {
			t.Fatalf("the row's progress bar stayed at %v", first)
		}
		time.Sleep(200 * time.Millisecond)
	}
	must(t, expect.Locator(cell).ToHaveText(regexpMust(`^\s*\d+ %\s*$`)))

	must(t, e.sim.SetStatus(task.TaskID, "SUCCESS"))
	must(t, expect.Locator(cell).ToHaveText(""))
}
