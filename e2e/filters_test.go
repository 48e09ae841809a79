//go:build e2e

package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// The status groups as the product defines them.
var (
	inProgress = []string{"RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING", "INCRMIGEATING", "TERMINATING"}
	failed     = []string{"FAILED", "MIGRATION_FAILED"}
)

// addOnlineMigrations adds n in-progress online migrations, so the
// filtered list has a second page.
func addOnlineMigrations(t *testing.T, sim *dcssim.Simulator, n int) {
	t.Helper()
	task := findTask(t, sim, func(task dcssim.Task) bool { return task.TaskName == "cart-cache full copy" })
	for i := range n {
		task.TaskID, task.TaskName = dcssim.SeedID(500+i), "bulk online "+string(rune('a'+i))
		task.CreatedAt = time.Now().Add(-time.Duration(i+1) * time.Minute).UTC().Format(time.RFC3339)
		sim.Put(task)
	}
}

// expectRows waits for the summary to read summary, then checks every row
// has one of statuses and, if typ is set, that migration type.
func expectRows(t *testing.T, page playwright.Page, summary string, statuses []string, typ string) int {
	t.Helper()
	must(t, expect.Locator(page.GetByTestId("list-summary")).ToContainText(summary))
	rows, err := listRows(page).All()
	must(t, err)
	if len(rows) == 0 {
		t.Fatalf("no rows for %q", summary)
	}
	for _, row := range rows {
		status, err := rowBadge(row).GetAttribute("data-status")
		must(t, err)
		got, err := rowKind(row).Evaluate(`cell => cell.firstChild.textContent`, nil)
		must(t, err)
		if !slices.Contains(statuses, status) || (typ != "" && got.(string) != typ) {
			t.Errorf("row %s / %s under %q", status, got, summary)
		}
	}
	return len(rows)
}

func choose(t *testing.T, page playwright.Page, testID, value string) {
	t.Helper()
	_, err := page.GetByTestId(testID).SelectOption(playwright.SelectOptionValues{Values: &[]string{value}})
	must(t, err)
}

func expectChosen(t *testing.T, page playwright.Page, status, typ string) {
	t.Helper()
	must(t, expect.Locator(page.GetByTestId("filter-status")).ToHaveValue(status))
	must(t, expect.Locator(page.GetByTestId("filter-type")).ToHaveValue(typ))
}

// TestFilterInProgressOnlineMigrations: the filters narrow the rows, live in
// the URL htmx pushes, survive a reload and the pager, and back walks from
// one filter to the one before.
func TestFilterInProgressOnlineMigrations(t *testing.T) {
	e := newEnv(t, envOptions{})
	addOnlineMigrations(t, e.sim, 16)
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	_, err := page.Evaluate(`() => { window.__sameDocument = true }`)
	must(t, err)

	// With the script the filters apply on change, with no Apply button,
	// and nothing in the form moves when Clear appears; the select in use
	// keeps the focus.
	must(t, expect.Locator(page.GetByTestId("filter-apply")).ToBeHidden())
	box := func() any {
		v, err := page.Evaluate(`() => { const r = document.getElementById("q").getBoundingClientRect(); return [r.x, r.y, r.width]; }`)
		must(t, err)
		return fmt.Sprint(v)
	}
	before := box()
	must(t, page.GetByTestId("filter-status").Focus())
	choose(t, page, "filter-status", "failed")
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=failed"))
	expectRows(t, page, "failed migration tasks", failed, "")
	must(t, expect.Locator(page.GetByTestId("filter-clear")).ToBeVisible())
	if after := box(); after != before {
		t.Errorf("the search box moved from %v to %v when a filter applied", before, after)
	}
	must(t, expect.Locator(page.GetByTestId("filter-status")).ToBeFocused())

	choose(t, page, "filter-status", "in_progress")
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=in_progress"))
	choose(t, page, "filter-type", "online_migration")
	filtered := e.baseURL + "?status=in_progress&type=online_migration"
	must(t, expect.Page(page).ToHaveURL(filtered))
	if n := expectRows(t, page, "in-progress online migration tasks", inProgress, "Online migration"); n != 20 {
		t.Errorf("page 1 has %d rows, want 20", n)
	}
	if same, _ := page.Evaluate(`() => window.__sameDocument === true`); same != true {
		t.Error("filtering reloaded the page; htmx should have swapped it")
	}

	_, err = page.Reload()
	must(t, err)
	expectChosen(t, page, "in_progress", "online_migration")
	expectRows(t, page, "in-progress online migration tasks", inProgress, "Online migration")

	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Next", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?page=2&status=in_progress&type=online_migration"))
	expectRows(t, page, "Showing 21–", inProgress, "Online migration")
	expectChosen(t, page, "in_progress", "online_migration")

	_, err = page.GoBack()
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(filtered))
	expectRows(t, page, "Showing 1–20 of", inProgress, "Online migration")
	_, err = page.GoBack() // each change applied is a step of its own
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=in_progress"))
	_, err = page.GoBack()
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=failed"))
	expectChosen(t, page, "failed", "")
	expectRows(t, page, "failed migration tasks", failed, "")
}

// TestFilterWithoutJavaScript: the filter form is a plain GET form.
func TestFilterWithoutJavaScript(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, false)
	goTo(t, page, e.baseURL)
	choose(t, page, "filter-status", "failed")
	must(t, page.GetByTestId("filter-apply").Click())
	must(t, expect.Page(page).ToHaveURL(regexpMust(`[?&]status=failed(&|$)`)))
	expectChosen(t, page, "failed", "")
	expectRows(t, page, "failed migration tasks", failed, "")
}

// download clicks an export link and returns the file's name and content.
func download(t *testing.T, page playwright.Page, testID string) (string, []byte) {
	t.Helper()
	d, err := page.ExpectDownload(func() error { return page.GetByTestId(testID).Click() })
	must(t, err)
	path, err := d.Path()
	must(t, err)
	body, err := os.ReadFile(path)
	must(t, err)
	return d.SuggestedFilename(), body
}

// TestExportFilteredDownloads: both export links download every task the
// filters keep (all pages, not only the one shown) as dated files.
func TestExportFilteredDownloads(t *testing.T) {
	e := newEnv(t, envOptions{})
	addOnlineMigrations(t, e.sim, 16)
	page := newPage(t, true)
	goTo(t, page, e.baseURL+"?status=in_progress&type=online_migration")
	shown := expectRows(t, page, "in-progress online migration tasks", inProgress, "Online migration")

	name, body := download(t, page, "export-csv")
	must(t, expect.Locator(page.GetByTestId("list-summary")).ToBeVisible()) // still on the list
	if !regexpMust(`^dcs-migration-tasks-\d{4}-\d{2}-\d{2}\.csv$`).MatchString(name) {
		t.Errorf("CSV file name %q", name)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	must(t, err)
	if len(records) < 2 || records[0][0] != "target" || records[0][3] != "task_id" || records[0][5] != "status" ||
		records[0][6] != "migration_type" {
		t.Fatalf("CSV header %v", records[:min(1, len(records))])
	}
	if len(records)-1 <= shown {
		t.Errorf("the CSV has %d tasks; the page alone shows %d", len(records)-1, shown)
	}
	for _, rec := range records[1:] {
		if !slices.Contains(inProgress, rec[5]) || rec[6] != "online_migration" {
			t.Errorf("CSV row %v does not match the filters", rec)
		}
	}

	name, body = download(t, page, "export-json")
	if !regexpMust(`^dcs-migration-tasks-\d{4}-\d{2}-\d{2}\.json$`).MatchString(name) {
		t.Errorf("JSON file name %q", name)
	}
	var objs []map[string]string
	must(t, json.Unmarshal(body, &objs))
	if len(objs) <= shown {
		t.Errorf("the JSON has %d tasks; the page alone shows %d", len(objs), shown)
	}
	for _, o := range objs {
		if !slices.Contains(inProgress, o["status"]) || o["migration_type"] != "online_migration" || o["task_name"] == "" {
			t.Errorf("JSON object %v does not match the filters", o)
		}
	}
}

// TestStatusCountsFollowRows: the status filter names how many tasks each
// choice lists, and the counts follow the rows' own reads without taking
// the focus from the select.
func TestStatusCountsFollowRows(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	goTo(t, page, e.baseURL)
	inProg := page.Locator(`#filter-status option[value="in_progress"]`)
	label, err := inProg.TextContent()
	must(t, err)
	var n int
	if _, err := fmt.Sscanf(label, "In progress (%d)", &n); err != nil || n == 0 {
		t.Fatalf("the in-progress choice reads %q, want its count", label)
	}
	must(t, page.GetByTestId("filter-status").Focus())
	// The simulator moves tasks by itself too, so the count to see is the
	// simulator's own at the time of a refresh.
	atSim := func() int {
		n := 0
		for _, st := range inProgress {
			n += len(e.sim.IDsWithStatus(st))
		}
		return n
	}
	must(t, e.sim.SetStatus(findTask(t, e.sim, withStatus("FULLMIGRATING")).TaskID, "SUCCESS"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		label, err = inProg.TextContent()
		must(t, err)
		want := fmt.Sprintf("In progress (%d)", atSim())
		if label == want && atSim() < n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the in-progress choice reads %q, want %q", label, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	must(t, expect.Locator(page.GetByTestId("filter-status")).ToBeFocused())
	must(t, expect.Locator(page.GetByTestId("filter-status")).ToHaveValue(""))
}
