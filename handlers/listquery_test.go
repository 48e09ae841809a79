package handlers_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// The status groups as the product defines them. Written out here rather
// than derived from dcs.Status, so a change there cannot move a status
// between groups unnoticed.
var statusGroups = map[string][]string{
	"in_progress": {"RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING", "INCRMIGEATING", "TERMINATING"},
	"finished":    {"SUCCESS", "TERMINATED", "RELEASED"},
	"failed":      {"FAILED", "MIGRATION_FAILED"},
}

// oddStatus is a status the dashboard does not know.
const oddStatus = "PAUSED_BY_OPS"

// listRow is what a test reads off one row of the list.
type listRow struct{ id, status, typ, created string }

func rowsOf(r *resp) []listRow {
	var out []listRow
	r.rows().Each(func(_ int, s *goquery.Selection) {
		_, id := rowTask(s)
		st, _ := rowBadge(s).Attr("data-status")
		created, _ := s.Find("time").Last().Attr("datetime")
		out = append(out, listRow{id, st, rowType(s), created})
	})
	return out
}

// tasksWhere is every stored task that keep accepts, by id.
func tasksWhere(e *env, keep func(dcssim.Task) bool) map[string]bool {
	out := map[string]bool{}
	for _, st := range append(dcs.KnownStatuses(), oddStatus) {
		for _, id := range e.sim.IDsWithStatus(string(st)) {
			if task, ok := e.sim.Task(id); ok && keep(task) {
				out[id] = true
			}
		}
	}
	return out
}

func idsOf(rows []listRow) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		out[r.id] = true
	}
	return out
}

// sameIDs fails unless rows are exactly the tasks want, each once.
func sameIDs(t *testing.T, what string, rows []listRow, want map[string]bool) {
	t.Helper()
	if got := idsOf(rows); len(rows) != len(want) || !maps.Equal(got, want) {
		t.Errorf("%s: %d rows %v, want %d %v", what, len(rows), got, len(want), want)
	}
}

// putOnline adds n in-progress online migrations, newest first, so a
// filtered list has more than one page.
func putOnline(t *testing.T, e *env, n int) {
	t.Helper()
	task, _ := e.sim.Task(e.idNamed("cart-cache full copy"))
	for i := range n {
		task.TaskID, task.TaskName = dcssim.SeedID(500+i), "bulk online "+itoa(i)
		task.CreatedAt = e.clock.Now().Add(-time.Duration(i+1) * time.Minute).UTC().Format(time.RFC3339)
		e.sim.Put(task)
	}
}

// TestFilterStatusGroups proves each status group shows exactly its tasks,
// and that a status the dashboard does not know is under "all" only: it
// cannot tell whether such a task is still running, so it guesses no group.
func TestFilterStatusGroups(t *testing.T) {
	e := newEnv(t, options{})
	odd := e.idWith(dcs.StatusSuccess)
	if err := e.sim.SetStatus(odd, oddStatus); err != nil {
		t.Fatal(err)
	}
	for group, statuses := range statusGroups {
		r := e.get("/?size=100&status=" + group)
		wantStatus(t, r, http.StatusOK)
		sameIDs(t, group, rowsOf(r), tasksWhere(e, func(task dcssim.Task) bool { return slices.Contains(statuses, task.Status) }))
		if v, _ := r.find("filter-status").Find("option[selected]").Attr("value"); v != group {
			t.Errorf("%s: the status select shows %q", group, v)
		}
	}
	everything := tasksWhere(e, func(dcssim.Task) bool { return true })
	for _, path := range []string{"/?size=100", "/?size=100&status=all&sort=oldest"} {
		r := e.get(path)
		wantStatus(t, r, http.StatusOK)
		sameIDs(t, path, rowsOf(r), everything)
	}
}

// TestFilterType proves the type filter keeps only tasks of that type, and
// combines with the status group and the name search.
func TestFilterType(t *testing.T) {
	e := newEnv(t, options{})
	for _, typ := range []string{dcs.TypeOnlineMigration, dcs.TypeBackupFileImport} {
		r := e.get("/?size=100&type=" + typ)
		wantStatus(t, r, http.StatusOK)
		sameIDs(t, typ, rowsOf(r), tasksWhere(e, func(task dcssim.Task) bool { return task.MigrationType == typ }))
	}
	r := e.get("/?q=import&status=finished&type=backupfile_import")
	wantStatus(t, r, http.StatusOK)
	sameIDs(t, "finished imports named import", rowsOf(r), tasksWhere(e, func(task dcssim.Task) bool {
		return strings.Contains(strings.ToLower(task.TaskName), "import") && task.MigrationType == dcs.TypeBackupFileImport &&
			slices.Contains(statusGroups["finished"], task.Status)
	}))
	if got := r.text("list-summary"); !strings.Contains(got, "finished backup file import tasks whose name contains “import”") {
		t.Errorf("summary %q does not name the filters", got)
	}
}

// TestSortByCreated proves both orders, with a task whose creation time
// cannot be read last in either.
func TestSortByCreated(t *testing.T) {
	e := newEnv(t, options{})
	task, _ := e.sim.Task(e.idNamed("metrics-cache"))
	task.TaskID, task.TaskName, task.CreatedAt = dcssim.SeedID(900), "undated", "sometime last spring"
	e.sim.Put(task)
	for _, sort := range []string{"", "newest", "oldest"} {
		r := e.get("/?size=100&sort=" + sort)
		wantStatus(t, r, http.StatusOK)
		rows := rowsOf(r)
		if len(rows) != seededTasks(e)+1 {
			t.Fatalf("sort %q: %d rows", sort, len(rows))
		}
		if last := rows[len(rows)-1]; last.id != task.TaskID || last.created != "" {
			t.Errorf("sort %q: the undated task is not last (%+v)", sort, last)
		}
		var times []string // RFC 3339 in UTC: sorts as text
		for _, row := range rows[:len(rows)-1] {
			times = append(times, row.created)
		}
		want := slices.Clone(times)
		slices.Sort(want)
		if sort != "oldest" {
			slices.Reverse(want)
		}
		if !slices.Equal(times, want) {
			t.Errorf("sort %q: created times out of order: %v", sort, times)
		}
	}
}

// TestPageSize proves the page size choice, that the default stays out of
// the URLs, and that a plain list at any size is still one paged call.
func TestPageSize(t *testing.T) {
	e := newEnv(t, options{})
	for _, size := range []int{20, 50, 100} {
		e.sim.ResetCalls()
		r := e.get("/?size=" + itoa(size))
		wantStatus(t, r, http.StatusOK)
		if n := r.rows().Length(); n != min(size, seededTasks(e)) {
			t.Errorf("size %d: %d rows", size, n)
		}
		if n := e.sim.Calls(dcssim.OpList); n != 1 {
			t.Errorf("size %d: %d list calls, want 1", size, n)
		}
		if v, _ := r.find("filter-size").Find("option[selected]").Attr("value"); v != itoa(size) {
			t.Errorf("size %d: the select shows %q", size, v)
		}
	}
	next, _ := e.get("/?size=20").doc.Find(`a[rel="next"]`).Attr("href")
	if next != "/?page=2" {
		t.Errorf("the default size shows up in the Next link: %q", next)
	}
}

// TestFilterPagingKeepsState proves combined filters page correctly and that
// every link and form on the page carries the whole query: Next and
// Previous, the rows' refresh and the stops' return_to (both the rows' and
// the batch form's).
func TestFilterPagingKeepsState(t *testing.T) {
	e := newEnv(t, options{})
	putOnline(t, e, 16)
	want := tasksWhere(e, func(task dcssim.Task) bool {
		return task.MigrationType == dcs.TypeOnlineMigration && slices.Contains(statusGroups["in_progress"], task.Status) &&
			strings.Contains(strings.ToLower(task.TaskName), "e")
	})
	if len(want) <= 20 || len(want) > 40 {
		t.Fatalf("%d matching tasks; this test needs 21 to 40", len(want))
	}
	filters := url.Values{"q": {"e"}, "status": {"in_progress"}, "type": {"online_migration"}, "sort": {"oldest"}}
	p1 := e.get("/?" + filters.Encode())
	wantStatus(t, p1, http.StatusOK)
	next, _ := p1.doc.Find(`a[rel="next"]`).Attr("href")
	p2 := e.get(next)
	wantStatus(t, p2, http.StatusOK)
	sameIDs(t, "both pages", append(rowsOf(p1), rowsOf(p2)...), want)
	page2 := "/?page=2&q=e&sort=oldest&status=in_progress&type=online_migration"
	if next != page2 {
		t.Errorf("Next is %q, want %q", next, page2)
	}
	if prev, _ := p2.doc.Find(`a[rel="prev"]`).Attr("href"); prev != strings.Replace(page2, "page=2", "page=1", 1) {
		t.Errorf("Previous is %q", prev)
	}
	if got, _ := p2.doc.Find("tbody#task-rows").Attr("hx-get"); got != "/task-rows"+strings.TrimPrefix(page2, "/") {
		t.Errorf("the rows refresh %q", got)
	}
	returns := p2.doc.Find(`input[name="return_to"]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") })
	if len(returns) == 0 || slices.ContainsFunc(returns, func(v string) bool { return v != page2 }) {
		t.Errorf("return_to %q, want %q", returns, page2)
	}
	rows := e.get(strings.Replace(page2, "/", "/task-rows", 1), htmx...)
	wantStatus(t, rows, http.StatusOK)
	rows.doc, _ = goquery.NewDocumentFromReader(strings.NewReader("<table>" + rows.body + "</table>")) // a bare <tbody> parses to nothing
	sameIDs(t, "refreshed rows", rowsOf(rows), idsOf(rowsOf(p2)))
}

// TestListBadFilters proves an unknown filter, order or size is refused
// with a 400 naming the allowed values, before any call to the DCS API.
func TestListBadFilters(t *testing.T) {
	tests := []struct{ query, title, allowed string }{
		{"status=running", "Invalid status filter", "all, in_progress, finished, failed"},
		{"status=IN_PROGRESS", "Invalid status filter", "in_progress"},
		{"type=redis", "Invalid migration type", "all, backupfile_import, online_migration"},
		{"sort=size", "Invalid sort order", "newest, oldest, name, status"},
		{"size=7", "Invalid page size", "20, 50, 100"},
		{"size=abc", "Invalid page size", "20, 50, 100"},
		{"status=failed&page=0", "Invalid page number", "1 to"},
	}
	e := newEnv(t, options{})
	for _, tc := range tests {
		for _, path := range []string{"/", "/task-rows", "/export.csv", "/export.json"} {
			before := e.totalCalls()
			r := e.get(path + "?" + tc.query)
			wantStatus(t, r, http.StatusBadRequest)
			banner, download := r.text("banner-error"), r.header.Get("Content-Disposition")
			if !strings.HasPrefix(banner, tc.title) || !strings.Contains(banner, tc.allowed) || download != "" {
				t.Errorf("%s?%s: banner %q (download %q), want %q listing %q", path, tc.query, banner, download, tc.title, tc.allowed)
			}
			if got := e.totalCalls(); got != before {
				t.Errorf("%s?%s: upstream calls went from %d to %d", path, tc.query, before, got)
			}
		}
	}
}

// TestFilterFormAndPushURL proves the filter form works without JavaScript
// (a GET form whose every option the server accepts), that htmx is told the
// canonical URL to push, except when it restores history, and that a hostile
// search stays text on the page and round-trips through the links.
func TestFilterFormAndPushURL(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get("/?status=failed")
	form := r.find("filter-form")
	for attr, want := range map[string]string{"method": "get", "action": "/", "hx-get": "/", "hx-target": "body", "hx-push-url": "true"} {
		if got, _ := form.Attr(attr); got != want {
			t.Errorf("filter form %s=%q, want %q", attr, got, want)
		}
	}
	form.Find("select").Each(func(_ int, sel *goquery.Selection) {
		name, _ := sel.Attr("name")
		sel.Find("option").Each(func(_ int, o *goquery.Selection) {
			v, _ := o.Attr("value")
			wantStatus(t, e.get("/?"+url.Values{name: {v}}.Encode()), http.StatusOK)
		})
	})
	for path, want := range map[string]string{"/?q=&status=failed&type=&sort=newest&size=20": "/?status=failed", "/?page=1": "/",
		"/?page=2&size=50&sort=oldest": "/?page=2&size=50&sort=oldest"} {
		if got := e.get(path, htmx...).header.Get("HX-Push-Url"); got != want {
			t.Errorf("%s: HX-Push-Url %q, want %q", path, got, want)
		}
	}
	if got := e.get("/?status=failed", "HX-Request", "true", "HX-History-Restore-Request", "true").header.Get("HX-Push-Url"); got != "" {
		t.Errorf("a history restore pushes %q", got)
	}

	putHostile(t, e)
	h := e.get("/?" + url.Values{"q": {hostile}, "sort": {"oldest"}}.Encode())
	wantStatus(t, h, http.StatusOK)
	noMarkup(t, "filtered list", h)
	if h.rows().Length() != 1 {
		t.Errorf("%d rows for the hostile name", h.rows().Length())
	}
	for _, testID := range []string{"export-csv", "export-json"} {
		href, _ := h.find(testID).Attr("href")
		if u, err := url.Parse(href); err != nil || u.Query().Get("q") != hostile {
			t.Errorf("%s %q does not carry the search", testID, href)
		}
	}
}
