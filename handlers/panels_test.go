package handlers_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

func attr(s *goquery.Selection, name string) string { v, _ := s.Attr(name); return v }

// wantPolling checks whether the progress panel of r reads itself again.
func wantPolling(t *testing.T, r *resp, id string, want bool) {
	t.Helper()
	panel := r.find("progress")
	if panel.Length() != 1 {
		t.Fatalf("%d progress panels:\n%s", panel.Length(), clipBody(r.body))
	}
	_, polls := panel.Attr("data-poll")
	if polls != want {
		t.Fatalf("progress panel polls = %v, want %v", polls, want)
	}
	if want {
		if got := attr(panel, "hx-get"); got != routes.TaskProgressURL(targets.DefaultName, id) {
			t.Errorf("hx-get %q", got)
		}
		if got := attr(panel, "hx-trigger"); got != "every 1000ms, poll-now" {
			t.Errorf("hx-trigger %q", got)
		}
		if got := attr(panel, "hx-swap"); got != "outerHTML" {
			t.Errorf("hx-swap %q", got)
		}
	} else if _, ok := panel.Attr("hx-get"); ok {
		t.Error("a panel that no longer polls still has hx-get")
	}
}

// TestProgressPanelRefreshes proves the progress panel of a migrating task
// polls its fragment, that the fragment shows the figures moving with the
// clock, and that polling stops once the task has finished.
func TestProgressPanelRefreshes(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("订单缓存迁移-生产") // FULLMIGRATING, online
	wantPolling(t, e.get(routes.TaskURL(targets.DefaultName, id)), id, true)

	first := e.get(routes.TaskProgressURL(targets.DefaultName, id), htmx...)
	wantStatus(t, first, http.StatusOK)
	if first.doc.Find("title, header, h1").Length() != 0 {
		t.Fatalf("the fragment is a whole page:\n%s", clipBody(first.body))
	}
	wantPolling(t, first, id, true)
	for _, f := range []string{"stat-offset", "stat-source-keys", "stat-target-keys", "stat-input-kbps", "stat-ops"} {
		if first.find(f).Length() != 1 {
			t.Errorf("fragment lacks %s", f)
		}
	}
	e.clock.Advance(30 * time.Second)
	if later, was := progressOf(t, e.get(routes.TaskProgressURL(targets.DefaultName, id), htmx...)), progressOf(t, first); later <= was {
		t.Errorf("progress %v after 30s, was %v", later, was)
	}

	if err := e.sim.SetStatus(id, "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	done := e.get(routes.TaskProgressURL(targets.DefaultName, id), htmx...)
	wantStatus(t, done, http.StatusOK)
	wantPolling(t, done, id, false)
	if done.text("progress-percent") == "" {
		t.Error("the finished task's last figures are missing")
	}
	wantPolling(t, e.get(routes.TaskURL(targets.DefaultName, id)), id, false)
}

// TestProgressPanelFailedRefresh proves a failed refresh (stats or status)
// answers 204, which keeps what the browser shows, and logs a warning; and
// that the fragment, opened without htmx, leads to the page and calls nothing.
func TestProgressPanelFailedRefresh(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("订单缓存迁移-生产")
	for _, op := range []dcssim.Op{dcssim.OpStats, dcssim.OpShow} {
		e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Ops: []dcssim.Op{op}, Status: 500}}})
		r := e.get(routes.TaskProgressURL(targets.DefaultName, id), htmx...)
		wantStatus(t, r, http.StatusNoContent)
	}
	if !strings.Contains(e.logs.String(), "progress refresh failed") {
		t.Error("no warning logged")
	}
	e.sim.SetFaults(dcssim.Faults{})
	before := e.totalCalls()
	r := e.get(routes.TaskProgressURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != routes.TaskURL(targets.DefaultName, id) {
		t.Errorf("Location %q", loc)
	}
	if e.totalCalls() != before {
		t.Error("a plain GET of the fragment called the API")
	}
}

// logsPanel reads the panel's total, level and page and its entries' levels.
func logsPanel(t *testing.T, r *resp) (total int, levels []string) {
	t.Helper()
	panel := r.find("logs")
	if panel.Length() != 1 {
		t.Fatalf("%d logs panels:\n%s", panel.Length(), clipBody(r.body))
	}
	total, err := strconv.Atoi(attr(panel, "data-log-total"))
	if err != nil {
		t.Fatalf("data-log-total %q", attr(panel, "data-log-total"))
	}
	panel.Find(`[data-testid="log-level"]`).Each(func(_ int, s *goquery.Selection) { levels = append(levels, s.Text()) })
	return total, levels
}

// wantLink checks that a control is a plain link to the detail page that
// htmx turns into a swap of the panel alone, pushing that same address.
func wantLink(t *testing.T, r *resp, testID, page, fragment string) {
	t.Helper()
	a := r.find(testID)
	if a.Length() != 1 {
		t.Fatalf("%d %s links", a.Length(), testID)
	}
	if attr(a, "href") != page || attr(a, "hx-push-url") != page || attr(a, "hx-get") != fragment ||
		attr(a, "hx-target") != "#logs-panel" || attr(a, "hx-swap") != "outerHTML" {
		t.Errorf("%s: href %q push %q get %q target %q swap %q, want %s and %s", testID, attr(a, "href"),
			attr(a, "hx-push-url"), attr(a, "hx-get"), attr(a, "hx-target"), attr(a, "hx-swap"), page, fragment)
	}
}

// TestLogsPanelPaging proves the logs come 20 a page, newest first, with the
// total, and that Newer and Older lead through them on the page and in
// the fragment alike.
func TestLogsPanelPaging(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("用户画像增量同步") // incremental for a day: over 20 lines
	base := routes.TaskURL(targets.DefaultName, id)
	one := e.get(base)
	wantStatus(t, one, http.StatusOK)
	total, levels := logsPanel(t, one)
	if total <= 20 || total > 40 || len(levels) != 20 {
		t.Fatalf("total %d with %d shown; the seed should give 21 to 40 lines, 20 on page 1", total, len(levels))
	}
	if want := "Newest first: 1–20 of " + itoa(total) + " log entries."; one.text("logs-summary") != want {
		t.Errorf("summary %q, want %q", one.text("logs-summary"), want)
	}
	if one.find("logs-newer").Length() != 0 {
		t.Error("page 1 offers newer entries")
	}
	wantLink(t, one, "logs-older", routes.TaskLogsPageURL(targets.DefaultName, id, "", 2), routes.TaskLogsURL(targets.DefaultName, id, "", 2))

	for name, two := range map[string]*resp{"page": e.get(routes.TaskLogsPageURL(targets.DefaultName, id, "", 2)),
		"fragment": e.get(routes.TaskLogsURL(targets.DefaultName, id, "", 2), htmx...)} {
		wantStatus(t, two, http.StatusOK)
		if got, levels := logsPanel(t, two); got != total || len(levels) != total-20 {
			t.Errorf("%s 2: total %d with %d shown, want %d with %d", name, got, len(levels), total, total-20)
		}
		if !strings.HasPrefix(two.text("logs-summary"), "Newest first: 21–"+itoa(total)+" of ") {
			t.Errorf("%s 2: summary %q", name, two.text("logs-summary"))
		}
		wantLink(t, two, "logs-newer", base, routes.TaskLogsURL(targets.DefaultName, id, "", 1))
		if two.find("logs-older").Length() != 0 {
			t.Errorf("%s 2 offers older entries", name)
		}
		oldest := attr(one.find("log-entry").Last().Find("time"), "datetime")
		if newest := attr(two.find("log-entry").First().Find("time"), "datetime"); newest > oldest {
			t.Errorf("%s 2 starts at %s, after page 1 ends (%s)", name, newest, oldest)
		}
	}
	frag := e.get(routes.TaskLogsURL(targets.DefaultName, id, "", 2), htmx...)
	if frag.doc.Find("title, header, h1").Length() != 0 {
		t.Error("the fragment is a whole page")
	}

	past := e.get(routes.TaskLogsPageURL(targets.DefaultName, id, "", 10000))
	wantStatus(t, past, http.StatusOK)
	if !strings.Contains(past.text("logs-summary"), "past the end") || past.find("log-entry").Length() != 0 {
		t.Errorf("page 10000: %q", past.text("logs-summary"))
	}
	wantLink(t, past, "logs-newer", routes.TaskLogsPageURL(targets.DefaultName, id, "", 9999), routes.TaskLogsURL(targets.DefaultName, id, "", 9999))
}

// TestLogsPanelLevelFilter proves the level filter shows only that level,
// keeps totals consistent, marks the filter in force and starts at page 1.
func TestLogsPanelLevelFilter(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("风控特征库迁移") // FAILED: INFO lines, then ERROR lines
	base := routes.TaskURL(targets.DefaultName, id)
	all, _ := logsPanel(t, e.get(base))
	sum := 0
	for _, level := range []string{"INFO", "ERROR"} {
		for name, r := range map[string]*resp{"page": e.get(routes.TaskLogsPageURL(targets.DefaultName, id, level, 1)),
			"fragment": e.get(routes.TaskLogsURL(targets.DefaultName, id, level, 1), htmx...)} {
			wantStatus(t, r, http.StatusOK)
			total, levels := logsPanel(t, r)
			if total == 0 || len(levels) != total {
				t.Fatalf("%s %s: total %d, %d shown", name, level, total, len(levels))
			}
			for _, l := range levels {
				if l != level {
					t.Errorf("%s %s shows a %s line", name, level, l)
				}
			}
			if attr(r.find("log-level-"+strings.ToLower(level)), "aria-current") != "true" || r.find("logs").Find(`[aria-current]`).Length() != 1 {
				t.Errorf("%s %s: the filter in force is not the one marked", name, level)
			}
			if name == "page" {
				sum += total
			}
		}
	}
	if sum != all {
		t.Errorf("INFO and ERROR make %d lines, all levels %d", sum, all)
	}
	r := e.get(routes.TaskLogsPageURL(targets.DefaultName, id, "ERROR", 3))
	wantLink(t, r, "log-level-all", base, routes.TaskLogsURL(targets.DefaultName, id, "", 1))
	for _, level := range []string{"INFO", "ERROR"} {
		wantLink(t, r, "log-level-"+strings.ToLower(level), routes.TaskLogsPageURL(targets.DefaultName, id, level, 1), routes.TaskLogsURL(targets.DefaultName, id, level, 1))
	}
	wantLink(t, r, "logs-newer", routes.TaskLogsPageURL(targets.DefaultName, id, "ERROR", 2), routes.TaskLogsURL(targets.DefaultName, id, "ERROR", 2))
}

// TestLogsPanelBadQuery proves a bad level or page is a 400 that says what
// is allowed, before any upstream call, on the page and in the fragment.
func TestLogsPanelBadQuery(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("风控特征库迁移")
	page, fragment := routes.TaskURL(targets.DefaultName, id), routes.TaskLogsURL(targets.DefaultName, id, "", 1)
	for _, path := range []string{page + "?log_level=DEBUG", page + "?log_level=error", page + "?log_level=%3Cb%3E",
		page + "?log_page=0", page + "?log_page=10001", page + "?log_page=abc", page + "?log_page=-1",
		page + "?log_page=99999999999999999999", fragment + "?level=WARN", fragment + "?page=0", fragment + "?page=1.5"} {
		for _, hx := range [][]string{nil, htmx} {
			beforeLogs, before := e.sim.Calls(dcssim.OpLogs), e.totalCalls()
			r := e.get(path, hx...)
			wantStatus(t, r, http.StatusBadRequest)
			if b := r.text("banner-error"); !strings.Contains(b, "Invalid log") || !strings.Contains(b, "must be") {
				t.Errorf("%s: banner %q", path, b)
			}
			if hx != nil && r.header.Get("HX-Retarget") != "#client-alerts" {
				t.Errorf("%s: the htmx error is not sent to the alert region", path)
			}
			if e.sim.Calls(dcssim.OpLogs) != beforeLogs || e.totalCalls() != before {
				t.Errorf("%s: the API was called", path)
			}
		}
	}
	before := e.totalCalls()
	r := e.get(routes.TaskLogsURL(targets.DefaultName, id, "ERROR", 2))
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != routes.TaskLogsPageURL(targets.DefaultName, id, "ERROR", 2) || e.totalCalls() != before {
		t.Errorf("a plain GET of the fragment: Location %q, %d calls", loc, e.totalCalls()-before)
	}
}

// TestLogsPanelHostileText proves log lines from the API are shown as text,
// on the page and in the fragment, and read back verbatim.
func TestLogsPanelHostileText(t *testing.T) {
	e := newEnv(t, options{})
	task, _ := e.sim.Task(e.idNamed("风控特征库迁移"))
	task.TaskID, task.ErrorMessage = "0badc0de-0000-4000-8000-000000000002", hostile // the failure becomes an ERROR line
	e.sim.Put(task)
	for name, r := range map[string]*resp{"page": e.get(routes.TaskLogsPageURL(targets.DefaultName, task.TaskID, "ERROR", 1)),
		"fragment": e.get(routes.TaskLogsURL(targets.DefaultName, task.TaskID, "ERROR", 1), htmx...)} {
		wantStatus(t, r, http.StatusOK)
		noMarkup(t, name, r)
		found := false
		r.find("log-message").Each(func(_ int, s *goquery.Selection) { found = found || s.Text() == hostile })
		if !found {
			t.Errorf("%s: no log line reads %q:\n%s", name, hostile, clipBody(r.body))
		}
	}
}

// TestLogsPanelUpstreamFailure proves a failed log read in the fragment
// shows the DCS error inside the panel, with the filter still there.
func TestLogsPanelUpstreamFailure(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("风控特征库迁移")
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		id: {Ops: []dcssim.Op{dcssim.OpLogs}, Status: 500, Code: "DCS.5000", Message: "logs are down"},
	}})
	r := e.get(routes.TaskLogsURL(targets.DefaultName, id, "ERROR", 2), htmx...)
	wantStatus(t, r, http.StatusBadGateway)
	banner := r.find("logs").Find(`[data-testid="banner-error"]`)
	if got := strings.TrimSpace(banner.Find(`[data-testid="error-code"]`).Text()); got != "DCS.5000" {
		t.Fatalf("error code %q in:\n%s", got, clipBody(r.body))
	}
	if r.header.Get("HX-Retarget") != "" || r.find("log-level-all").Length() != 1 || r.find("logs-newer").Length() != 1 {
		t.Error("the panel is not swapped in place with its controls")
	}
	page := e.get(routes.TaskLogsPageURL(targets.DefaultName, id, "ERROR", 1))
	wantStatus(t, page, http.StatusOK)
	if page.find("logs").Find(`[data-testid="banner-error"]`).Length() != 1 || page.text("task-name") == "" {
		t.Error("the page does not show the banner in the panel and the rest around it")
	}
}
