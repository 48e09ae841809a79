package handlers_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// stopButton is the Stop control's submit button, if shown.
// stopButton is the Stop that opens a task's confirmation: a button on the
// task's page, a link in a list row (app.js opens both as a dialog).
func stopButton(s *goquery.Selection) *goquery.Selection {
	return s.Find("form.stop-open button, a.btn-row").FilterFunction(func(_ int, b *goquery.Selection) bool {
		return strings.TrimSpace(b.Text()) == "Stop"
	})
}

// TestStopOfferedOnlyWhenStoppable proves the Stop button appears, on the
// detail page and in the list row, exactly for stoppable statuses, and its
// dialog offers the confirmation form exactly then.
func TestStopOfferedOnlyWhenStoppable(t *testing.T) {
	e := newEnv(t, options{})
	list := e.get("/?page=1")
	list2 := e.get("/?page=2")
	for _, st := range dcs.KnownStatuses() {
		t.Run(string(st), func(t *testing.T) {
			id := e.idWith(st)
			r := e.get(routes.TaskURL(targets.DefaultName, id))
			wantStatus(t, r, http.StatusOK)
			state := r.find("task-state")
			if got, _ := state.Find(`[data-testid="task-status"]`).Attr("data-status"); got != string(st) {
				t.Errorf("badge data-status %q, want %q", got, st)
			}
			shown := stopButton(state).Length() == 1
			if shown != st.Stoppable() {
				t.Errorf("detail: Stop shown = %v, want %v", shown, st.Stoppable())
			}
			// The button's dialog, loaded by htmx, offers the confirmation
			// form only for a stoppable task.
			dialog := e.get(routes.TaskStopDialogURL(targets.DefaultName, id, "/"), htmx...)
			wantStatus(t, dialog, http.StatusOK)
			if dialog.find("stop-dialog").Length() != 1 {
				t.Errorf("no stop-dialog fragment:\n%s", clipBody(dialog.body))
			}
			if form := dialog.doc.Find("form.stop-form").Length() == 1; form != st.Stoppable() {
				t.Errorf("dialog: Stop task form = %v, want %v", form, st.Stoppable())
			}
			row := list.row(id)
			if row.Length() == 0 {
				row = list2.row(id)
			}
			if inRow := stopButton(row).Length() == 1; inRow != st.Stoppable() {
				t.Errorf("list row: Stop shown = %v, want %v", inRow, st.Stoppable())
			}
		})
	}
}

// TestUnknownStatusShownRaw proves a status the dashboard does not know is
// shown as the API sent it, and is never offered a Stop.
func TestUnknownStatusShownRaw(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	if err := e.sim.SetStatus(id, "WEIRD_NEW_STATE"); err != nil {
		t.Fatal(err)
	}
	r := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)
	badge := r.find("task-status")
	if st, _ := badge.Attr("data-status"); st != "WEIRD_NEW_STATE" || strings.TrimSpace(badge.Text()) != "WEIRD_NEW_STATE" {
		t.Errorf("badge %q data-status %q", badge.Text(), st)
	}
	if r.find("stop-dialog").Length() != 0 || stopButton(r.doc.Selection).Length() != 0 {
		t.Error("Stop offered for an unknown status")
	}
}

// TestStopWithHTMX proves an htmx stop answers the task-state fragment with
// the new status and a success banner naming the user and reason, after one
// upstream call; the status line then polls until the stop settles.
func TestStopWithHTMX(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	task, _ := e.sim.Task(id)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "maintenance window 42", routes.TaskURL(targets.DefaultName, id)), htmx...)
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(strings.ToLower(r.body), "<html") {
		t.Error("the htmx answer is a full page, not a fragment")
	}
	state := r.find("task-state")
	if tid, _ := state.Attr("data-task-id"); state.Length() != 1 || tid != id {
		t.Fatalf("no task-state fragment for %s:\n%s", id, clipBody(r.body))
	}
	if st, _ := r.find("task-status").Attr("data-status"); st != "TERMINATING" {
		t.Errorf("badge %q, want TERMINATING", st)
	}
	banner := r.text("banner-success")
	for _, want := range []string{"local", "maintenance window 42", task.TaskName} {
		if !strings.Contains(banner, want) {
			t.Errorf("success banner %q does not name %q", banner, want)
		}
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops, want 1", n)
	}

	// The settling status reads itself again until the stop has finished.
	line := r.doc.Find(".status-line")
	poll, _ := line.Attr("hx-get")
	if !strings.HasPrefix(poll, routes.TaskStatusURL(targets.DefaultName, id, "")) {
		t.Fatalf("status line does not poll: hx-get %q", poll)
	}
	if trig, _ := line.Attr("hx-trigger"); trig != "every 1000ms, poll-now" {
		t.Errorf("hx-trigger %q", trig)
	}
	s := e.get(poll, htmx...)
	wantStatus(t, s, http.StatusOK)
	if st, _ := s.find("task-status").Attr("data-status"); st != "TERMINATING" {
		t.Errorf("polled status %q before the delay", st)
	}
	e.clock.Advance(stopDelay)
	s = e.get(poll, htmx...)
	if st, _ := s.find("task-status").Attr("data-status"); st != "TERMINATED" {
		t.Errorf("polled status %q after the delay, want TERMINATED", st)
	}
	if _, polling := s.doc.Find(".status-line").Attr("hx-get"); polling {
		t.Error("a finished status still polls")
	}
	if plain := e.get(poll); plain.status != http.StatusSeeOther || plain.header.Get("Location") != routes.TaskURL(targets.DefaultName, id) {
		t.Errorf("status without htmx: %d to %q, want 303 to the task", plain.status, plain.header.Get("Location"))
	}
}

// TestStopRepeatedRightAway proves a second stop moments after an accepted
// one makes no upstream call and says the stop was already requested.
func TestStopRepeatedRightAway(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...), http.StatusOK)
	again := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...)
	wantStatus(t, again, http.StatusOK)
	if again.find("banner-info").Length() != 1 || again.find("banner-error").Length() != 0 {
		t.Errorf("repeat banner:\n%s", clipBody(again.body))
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops, want 1", n)
	}

	// After the window, a new attempt reaches the API again, which refuses
	// it: the task is stopping or stopped by then.
	e.clock.Advance(11 * time.Second)
	late := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...)
	wantStatus(t, late, http.StatusConflict)
	if n := e.sim.Calls(dcssim.OpStop); n != 2 {
		t.Errorf("%d upstream stops after the window, want 2", n)
	}
}

// TestStopRefused proves a stop the API refuses (DCS.4957, the task is
// already stopping or finished) answers 409 with the code, message and
// request id, and shows the task's real status.
func TestStopRefused(t *testing.T) {
	for _, st := range []dcs.Status{dcs.StatusTerminating, dcs.StatusSuccess, dcs.StatusTerminated} {
		t.Run(string(st), func(t *testing.T) {
			e := newEnv(t, options{})
			id := e.idWith(st)
			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "again", routes.TaskURL(targets.DefaultName, id)), htmx...)
			wantStatus(t, r, http.StatusConflict)
			if r.find("banner-error").Length() != 1 {
				t.Fatalf("no error banner:\n%s", clipBody(r.body))
			}
			if r.text("error-code") != "DCS.4957" || r.text("error-message") == "" || r.text("error-request-id") == "" {
				t.Errorf("code %q message %q request id %q", r.text("error-code"), r.text("error-message"), r.text("error-request-id"))
			}
			if got, _ := r.find("task-status").Attr("data-status"); got != string(st) {
				t.Errorf("badge %q, want the re-read %q", got, st)
			}
			if n := e.sim.Calls(dcssim.OpStop); n != 1 {
				t.Errorf("%d upstream stops, want 1", n)
			}
		})
	}
}

// TestStopOutcomeUnknown proves that when the stop's answer does not say
// what happened (HTML 500 page, timeout, 2xx with a broken body) the
// dashboard warns that the outcome is unknown, shows the status read again
// afterwards, leaks no upstream HTML, and never sends the stop twice.
func TestStopOutcomeUnknown(t *testing.T) {
	tests := []struct {
		name       string
		timeout    time.Duration
		fault      dcssim.TaskFault
		wantHTTP   int
		wantStatus string // badge after the re-read
	}{
		{"HTML 500", 0, dcssim.TaskFault{HTML: true, Status: 500}, http.StatusBadGateway, "FULLMIGRATING"},
		{"timeout", 300 * time.Millisecond, dcssim.TaskFault{Delay: 1500 * time.Millisecond}, http.StatusGatewayTimeout, "FULLMIGRATING"},
		{"malformed 200 (stop took effect)", 0, dcssim.TaskFault{Malformed: true}, http.StatusBadGateway, "TERMINATING"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{timeout: tc.timeout})
			id := e.idWith(dcs.StatusFullMigrating)
			tok := e.token(id)
			tc.fault.Ops = []dcssim.Op{dcssim.OpStop}
			e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: tc.fault}})
			shows := e.sim.Calls(dcssim.OpShow)

			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "unclear", routes.TaskURL(targets.DefaultName, id)), htmx...)
			wantStatus(t, r, tc.wantHTTP)
			if strings.Contains(strings.ToLower(r.body), "<html") || strings.Contains(r.body, "nginx") {
				t.Errorf("upstream HTML reached the answer:\n%s", clipBody(r.body))
			}
			warn := r.find("banner-warning")
			if warn.Length() != 1 || !strings.Contains(warn.Text(), "unknown") {
				t.Fatalf("no outcome-unknown warning:\n%s", clipBody(r.body))
			}
			if r.find("banner-success").Length() != 0 || r.find("banner-error").Length() != 0 {
				t.Error("an unknown outcome is reported as success or refusal")
			}
			if got, _ := r.find("task-status").Attr("data-status"); got != tc.wantStatus {
				t.Errorf("badge %q, want the re-read %q", got, tc.wantStatus)
			}
			if !strings.Contains(warn.Text(), "("+tc.wantStatus+")") {
				t.Errorf("warning does not give the re-read status: %q", warn.Text())
			}
			if n := e.sim.Calls(dcssim.OpShow) - shows; n != 1 {
				t.Errorf("%d re-reads of the task, want 1", n)
			}
			if n := e.sim.Calls(dcssim.OpStop); n != 1 {
				t.Errorf("%d upstream stops, want exactly 1 (never retried)", n)
			}
		})
	}
}

// TestStopConcurrent proves two simultaneous stops of one task while the API
// is slow make exactly one upstream call, and both answers agree on the
// status; the one whose request joined the other's is told so, and audited
// as joined to the attempt that made the call.
func TestStopConcurrent(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		id: {Ops: []dcssim.Op{dcssim.OpStop}, Delay: 500 * time.Millisecond},
	}})
	var wg sync.WaitGroup
	answers := make([]*resp, 2)
	for i := range answers {
		wg.Go(func() {
			answers[i] = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "double click", "/"), htmx...)
		})
	}
	wg.Wait()
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops, want 1", n)
	}
	banners := map[string]int{}
	for i, r := range answers {
		wantStatus(t, r, http.StatusOK)
		if st, _ := r.find("task-status").Attr("data-status"); st != "TERMINATING" {
			t.Errorf("answer %d: badge %q", i, st)
		}
		banners["success"] += r.find("banner-success").Length()
		if b := r.find("banner-info"); b.Length() == 1 && strings.Contains(b.Text(), "already being stopped by local") {
			banners["joined"]++
		}
	}
	if banners["success"] != 1 || banners["joined"] != 1 {
		t.Errorf("banners %v, want one success and one joined", banners)
	}
	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]*audit.Record{}
	for _, a := range audit.Pair(recs) {
		if a.Outcome != nil {
			outcomes[a.Outcome.Outcome] = a.Outcome
		}
	}
	caller, joined := outcomes[audit.OutcomeAccepted], outcomes[audit.OutcomeJoined]
	if caller == nil || joined == nil || joined.JoinedAttemptID != caller.AttemptID || joined.JoinedUser != "local" {
		t.Errorf("audited outcomes %+v: want one accepted and one joined to it", outcomes)
	}
}

// wantRefusedWithFlash checks a plain post the dashboard refused: a 303 to
// next, where the next page shows the refusal as an error banner saying want.
func wantRefusedWithFlash(t *testing.T, e *env, r *resp, next string, who []string, want string) {
	t.Helper()
	wantStatus(t, r, http.StatusSeeOther)
	if got := r.header.Get("Location"); got != next {
		t.Fatalf("refused post goes to %q, want %q", got, next)
	}
	page := e.get(next, who...)
	if b := page.find("banner-error"); b.Length() != 1 || !strings.Contains(b.Text(), want) {
		t.Errorf("next page's banner %q does not say %q", b.Text(), want)
	}
}

// wantRefusedDialog checks an htmx post the dashboard refused: the stop
// dialog comes back into its slot with status and an error banner saying
// want, offering the form again only when form is set.
func wantRefusedDialog(t *testing.T, r *resp, status int, want string, form bool) {
	t.Helper()
	wantStatus(t, r, status)
	if r.header.Get("HX-Retarget") != "#stop-dialog-slot" || isFullPage(r) {
		t.Fatalf("refusal not retargeted to the dialog slot (HX-Retarget %q):\n%s", r.header.Get("HX-Retarget"), clipBody(r.body))
	}
	dialog := r.doc.Find("dialog")
	if b := dialog.Find(".banner-error, .banner-warning"); b.Length() != 1 || !strings.Contains(b.Text(), want) {
		t.Errorf("dialog banner %q does not say %q", b.Text(), want)
	}
	if got := dialog.Find("form.stop-form").Length() == 1; got != form {
		t.Errorf("dialog offers the form again = %v, want %v", got, form)
	}
}
