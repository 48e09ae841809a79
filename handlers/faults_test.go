package handlers_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// faultCase is one way the DCS API can misbehave, and what the dashboard
// must make of it. A case breaks the API through a stand-in server
// (upstream), a simulator fault on the task (task), or a status the
// dashboard does not know (status).
type faultCase struct {
	name     string
	timeout  time.Duration             // the DCS client's; 0 is newEnv's default
	upstream func(t *testing.T) string // a stand-in API's endpoint; nil means the simulator
	task     *dcssim.TaskFault         // injected on the task (each test sets Ops)
	status   string                    // a status the simulator moves the task to

	page int // the dashboard's status for every page that reads the task
	// The error banner (of a page, or of the stop when the pages are fine):
	// a phrase of its text, the upstream HTTP status and DCS code it shows,
	// and whether it gives the API's request id.
	text, upStatus, code string
	reqID                bool

	stop      int    // the htmx stop's status
	stopKind  string // the stop's banner: success, warning (outcome unknown) or error
	stopBadge string // the status shown after the stop; the simulator must agree
}

func faultCases() []faultCase {
	// Above the few hundred ms a plain call can take on a loaded machine
	// under -race, so only the injected delay ever times out.
	const short = 500 * time.Millisecond
	const full, stopping = "FULLMIGRATING", "TERMINATING"
	return []faultCase{
		{name: "connection refused", upstream: closedPort, page: 502, text: "could not be reached",
			stop: 502, stopKind: "warning", stopBadge: full},
		{name: "timeout", timeout: short, task: &dcssim.TaskFault{Delay: 2 * time.Second},
			page: 504, text: "did not answer in time", stop: 504, stopKind: "warning", stopBadge: full},
		// Well inside the timeout, so that a loaded machine cannot make it one.
		{name: "slow but in time", timeout: time.Second, task: &dcssim.TaskFault{Delay: 150 * time.Millisecond},
			page: 200, text: "accepted the stop", stop: 200, stopKind: "success", stopBadge: stopping},
		{name: "HTML 503", task: &dcssim.TaskFault{HTML: true, Status: 503}, page: 502,
			text: "give Huawei Cloud support the request id", upStatus: "503", reqID: true,
			stop: 502, stopKind: "warning", stopBadge: full},
		{name: "JSON 500 with a DCS code", task: &dcssim.TaskFault{Status: 500, Code: "DCS.5000"}, page: 502,
			text: "give Huawei Cloud support the request id", upStatus: "500", code: "DCS.5000", reqID: true,
			stop: 502, stopKind: "warning", stopBadge: full},
		// The API acted on the malformed stop: the re-read shows TERMINATING.
		{name: "malformed 200", task: &dcssim.TaskFault{Malformed: true}, page: 502,
			text: "not a valid response", upStatus: "200", reqID: true,
			stop: 502, stopKind: "warning", stopBadge: stopping},
		// A redirect is never followed: something between the dashboard
		// and DCS answered, so a stop's outcome is unknown.
		{name: "302 redirect", upstream: redirecting, page: 502, text: "answered with a redirect", upStatus: "302", reqID: true,
			stop: 502, stopKind: "warning", stopBadge: full},
		{name: "204 no content", upstream: noContent, page: 502, text: "not a valid response",
			upStatus: "204", reqID: true, stop: 502, stopKind: "warning", stopBadge: full},
		// The pages are fine; the details are those of the API's refusal of a stop.
		{name: "unknown status", status: "SOMETHING_NEW", page: 200, text: "does not allow a stop",
			upStatus: "400", code: "DCS.4957", reqID: true, stop: 409, stopKind: "error", stopBadge: "SOMETHING_NEW"},
	}
}

// closedPort is an endpoint nothing listens on: every call is refused.
// Port 1 on loopback (tcpmux, privileged, served by nothing): a port
// found free and closed again could be taken by another test's listener
// before the call, which then answers instead of refusing.
func closedPort(t *testing.T) string {
	c, err := net.DialTimeout("tcp", "127.0.0.1:1", time.Second)
	if err == nil {
		_ = c.Close()
		t.Skip("something listens on 127.0.0.1:1; no port is sure to refuse")
	}
	return "http://127.0.0.1:1"
}

// redirecting answers every call 302 to another loopback server with an
// HTML sign-in page; the test fails if the redirect is ever followed.
func redirecting(t *testing.T) string {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	t.Cleanup(func() {
		target.Close()
		if n := followed.Load(); n != 0 {
			t.Errorf("the redirect target was requested %d times", n)
		}
	})
	return fakeAPI(t, func(w http.ResponseWriter) {
		w.Header().Set("Location", target.URL+"/upstream-sso-login")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusFound)
		_, _ = w.Write([]byte("<html><body><h1>upstream-page: sign in</h1></body></html>"))
	})
}

// noContent answers every call 204 with no body.
func noContent(t *testing.T) string {
	return fakeAPI(t, func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) })
}

// fakeAPI serves answer, with a request id, to every call.
func fakeAPI(t *testing.T, answer func(http.ResponseWriter)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "fake-api-request-1")
		answer(w)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// newFaultEnv is a dashboard for tc. A stand-in API takes every call, or
// only stops with stopOnly (so the task can still be read back).
func newFaultEnv(t *testing.T, tc faultCase, stopOnly bool) *env {
	t.Helper()
	opt := options{timeout: tc.timeout}
	if tc.upstream != nil {
		endpoint := tc.upstream(t)
		opt.edit = func(t *testing.T, _ string, cfg *handlers.Config) {
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			bad, err := dcs.NewClient(dcs.Config{Endpoint: endpoint, ProjectID: testProject,
				AccessKey: testAK, SecretKey: testSK, Timeout: timeout})
			if err != nil {
				t.Fatalf("dcs.NewClient(%s): %v", endpoint, err)
			}
			if stopOnly {
				cfg.Targets = targets.Single(stopVia{TaskService: tasksOf(cfg), bad: bad})
			} else {
				cfg.Targets = targets.Single(bad)
			}
		}
	}
	return newEnv(t, opt)
}

// breakAPI applies tc's simulator fault, limited to ops, or its status to ids.
func breakAPI(t *testing.T, e *env, tc faultCase, ops []dcssim.Op, ids ...string) {
	t.Helper()
	faults := dcssim.Faults{Tasks: map[string]dcssim.TaskFault{}}
	for _, id := range ids {
		if tc.task != nil {
			tf := *tc.task
			tf.Ops = ops
			faults.Tasks[id] = tf
		}
		if tc.status != "" {
			if err := e.sim.SetStatus(id, tc.status); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.sim.SetFaults(faults)
}

// noUpstreamPage fails if an upstream page, its markup (escaped or not) or
// the redirect's target reached the answer: a full page has one <html>, a
// fragment none.
func noUpstreamPage(t *testing.T, r *resp, fragment bool) {
	t.Helper()
	low, most := strings.ToLower(r.body), 1
	if fragment {
		most = 0
	}
	for _, tag := range []string{"<html", "<body"} {
		if n := strings.Count(low, tag); n > most {
			t.Errorf("%d %s in the answer, want at most %d:\n%s", n, tag, most, clipBody(r.body))
		}
	}
	for _, s := range []string{"nginx", "<center", "&lt;html", "&lt;body", "&lt;center", "upstream-"} {
		if strings.Contains(low, s) {
			t.Errorf("upstream content %q reached the answer:\n%s", s, clipBody(r.body))
		}
	}
}

// wantBanner checks a banner tells what to do next and gives tc's details.
func wantBanner(t *testing.T, b *goquery.Selection, tc faultCase) {
	t.Helper()
	if b.Length() != 1 {
		t.Fatalf("%d banners, want 1", b.Length())
	}
	text := strings.TrimSpace(b.Find(".banner-text").Text())
	if text == "" || !strings.Contains(text, tc.text) {
		t.Errorf("banner text %q, want one containing %q", text, tc.text)
	}
	detail := func(id string) string { return strings.TrimSpace(b.Find(`[data-testid="` + id + `"]`).Text()) }
	if got := detail("error-http-status"); got != tc.upStatus {
		t.Errorf("banner's upstream HTTP status %q, want %q", got, tc.upStatus)
	}
	if got := detail("error-code"); got != tc.code {
		t.Errorf("banner's DCS code %q, want %q", got, tc.code)
	}
	if got := detail("error-request-id"); (got != "") != tc.reqID {
		t.Errorf("banner's request id %q, want one: %v", got, tc.reqID)
	}
}

// wantFaultPage checks a page or fragment that reads the task while the API
// misbehaves: the mapped status and an error banner, or, when the API is
// fine, no alert; never a success banner or a badge the API did not send.
func wantFaultPage(t *testing.T, e *env, r *resp, tc faultCase, id string, fragment bool) {
	t.Helper()
	wantStatus(t, r, tc.page)
	noUpstreamPage(t, r, fragment)
	if r.find("banner-success").Length() != 0 {
		t.Errorf("a success banner:\n%s", clipBody(r.body))
	}
	if tc.page != http.StatusOK {
		wantBanner(t, r.find("banner-error"), tc)
		if n := r.find("task-status").Length(); n != 0 {
			t.Errorf("%d status badges although the task could not be read", n)
		}
		return
	}
	if n := r.find("banner-error").Length() + r.find("banner-warning").Length(); n != 0 {
		t.Errorf("%d alerts although the API answered:\n%s", n, clipBody(r.body))
	}
	task, _ := e.sim.Task(id)
	badges := rowBadge(r.row(id))
	if fragment || r.rows().Length() == 0 {
		badges = r.doc.Find(".badge[data-status]")
	}
	if r.find("stop-dialog").Length() != 0 {
		return // the dialog shows no badge
	}
	if got, _ := badges.Attr("data-status"); badges.Length() != 1 || got != task.Status {
		t.Errorf("%d badges, data-status %q; the API says %q", badges.Length(), got, task.Status)
	}
	if strings.TrimSpace(badges.Text()) != dcs.Status(task.Status).Label() {
		t.Errorf("badge %q, want %q", badges.Text(), dcs.Status(task.Status).Label())
	}
}

// TestFaultsOnPages proves every page that reads a task (list, detail,
// confirmation page, htmx dialog, status poll) answers an API fault with the
// mapped status and an error banner saying what to do, with the API's code
// and request id where it sent them and none of its HTML, and that a slow
// answer or an unknown status still gives a normal page.
func TestFaultsOnPages(t *testing.T) {
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t, tc, false)
			id := e.idWith(dcs.StatusFullMigrating)
			breakAPI(t, e, tc, []dcssim.Op{dcssim.OpList, dcssim.OpShow, dcssim.OpStats, dcssim.OpLogs}, id)
			fine := tc.page == http.StatusOK

			list := e.get("/")
			wantFaultPage(t, e, list, tc, id, false)
			if fine == (list.rows().Length() == 0) {
				t.Errorf("%d rows, want rows exactly when the list could be read", list.rows().Length())
			}
			detail := e.get(routes.TaskURL(targets.DefaultName, id))
			wantFaultPage(t, e, detail, tc, id, false)
			confirm := e.get(routes.TaskStopURL(targets.DefaultName, id))
			wantFaultPage(t, e, confirm, tc, id, false)
			task, _ := e.sim.Task(id)
			for name, r := range map[string]*resp{"list row": list, "detail": detail, "confirmation": confirm} {
				row := r.row(id)
				if offered := stopButton(row).Length()+row.Find("form.stop-form").Length() > 0; offered &&
					!dcs.Status(task.Status).Stoppable() {
					t.Errorf("%s: Stop offered for %q", name, task.Status)
				}
			}

			dialog := e.get(routes.TaskStopDialogURL(targets.DefaultName, id, "/"), htmx...)
			wantFaultPage(t, e, dialog, tc, id, true)
			if !fine && dialog.header.Get("HX-Retarget") != "#client-alerts" {
				t.Errorf("dialog's error goes to %q, want #client-alerts", dialog.header.Get("HX-Retarget"))
			}

			// A failed poll swaps nothing (204) and keeps the badge shown.
			poll := e.get(routes.TaskStatusURL(targets.DefaultName, id, ""), htmx...)
			if fine {
				wantFaultPage(t, e, poll, tc, id, true)
			} else if poll.status != http.StatusNoContent || poll.body != "" {
				t.Errorf("failed poll: %d %q, want 204 and nothing", poll.status, clipBody(poll.body))
			}
			if plain := e.get(routes.TaskStatusURL(targets.DefaultName, id, "")); !fine {
				wantFaultPage(t, e, plain, tc, id, false)
			} else if plain.status != http.StatusSeeOther {
				t.Errorf("status page without htmx: %d, want 303", plain.status)
			}
		})
	}
}
