package handlers_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// stopVia sends stops to bad, every other call where it went before.
type stopVia struct {
	dcs.TaskService
	bad dcs.TaskService
}

func (s stopVia) Stop(ctx context.Context, id string) (dcs.StopAnswer, error) {
	return s.bad.Stop(ctx, id)
}

// outcomesOf are the audit outcomes a stop banner of each kind may stand for.
var outcomesOf = map[string][]string{
	"success": {audit.OutcomeAccepted},
	"warning": {audit.OutcomeUnknown},
	"error":   {audit.OutcomeRefused, audit.OutcomeFailed},
}

// wantAudited checks the one stop of id was recorded with an outcome that
// matches the banner kind shown: a fault is never recorded as accepted.
func wantAudited(t *testing.T, e *env, id, kind string) {
	t.Helper()
	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil {
		t.Fatal(err)
	}
	attempts := audit.Pair(recs)
	if len(attempts) != 1 || attempts[0].Outcome == nil {
		t.Fatalf("want one audited attempt with an outcome, got %+v", attempts)
	}
	if got := attempts[0].Outcome.Outcome; !slices.Contains(outcomesOf[kind], got) {
		t.Errorf("audit outcome %q for a %s banner, want one of %v", got, kind, outcomesOf[kind])
	}
}

// wantStopBanner checks b, the stop's banner, is of tc's kind and says what
// happened and what to do; an unknown outcome names the status read again
// (want; "" when it could not be read).
func wantStopBanner(t *testing.T, b *goquery.Selection, tc faultCase, want string) {
	t.Helper()
	if b.Length() != 1 || !b.HasClass("banner-"+tc.stopKind) {
		t.Fatalf("%d stop banners, class %q; want one banner-%s", b.Length(), b.AttrOr("class", ""), tc.stopKind)
	}
	text := strings.TrimSpace(b.Text())
	if tc.stopKind == "success" {
		if !strings.Contains(text, tc.text) {
			t.Errorf("success banner %q does not say %q", text, tc.text)
		}
		return
	}
	wantBanner(t, b, tc)
	if tc.stopKind != "warning" {
		return
	}
	for _, s := range []string{"is unknown", "may or may not have taken effect", "Check the status before trying again"} {
		if !strings.Contains(text, s) {
			t.Errorf("outcome-unknown warning %q does not say %q", text, s)
		}
	}
	reread := "(" + want + ")"
	if want == "" {
		reread = "could not be read either"
	}
	if !strings.Contains(text, reread) {
		t.Errorf("outcome-unknown warning %q does not give the status read again, %q", text, reread)
	}
}

// alerts counts the success, error and warning banners of an answer.
func alerts(r *resp) int {
	return r.find("banner-success").Length() + r.find("banner-error").Length() + r.find("banner-warning").Length()
}

// TestFaultsOnStop proves that, whatever the stop's answer, the htmx stop
// answers the mapped status with a banner of the right kind and the status
// the API gives when read again (TERMINATING only when the API says so, as
// after a malformed 200 it did act on), and a plain form post shows the same
// banner as a flash after its redirect. Nothing is recorded as accepted
// unless the API accepted it, and the stop is never sent twice.
func TestFaultsOnStop(t *testing.T) {
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t, tc, true)
			ids := e.sim.IDsWithStatus(string(dcs.StatusFullMigrating))
			if len(ids) < 2 {
				t.Fatalf("want two %s tasks, have %v", dcs.StatusFullMigrating, ids)
			}
			hxID, plainID := ids[0], ids[1]
			tok := e.token(hxID)
			breakAPI(t, e, tc, []dcssim.Op{dcssim.OpStop}, hxID, plainID)
			shows := e.sim.Calls(dcssim.OpShow)

			r := e.post(routes.TaskStopURL(targets.DefaultName, hxID), stopForm(tok, "fault drill", routes.TaskURL(targets.DefaultName, hxID)), htmx...)
			wantStatus(t, r, tc.stop)
			noUpstreamPage(t, r, true)
			if n := alerts(r); n != 1 {
				t.Errorf("%d result banners, want 1:\n%s", n, clipBody(r.body))
			}
			wantStopBanner(t, r.find("banner-"+tc.stopKind), tc, tc.stopBadge)
			task, _ := e.sim.Task(hxID)
			if got, _ := r.find("task-status").Attr("data-status"); got != tc.stopBadge || task.Status != tc.stopBadge {
				t.Errorf("badge %q, simulator %q; want both %q", got, task.Status, tc.stopBadge)
			}
			rereads := 1 // after any answer but an acceptance, the task is read again
			if tc.stopKind == "success" {
				rereads = 0
			}
			if n := e.sim.Calls(dcssim.OpShow) - shows; n != rereads {
				t.Errorf("%d reads of the task after the stop, want %d", n, rereads)
			}
			sent := 1 // by the simulator's count; a stand-in API takes stops itself
			if tc.upstream != nil {
				sent = 0
			}
			if n := e.sim.Calls(dcssim.OpStop); n != sent {
				t.Errorf("%d stops reached the simulator, want %d", n, sent)
			}
			wantAudited(t, e, hxID, tc.stopKind)

			r = e.post(routes.TaskStopURL(targets.DefaultName, plainID), stopForm(tok, "fault drill", routes.TaskURL(targets.DefaultName, plainID)))
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); loc != routes.TaskURL(targets.DefaultName, plainID) {
				t.Fatalf("Location %q, want the task's page", loc)
			}
			page := e.get(routes.TaskURL(targets.DefaultName, plainID))
			wantStatus(t, page, http.StatusOK)
			noUpstreamPage(t, page, false)
			if n := alerts(page); n != 1 {
				t.Errorf("%d banners after the redirect, want the stop's alone:\n%s", n, clipBody(page.body))
			}
			wantStopBanner(t, page.find("banner-"+tc.stopKind), tc, tc.stopBadge)
			task, _ = e.sim.Task(plainID)
			if got, _ := page.find("task-status").Attr("data-status"); got != tc.stopBadge || task.Status != tc.stopBadge {
				t.Errorf("no-JS: badge %q, simulator %q; want both %q", got, task.Status, tc.stopBadge)
			}
			wantAudited(t, e, plainID, tc.stopKind)
		})
	}
}

// TestStopDuringOutage proves a stop while every call fails (nothing
// listening, a redirect, an empty 204) is never taken for success: with
// htmx the banner says the status could not be read and shows no status
// and no Stop; without JavaScript the page redirected to fails too but
// still carries the stop's banner alongside its own error.
func TestStopDuringOutage(t *testing.T) {
	for _, tc := range faultCases() {
		if tc.upstream == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t, tc, false)
			id := e.idWith(dcs.StatusFullMigrating)
			list := e.get("/")
			wantStatus(t, list, tc.page)
			tok := metaToken(t, list)

			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "outage drill", routes.TaskURL(targets.DefaultName, id)), htmx...)
			wantStatus(t, r, tc.stop)
			noUpstreamPage(t, r, true)
			if n := alerts(r); n != 1 {
				t.Errorf("%d result banners, want 1:\n%s", n, clipBody(r.body))
			}
			wantStopBanner(t, r.find("banner-"+tc.stopKind), tc, "")
			if got, _ := r.find("task-status").Attr("data-status"); got != "" {
				t.Errorf("badge %q for a task that could not be read", got)
			}
			if offersStop(r) {
				t.Error("Stop offered again for a task that could not be read")
			}
			wantAudited(t, e, id, tc.stopKind)

			r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "outage drill", routes.TaskURL(targets.DefaultName, id)))
			wantStatus(t, r, http.StatusSeeOther)
			page := e.get(r.header.Get("Location"))
			wantStatus(t, page, tc.page)
			noUpstreamPage(t, page, false)
			if page.find("banner-success").Length() != 0 || page.find("task-status").Length() != 0 {
				t.Errorf("success banner or status badge on the failed page:\n%s", clipBody(page.body))
			}
			stop := page.doc.Find(".banner").FilterFunction(func(_ int, b *goquery.Selection) bool {
				return strings.Contains(strings.ToLower(b.Find(".banner-title").Text()), "stop")
			})
			wantStopBanner(t, stop, tc, "")
			if n := alerts(page); n != 2 {
				t.Errorf("%d banners, want the stop's and the page's own error", n)
			}
		})
	}
}
