package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// seededTasks is how many tasks the simulator seeds (dcssim.Seed).
func seededTasks(e *env) int { return len(dcssim.Seed(e.clock.Now())) }

// TestListPaging proves the list shows 20 tasks per page, says which ones,
// and that Next and Previous links walk the pages with nothing lost.
func TestListPaging(t *testing.T) {
	e := newEnv(t, options{})
	total := seededTasks(e)
	if total <= 20 || total > 40 {
		t.Fatalf("the seed has %d tasks; this test expects 21 to 40", total)
	}

	p1 := e.get("/")
	wantStatus(t, p1, http.StatusOK)
	if n := p1.rows().Length(); n != 20 {
		t.Fatalf("page 1 has %d rows, want 20", n)
	}
	if got, want := p1.text("list-summary"), "Showing 1–20 of "+itoa(total)+" tasks."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if p1.doc.Find(`a[rel="prev"]`).Length() != 0 {
		t.Error("page 1 has a Previous link")
	}
	next := p1.doc.Find(`a[rel="next"]`)
	if strings.TrimSpace(next.Text()) != "Next" {
		t.Fatalf("page 1 has no Next link: %q", next.Text())
	}
	href, _ := next.Attr("href")

	p2 := e.get(href)
	wantStatus(t, p2, http.StatusOK)
	if n := p2.rows().Length(); n != total-20 {
		t.Fatalf("page 2 has %d rows, want %d", n, total-20)
	}
	if got, want := p2.text("list-summary"), "Showing 21–"+itoa(total)+" of "+itoa(total)+" tasks."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if p2.doc.Find(`a[rel="next"]`).Length() != 0 {
		t.Error("the last page has a Next link")
	}
	seen := map[string]bool{}
	for _, p := range []*resp{p1, p2} {
		p.rows().Each(func(_ int, s *goquery.Selection) {
			_, id := rowTask(s)
			if seen[id] {
				t.Errorf("task %s is on both pages", id)
			}
			seen[id] = true
		})
	}
	if len(seen) != total {
		t.Errorf("the two pages show %d distinct tasks, want %d", len(seen), total)
	}

	prev := p2.doc.Find(`a[rel="prev"]`)
	if strings.TrimSpace(prev.Text()) != "Previous" {
		t.Fatalf("page 2 has no Previous link")
	}
	href, _ = prev.Attr("href")
	back := e.get(href)
	wantStatus(t, back, http.StatusOK)
	if got, want := back.text("list-summary"), p1.text("list-summary"); got != want {
		t.Errorf("Previous leads to %q, want %q", got, want)
	}
}

// TestListRows proves every row links to its task's page and shows its
// type, method, network and a badge carrying the raw API status.
func TestListRows(t *testing.T) {
	e := newEnv(t, options{})
	for _, page := range []string{"/", "/?page=2"} {
		r := e.get(page)
		wantStatus(t, r, http.StatusOK)
		r.rows().Each(func(_ int, row *goquery.Selection) {
			_, id := rowTask(row)
			task, ok := e.sim.Task(id)
			if !ok {
				t.Fatalf("row for unknown task %q", id)
			}
			if href, _ := rowLink(row).Attr("href"); href != routes.TaskURL(targets.DefaultName, id) || row.AttrOr("id", "") != "row-"+targets.DefaultName+"-"+id {
				t.Errorf("%s: link %q, row id %q", id, href, row.AttrOr("id", ""))
			}
			if got := strings.TrimSpace(rowLink(row).Text()); got != task.TaskName {
				t.Errorf("%s: link text %q, want %q", id, got, task.TaskName)
			}
			if typ, method := rowKind(row); typ == "" || method == "" || rowNetwork(row) == "" {
				t.Errorf("%s: type %q, method %q, network %q: one is missing", id, typ, method, rowNetwork(row))
			}
			badge := rowBadge(row)
			if st, _ := badge.Attr("data-status"); badge.Length() != 1 || st != task.Status {
				t.Errorf("%s: badge data-status %q, want %q", id, st, task.Status)
			}
		})
	}
	// Spot-check the labels on a known row. List items carry no network_type;
	// the dashboard fills it in by reading the task (handlers/facts.go).
	r := e.get("/")
	row := r.row(e.idNamed("legacy IDC redis (VPN)"))
	typ, method := rowKind(row)
	for field, got := range map[string]string{"Online migration": typ, "Full + incremental": method, "VPN": rowNetwork(row)} {
		if got != field {
			t.Errorf("%q, want %q", got, field)
		}
	}
}

// TestListSearch proves ?q= is sent as the API's name filter: the matches
// come from every page of tasks, each row contains the text, and Chinese works.
func TestListSearch(t *testing.T) {
	tests := []struct {
		q    string
		want int
	}{
		{"import", 7},
		{"IMPORT", 7},
		{"迁移", 4},
		{"session-store", 1},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			e := newEnv(t, options{})
			r := e.get("/?q=" + url.QueryEscape(tc.q))
			wantStatus(t, r, http.StatusOK)
			if n := r.rows().Length(); n != tc.want {
				t.Fatalf("%d rows, want %d", n, tc.want)
			}
			rowLink(r.rows()).Each(func(_ int, s *goquery.Selection) {
				if !strings.Contains(strings.ToLower(s.Text()), strings.ToLower(tc.q)) {
					t.Errorf("row %q does not contain %q", s.Text(), tc.q)
				}
			})
			noun := " tasks"
			if tc.want == 1 {
				noun = " task" // the plural rule of the language
			}
			if !strings.Contains(r.text("list-summary"), "of "+itoa(tc.want)+noun+" whose name contains") {
				t.Errorf("summary %q", r.text("list-summary"))
			}
			if v, _ := r.find("search-input").Attr("value"); v != tc.q {
				t.Errorf("search box holds %q, want %q", v, tc.q)
			}
			if n := e.sim.Calls(dcssim.OpList); n != 1 {
				t.Errorf("%d list calls, want 1", n)
			}
		})
	}
}

// TestListNoResults proves a search matching nothing says so, with no table.
func TestListNoResults(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get("/?q=" + url.QueryEscape("no-such-task-xyz"))
	wantStatus(t, r, http.StatusOK)
	if r.rows().Length() != 0 || r.find("task-table").Length() != 0 {
		t.Error("rows shown for a search that matches nothing")
	}
	if got, want := r.text("list-summary"), `No migration task has a name containing “no-such-task-xyz”.`; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestListBadInput proves bad paging or search input is refused with a 400
// page that says what is wrong, before any call to the DCS API.
func TestListBadInput(t *testing.T) {
	tests := []struct {
		name, query, wantTitle string
	}{
		{"page not a number", "page=abc", "Invalid page number"},
		{"page zero", "page=0", "Invalid page number"},
		{"page negative", "page=-3", "Invalid page number"},
		{"page huge", "page=99999999999999999999", "Invalid page number"},
		{"search too long", "q=" + strings.Repeat("a", 200), "Search text too long"},
		{"search too long in runes", "q=" + url.QueryEscape(strings.Repeat("迁", 129)), "Search text too long"},
	}
	e := newEnv(t, options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.totalCalls()
			r := e.get("/?" + tc.query)
			wantStatus(t, r, http.StatusBadRequest)
			banner := r.find("banner-error")
			if banner.Length() != 1 || strings.TrimSpace(banner.Find(".banner-title").Text()) != tc.wantTitle {
				t.Errorf("banner %q, want title %q", strings.TrimSpace(banner.Text()), tc.wantTitle)
			}
			if strings.TrimSpace(banner.Find(".banner-text").Text()) == "" {
				t.Error("the 400 page does not explain what to do")
			}
			if got := e.totalCalls(); got != before {
				t.Errorf("upstream calls went from %d to %d", before, got)
			}
		})
	}
}

// TestListUpstreamFailure proves a failing list call shows the DCS error
// (code, request id) on a page with a 5xx status, not a crash.
func TestListUpstreamFailure(t *testing.T) {
	e := newEnv(t, options{})
	e.sim.SetFaults(dcssim.Faults{ErrorRate: 1})
	r := e.get("/")
	wantStatus(t, r, http.StatusBadGateway)
	if r.text("error-code") != "DCS.5000" || r.text("error-request-id") == "" {
		t.Errorf("error banner lacks code or request id: %q", r.find("banner-error").Text())
	}
	if r.rows().Length() != 0 {
		t.Error("rows shown although the list failed")
	}
}
