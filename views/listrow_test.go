package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/views"
)

// hostile is text an attacker could put in a task's name, description or
// error: every character HTML gives a meaning to.
const hostile = `<script>alert('x')</script>"><img src=x onerror=alert(1)> & co`

// TestListRowMarkup parses rows written by hand (views/listrow.go) back and
// checks what a templ component would have guaranteed: every value reads
// back exactly as the API sent it, in text and in attributes; links and ids
// are escaped; each row has a cell under each header; a row the browser
// already holds is a stub.
func TestListRowMarkup(t *testing.T) {
	long := strings.Repeat("失败 ", 40) + hostile
	created := dcs.ParseTimestamp("2026-11-30T08:09:10Z")
	tasks := []views.TaskState{
		{Target: "bj-prod", Task: dcs.Task{ID: "0f1e2d3c-aaaa-bbbb-cccc-123456789abc", Name: hostile, Description: hostile,
			Status: dcs.StatusFullMigrating, Type: dcs.TypeOnlineMigration, Method: dcs.MethodFull, NetworkType: "vpc",
			ErrorMessage: long, CreatedAt: created, Source: dcs.SourceInstance{Addrs: "10.0.0.1:6379"}, Target: dcs.TargetInstance{Name: hostile}},
			Progress: &views.RowProgress{Stats: &dcs.Stats{FullProgress: dcs.Number{Valid: true, Value: 42.5}}}},
		// An id no API sends, to prove the addresses are escaped anyway.
		{Target: "sh-dr", Task: dcs.Task{ID: `a b/"c'`, Name: "short", Status: dcs.StatusSuccess, ErrorMessage: "brief & done",
			CreatedAt: dcs.ParseTimestamp("yesterday")}},
		{Target: "sh-dr", Task: dcs.Task{ID: "unchanged-1", Name: "kept", Status: dcs.StatusMigrating}, Unchanged: true},
	}
	returnTo := (listquery.Query{Name: hostile, Page: 2, Size: 20, DefaultSize: 20}).URL()
	for i := range tasks {
		tasks[i].CanStop, tasks[i].SelectCell, tasks[i].ReturnTo = true, true, returnTo
		tasks[i].TargetLabel, tasks[i].TargetWhere = "Label "+hostile, "cn-north-4"
	}
	page := views.ListPage{Chrome: views.Chrome{Title: "t"}, CanStop: true, Total: 3, Rows: tasks,
		Targets: []views.TargetChoice{{Name: "bj-prod"}, {Name: "sh-dr"}}, Query: listquery.Query{Page: 1, Size: 20, DefaultSize: 20}}

	var b bytes.Buffer
	if err := views.ListView(page).Render(i18n.With(context.Background(), mustPrinter(t)), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Find("script:not([src]):not([type='application/json'])").Length() != 0 || doc.Find("img").Length() != 0 {
		t.Fatal("a task's text became markup")
	}
	headers := doc.Find("#task-rows").Parent().Find("thead th").Length()
	rows := doc.Find("#task-rows > tr")
	if rows.Length() != 3 {
		t.Fatalf("%d rows, want 3", rows.Length())
	}

	first := rows.Eq(0)
	t0 := tasks[0].Task
	if id := first.AttrOr("id", ""); id != "row-bj-prod-"+t0.ID {
		t.Errorf("row id %q", id)
	}
	if n := first.Children().Length(); n != headers {
		t.Errorf("%d cells under %d headers", n, headers)
	}
	link := first.Find("td.name > a")
	if link.Text() != hostile || link.AttrOr("href", "") != routes.TaskURL("bj-prod", t0.ID) {
		t.Errorf("link %q to %q", link.Text(), link.AttrOr("href", ""))
	}
	if got := first.Find("td.name .clamp").Text(); got != hostile {
		t.Errorf("description %q", got)
	}
	box := first.Find(`input[type="checkbox"][name="task"]`)
	if box.AttrOr("value", "") != routes.TaskRef("bj-prod", t0.ID) || box.AttrOr("form", "") != "batch-form" ||
		box.AttrOr("aria-label", "") != "Select "+hostile {
		t.Errorf("box: value %q, form %q, label %q", box.AttrOr("value", ""), box.AttrOr("form", ""), box.AttrOr("aria-label", ""))
	}
	badge := first.Find("td.state-cell .badge")
	if badge.AttrOr("data-status", "") != "FULLMIGRATING" || badge.AttrOr("data-tone", "") != string(dcs.StatusFullMigrating.Tone()) || badge.Text() != "Full migration" {
		t.Errorf("badge %q %q %q", badge.AttrOr("data-status", ""), badge.AttrOr("data-tone", ""), badge.Text())
	}
	rowErr := first.Find(".row-error")
	if rowErr.AttrOr("title", "") != long || !strings.HasSuffix(rowErr.Text(), "…") || len([]rune(rowErr.Text())) != 80 {
		t.Errorf("clipped error %q, hover %q", rowErr.Text(), rowErr.AttrOr("title", ""))
	}
	bar := first.Find("td.progress-cell progress")
	if bar.AttrOr("value", "") != "42.5" || bar.AttrOr("aria-label", "") != "Full sync" || !strings.Contains(first.Find("td.progress-cell").Text(), "42.5 %") {
		t.Errorf("progress %q %q", bar.AttrOr("value", ""), first.Find("td.progress-cell").Text())
	}
	target := first.Find("td.target")
	if target.Text() != "Label "+hostile || target.AttrOr("title", "") != "cn-north-4" {
		t.Errorf("target cell %q %q", target.Text(), target.AttrOr("title", ""))
	}
	if got := first.Find("td.route").Text(); got != "10.0.0.1:6379 → "+hostile {
		t.Errorf("route %q", got)
	}
	when := first.Find("time")
	if when.AttrOr("datetime", "") != "2026-11-30T08:09:10Z" || when.Text() != "2026-11-30 08:09:10 UTC" {
		t.Errorf("time %q %q", when.AttrOr("datetime", ""), when.Text())
	}
	stop := first.Find("td.actions-cell a.btn-row")
	if want := routes.TaskStopDialogURL("bj-prod", t0.ID, returnTo); stop.AttrOr("href", "") != want || stop.Text() != "Stop" {
		t.Errorf("Stop %q to %q, want %q", stop.Text(), stop.AttrOr("href", ""), want)
	}

	second := rows.Eq(1)
	t1 := tasks[1].Task
	if id := second.AttrOr("id", ""); id != "row-sh-dr-"+t1.ID {
		t.Errorf("row id %q", id)
	}
	if href := second.Find("td.name > a").AttrOr("href", ""); href != routes.TaskURL("sh-dr", t1.ID) {
		t.Errorf("escaped link %q, want %q", href, routes.TaskURL("sh-dr", t1.ID))
	}
	if second.Find("input, a.btn-row").Length() != 0 || second.Children().Length() != headers {
		t.Error("a finished task's row offers a box or a Stop, or lost a cell")
	}
	if e := second.Find(".row-error"); e.Text() != "brief & done" || e.AttrOr("title", "none") != "none" {
		t.Errorf("short error %q with hover %q", e.Text(), e.AttrOr("title", "none"))
	}
	if got := second.Find("time").Text(); got != "yesterday" {
		t.Errorf("unparsed time %q, want it as sent", got)
	}

	stub := rows.Eq(2)
	if _, ok := stub.Attr("data-unchanged"); !ok || stub.AttrOr("id", "") != "row-sh-dr-unchanged-1" || stub.Children().Length() != 0 {
		t.Errorf("stub %v", stub.Nodes)
	}
}

func mustPrinter(t *testing.T) *i18n.Printer {
	t.Helper()
	c, err := i18n.Load(i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	return c.Printer(i18n.English)
}

// TestRowTimeMatchesRFC3339: the rows' hand-written time format is
// time.RFC3339's, for every year a row shows.
func TestRowTimeMatchesRFC3339(t *testing.T) {
	for _, when := range []time.Time{
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(2026, 11, 30, 8, 9, 10, 0, time.FixedZone("CST", 8*3600)), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		ts := dcs.Timestamp{Raw: when.String(), Time: when}
		var b bytes.Buffer
		page := views.ListPage{Rows: []views.TaskState{{Target: "t", Task: dcs.Task{ID: "x", CreatedAt: ts}}}}
		if err := views.TaskRows(page).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		want := `<time datetime="` + when.UTC().Format(time.RFC3339) + `">`
		if !strings.Contains(b.String(), want) {
			t.Errorf("%v: %s lacks %s", when, b.String(), want)
		}
	}
}
