package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// outcomeOf is the one audited attempt of task id, with its outcome.
func outcomeOf(t *testing.T, e *env, id string) *audit.Record {
	t.Helper()
	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil {
		t.Fatal(err)
	}
	attempts := audit.Pair(recs)
	if len(attempts) != 1 || attempts[0].Outcome == nil {
		t.Fatalf("task %s: want one audited attempt with an outcome, got %+v", id, attempts)
	}
	return attempts[0].Outcome
}

// TestAcceptedStopsRecordTheRequestID proves an accepted stop's outcome
// record carries the X-Request-Id and HTTP status of the call that
// accepted it, single or batch: that id is what support asks for.
func TestAcceptedStopsRecordTheRequestID(t *testing.T) {
	e := newEnv(t, options{})
	single := e.idWith(dcs.StatusFullMigrating)
	r := e.post(routes.TaskStopURL(targets.DefaultName, single), stopForm(e.token(single), "", "/"), htmx...)
	wantStatus(t, r, http.StatusOK)
	out := outcomeOf(t, e, single)
	if out.Outcome != audit.OutcomeAccepted || out.RequestID == "" || out.HTTPStatus != http.StatusOK {
		t.Errorf("single stop's outcome = %+v, want accepted with the request id and HTTP 200", out)
	}
	if got := r.find("banner-success").Text(); !strings.Contains(got, out.RequestID) {
		t.Errorf("success banner %q does not show the request id %s", got, out.RequestID)
	}

	a, b := e.idWith(dcs.StatusIncrMigrating), e.idWith(dcs.StatusMigrating)
	r = e.post(routes.BatchStopURL(), batchForm(e.token(a), "", a, b), htmx...)
	wantStatus(t, r, http.StatusOK)
	ra, rb := outcomeOf(t, e, a), outcomeOf(t, e, b)
	for _, out := range []*audit.Record{ra, rb} {
		if out.Outcome != audit.OutcomeAccepted || out.RequestID == "" || out.HTTPStatus != http.StatusOK {
			t.Errorf("batch outcome = %+v, want accepted with the batch call's request id and HTTP 200", out)
		}
	}
	if ra.RequestID != rb.RequestID {
		t.Errorf("one batch call, two request ids: %s and %s", ra.RequestID, rb.RequestID)
	}
	if got := r.find("batch-request-id").First().Text(); got != ra.RequestID {
		t.Errorf("result row shows request id %q, want %q", got, ra.RequestID)
	}
}

// TestBatchTaskWithoutResultIsUnknown proves a task the batch answer leaves
// out is audited and shown as unknown, read again, never as refused: the
// API may have stopped it (the simulator's omit fault does).
func TestBatchTaskWithoutResultIsUnknown(t *testing.T) {
	e := newEnv(t, options{})
	a, b := e.idWith(dcs.StatusIncrMigrating), e.idWith(dcs.StatusFullMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{b: {Omit: true, Ops: []dcssim.Op{dcssim.OpBatchStop}}}})
	r := e.post(routes.BatchStopURL(), batchForm(e.token(a), "", a, b), htmx...)
	wantStatus(t, r, http.StatusOK)
	row := r.doc.Find(`[data-testid="batch-result-row"][data-task-id="` + b + `"]`)
	if o, _ := row.Attr("data-outcome"); o != audit.OutcomeUnknown {
		t.Errorf("row outcome %q, want unknown", o)
	}
	if got := row.Find(`[data-testid="batch-outcome"]`).Text(); got != "no answer: the task was read again" {
		t.Errorf("row says %q", got)
	}
	if st, _ := row.Find(`[data-testid="task-status"]`).Attr("data-status"); st != string(dcs.StatusTerminating) {
		t.Errorf("row shows status %q, want the status read again (TERMINATING)", st)
	}
	if out := outcomeOf(t, e, b); out.Outcome != audit.OutcomeUnknown || out.RequestID == "" {
		t.Errorf("audited outcome = %+v, want unknown with the batch call's request id", out)
	}
	if out := outcomeOf(t, e, a); out.Outcome != audit.OutcomeAccepted {
		t.Errorf("the answered task: %+v", out)
	}

	// Without JavaScript the summary says the same.
	c := e.idWith(dcs.StatusMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{c: {Omit: true, Ops: []dcssim.Op{dcssim.OpBatchStop}}}})
	wantStatus(t, e.post(routes.BatchStopURL(), batchForm(e.token(c), "", c)), http.StatusSeeOther)
	if b := e.get("/?page=1").find("banner-warning").Text(); !strings.Contains(b, "no answer: the task was read again") {
		t.Errorf("summary %q does not tell the unknown outcome", b)
	}
}

// TestRefusedStopsLeaveTheQuota proves only an attempt that passes the
// checks uses up the person's stop quota: with one stop a minute, an
// over-long reason, a forbidden and a read-only attempt leave the one stop.
func TestRefusedStopsLeaveTheQuota(t *testing.T) {
	oneAMinute := func(_ *testing.T, _ string, c *handlers.Config) { c.StopsPerMinute = 1 }
	t.Run("over-long reason", func(t *testing.T) {
		e := newEnv(t, options{edit: oneAMinute})
		id := e.idWith(dcs.StatusFullMigrating)
		tok := e.token(id)
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, strings.Repeat("x", 501), "/"), htmx...), http.StatusBadRequest)
		wantStatus(t, e.post(routes.BatchStopURL(), batchForm(tok, strings.Repeat("x", 501), id), htmx...), http.StatusBadRequest)
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "fits", "/"), htmx...), http.StatusOK)
	})
	t.Run("bad id", func(t *testing.T) {
		e := newEnv(t, options{edit: oneAMinute})
		id := e.idWith(dcs.StatusFullMigrating)
		tok := e.token(id)
		wantStatus(t, e.post(routes.BatchStopURL(), batchForm(tok, "", "bad$id"), htmx...), http.StatusBadRequest)
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...), http.StatusOK)
	})
	t.Run("forbidden", func(t *testing.T) {
		e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32", edit: oneAMinute})
		id := e.idWith(dcs.StatusFullMigrating)
		// The same user, first with only the viewer group, then as operator.
		asViewer := []string{"X-Forwarded-User", "u-olga", "X-Forwarded-Groups", "dcs-viewers"}
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.tokenAs(asViewer), "", "/"), with(asViewer, htmx...)...), http.StatusForbidden)
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.tokenAs(operator), "", "/"), with(operator, htmx...)...), http.StatusOK)
	})
	t.Run("read-only", func(t *testing.T) {
		// Read-only refuses before the limiter is asked: with one stop a
		// minute, a second and third attempt are still refused as
		// read-only (403), never as too many (429).
		e := newEnv(t, options{edit: func(t *testing.T, dir string, c *handlers.Config) {
			oneAMinute(t, dir, c)
			c.ReadOnly = true
		}})
		id := e.idWith(dcs.StatusFullMigrating)
		tok := e.tokenAs(nil)
		for range 3 {
			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...)
			wantRefusedDialog(t, r, http.StatusForbidden, "read-only", false)
		}
		if n := e.sim.Calls(dcssim.OpStop); n != 0 {
			t.Fatalf("%d stops sent by a read-only dashboard", n)
		}
	})
}

// TestSingleAndBatchRefuseAlike proves the single and batch paths refuse
// the same bad inputs with the same message, rendered by the same rule.
func TestSingleAndBatchRefuseAlike(t *testing.T) {
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) { c.StopsPerMinute = 1 }})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	long := strings.Repeat("x", 501)
	bannerOf := func(r *resp) string {
		t.Helper()
		if r.header.Get("HX-Retarget") != "#stop-dialog-slot" {
			t.Fatalf("refusal not shown in the dialog:\n%s", clipBody(r.body))
		}
		b := r.doc.Find("dialog .banner")
		ref := b.Find(`[data-testid="dashboard-request-id"]`).Closest("dd")
		ref.Prev().Remove() // one per request
		ref.Remove()
		return strings.TrimSpace(b.Text())
	}
	type pair struct{ single, batch *resp }
	cases := map[string]pair{
		"reason too long": {
			e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, long, "/"), htmx...),
			e.post(routes.BatchStopURL(), batchForm(tok, long, id), htmx...)},
		"invalid id": {
			e.post(routes.TaskStopURL(targets.DefaultName, "bad$id"), stopForm(tok, "", "/"), htmx...),
			e.post(routes.BatchStopURL(), batchForm(tok, "", "bad$id"), htmx...)},
	}
	// Rate limited: the one stop of the minute is used, then both refuse.
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", "/"), htmx...), http.StatusOK)
	other := e.idWith(dcs.StatusIncrMigrating)
	cases["rate limited"] = pair{
		e.post(routes.TaskStopURL(targets.DefaultName, other), stopForm(tok, "", "/"), htmx...),
		e.post(routes.BatchStopURL(), batchForm(tok, "", other), htmx...)}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			if p.single.status != p.batch.status || p.single.status < 400 {
				t.Errorf("statuses %d (single) and %d (batch)", p.single.status, p.batch.status)
			}
			s, b := bannerOf(p.single), bannerOf(p.batch)
			// Wait times may differ by a second between the two requests.
			if name == "rate limited" {
				s, b = s[:strings.Index(s, "Try again")], b[:strings.Index(b, "Try again")]
			}
			if s == "" || s != b {
				t.Errorf("messages differ:\nsingle: %s\nbatch:  %s", s, b)
			}
		})
	}
	if n := e.sim.Calls(dcssim.OpStop) + e.sim.Calls(dcssim.OpBatchStop); n != 1 {
		t.Errorf("%d upstream stops, want the one allowed", n)
	}
}
