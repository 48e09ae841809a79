package handlers_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

func batchForm(token, reason string, ids ...string) url.Values {
	return url.Values{"_csrf": {token}, "reason": {reason}, "return_to": {"/?page=1"}, "task": refs(ids...)}
}

// refs names tasks of the one target of the test environment as a batch
// form does; a hostile id stays as it is, so its refusal is tested.
func refs(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = routes.TaskRef(targets.DefaultName, id)
	}
	return out
}

// TestBatchStopMixedResults proves a batch stop makes one upstream call for
// up to 50 tasks, answers per task (accepted, or refused with its code), and
// audits each task's attempt on its own.
func TestBatchStopMixedResults(t *testing.T) {
	e := newEnv(t, options{})
	a, b := e.idWith(dcs.StatusIncrMigrating), e.idWith(dcs.StatusFullMigrating)
	done := e.idWith(dcs.StatusSuccess)

	confirm := e.get(routes.BatchStopConfirmURL(refs(a, b, done), ""), htmx...)
	wantStatus(t, confirm, http.StatusOK)
	if n := confirm.find("batch-task-name").Length(); n != 3 {
		t.Errorf("the confirmation names %d tasks, want 3", n)
	}
	if n := e.sim.Calls(dcssim.OpBatchStop); n != 0 {
		t.Fatalf("the confirmation stopped something (%d calls)", n)
	}

	r := e.post(routes.BatchStopURL(), batchForm(e.token(a), "window closed", a, b, done), htmx...)
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("HX-Trigger"); got != "tasks-changed" {
		t.Errorf("HX-Trigger %q: the rows would not refresh", got)
	}
	outcomes := map[string]string{}
	r.find("batch-result-row").Each(func(_ int, row *goquery.Selection) {
		id, _ := row.Attr("data-task-id")
		outcomes[id], _ = row.Attr("data-outcome")
	})
	want := map[string]string{a: audit.OutcomeAccepted, b: audit.OutcomeAccepted, done: audit.OutcomeRefused}
	for id, o := range want {
		if outcomes[id] != o {
			t.Errorf("task %s: outcome %q, want %q", id, outcomes[id], o)
		}
	}
	if code := r.find("batch-error-code").Text(); code != "DCS.4957" {
		t.Errorf("refusal code %q", code)
	}
	if n := e.sim.Calls(dcssim.OpBatchStop); n != 1 {
		t.Errorf("%d batch calls, want 1", n)
	}
	recs, err := e.audit.Recent(audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	attempts := audit.Pair(recs)
	if len(attempts) != 3 {
		t.Fatalf("%d audited attempts, want 3", len(attempts))
	}
	for _, at := range attempts {
		if at.Outcome == nil || at.Intent.Action != audit.ActionBatchStop || at.Intent.Reason != "window closed" ||
			at.Outcome.Outcome != want[at.Intent.TaskID] {
			t.Errorf("attempt %+v / %+v", at.Intent, at.Outcome)
		}
	}
	// The audit page shows each batch row's HTTP status and the batch
	// call's request id, as it does a single stop's.
	page := e.get(routes.Audit)
	rows := page.doc.Find(`[data-testid="audit-row"]`)
	if rows.Length() != 3 {
		t.Fatalf("%d rows on /audit, want 3", rows.Length())
	}
	rows.Each(func(_ int, row *goquery.Selection) {
		status := strings.TrimSpace(row.Find(`[data-testid="audit-http-status"]`).Text())
		id := strings.TrimSpace(row.Find(`[data-testid="audit-request-id"]`).Text())
		if status != "HTTP 200" || id == "" {
			t.Errorf("batch row on /audit: %q, request id %q", status, id)
		}
	})
}

// putBulk adds n migrating tasks to the simulator and returns their ids.
func putBulk(e *env, n int) []string {
	tmpl, _ := e.sim.Task(e.idWith(dcs.StatusMigrating))
	ids := make([]string, n)
	for i := range ids {
		task := tmpl
		task.TaskID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		task.TaskName = fmt.Sprintf("bulk %02d", i)
		e.sim.Put(task)
		ids[i] = task.TaskID
	}
	return ids
}

// TestBatchStopChunks proves more than 50 tasks go out in chunks the API
// accepts.
func TestBatchStopChunks(t *testing.T) {
	e := newEnv(t, options{})
	ids := putBulk(e, 51)
	r := e.post(routes.BatchStopURL(), batchForm(e.token(ids[0]), "", ids...), htmx...)
	wantStatus(t, r, http.StatusOK)
	if n := e.sim.Calls(dcssim.OpBatchStop); n != 2 {
		t.Errorf("%d batch calls for 51 tasks, want 2", n)
	}
	if n := r.find("batch-result-row").Length(); n != 51 {
		t.Errorf("%d result rows, want 51", n)
	}
}

// TestBatchStopRefusedBeforeAnyCall proves bad input, a missing token and a
// viewer are refused with no upstream call.
func TestBatchStopRefusedBeforeAnyCall(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusMigrating)
	tok := e.token(id)
	wantStatus(t, e.post(routes.BatchStopURL(), batchForm(tok, "", "bad$id"), htmx...), http.StatusBadRequest)
	wantStatus(t, e.post(routes.BatchStopURL(), batchForm(tok, ""), htmx...), http.StatusBadRequest)
	wantStatus(t, e.post(routes.BatchStopURL(), batchForm("", "", id), htmx...), http.StatusForbidden)
	viewer := newEnv(t, options{anonymous: true})
	wantStatus(t, viewer.get(routes.BatchStopConfirmURL(refs(id), "")), http.StatusForbidden)
	if n := e.sim.Calls(dcssim.OpBatchStop) + viewer.sim.Calls(dcssim.OpBatchStop); n != 0 {
		t.Fatalf("%d batch calls", n)
	}
}

// TestBatchStopWithoutJavaScript proves the plain form post redirects back
// to the list with a summary banner.
func TestBatchStopWithoutJavaScript(t *testing.T) {
	e := newEnv(t, options{})
	a, done := e.idWith(dcs.StatusIncrMigrating), e.idWith(dcs.StatusSuccess)
	r := e.post(routes.BatchStopURL(), batchForm(e.token(a), "", a, done))
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/?page=1" {
		t.Errorf("redirect to %q", loc)
	}
	page := e.get("/?page=1")
	if b := page.find("banner-warning"); b.Length() != 1 {
		t.Errorf("no summary banner after the redirect:\n%s", clipBody(page.body))
	}
}

// failingIntents records through the real audit trail but fails the
// failOn-th call to Intents (every call with always), as a disk that fills
// mid-batch, or a database that is gone, does.
type failingIntents struct {
	handlers.AuditTrail
	failOn int
	always bool
	calls  int
}

func (f *failingIntents) Intents(rs []audit.Record) ([]audit.Record, error) {
	f.calls++
	if f.always || f.calls == f.failOn {
		return nil, errors.New("audit log: write: no space left on device")
	}
	return f.AuditTrail.Intents(rs)
}

// TestBatchStopAuditFullMidBatch reproduces a disk that fills while a batch
// is recorded: the second chunk's intents cannot be written, so nothing is
// sent, and every intent already written gets an outcome saying it was not
// sent; no intent is left without one.
func TestBatchStopAuditFullMidBatch(t *testing.T) {
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) {
		c.Audit = &failingIntents{AuditTrail: c.Audit, failOn: 2}
	}})
	ids := putBulk(e, 60)
	r := e.post(routes.BatchStopURL(), batchForm(e.token(ids[0]), "", ids...), htmx...)
	wantRefusedDialog(t, r, http.StatusServiceUnavailable, "audit trail", true)
	if n := e.sim.Calls(dcssim.OpBatchStop); n != 0 {
		t.Fatalf("%d batch calls despite the audit failure", n)
	}
	recs, err := e.audit.Recent(audit.Filter{Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	attempts := audit.Pair(recs)
	if len(attempts) != dcs.MaxBatchStop {
		t.Fatalf("%d attempts recorded, want the first chunk's %d", len(attempts), dcs.MaxBatchStop)
	}
	for _, a := range attempts {
		if a.Outcome == nil || a.Outcome.Outcome != audit.OutcomeFailed || a.Outcome.ErrorCode != audit.CodeNotSent {
			t.Fatalf("attempt %s: outcome %+v, want failed (%s)", a.Intent.AttemptID, a.Outcome, audit.CodeNotSent)
		}
	}
}

// TestIdenticalBatchesShareOneCall reproduces five people (or five clicks)
// confirming the same batch at once: one upstream call is made; each task
// is audited once as accepted, by the attempt that sent it, and four times
// as joined to that attempt.
func TestIdenticalBatchesShareOneCall(t *testing.T) {
	e := newEnv(t, options{})
	a, b := e.idWith(dcs.StatusIncrMigrating), e.idWith(dcs.StatusFullMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{a: {Ops: []dcssim.Op{dcssim.OpBatchStop}, Delay: 300 * time.Millisecond}}})
	tok := e.token(a)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { wantStatus(t, e.post(routes.BatchStopURL(), batchForm(tok, "", a, b), htmx...), http.StatusOK) })
	}
	wg.Wait()
	if n := e.sim.Calls(dcssim.OpBatchStop); n != 1 {
		t.Errorf("%d batch calls for five identical batches, want 1", n)
	}
	for _, id := range []string{a, b} {
		recs, err := e.audit.Recent(audit.Filter{TaskID: id})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		var sender string
		for _, at := range audit.Pair(recs) {
			if at.Outcome == nil {
				t.Fatalf("an attempt without outcome: %+v", at.Intent)
			}
			outcomes[at.Outcome.Outcome]++
			if at.Outcome.Outcome == audit.OutcomeAccepted {
				sender = at.Intent.AttemptID
			}
		}
		if outcomes[audit.OutcomeAccepted] != 1 || outcomes[audit.OutcomeJoined] != 4 {
			t.Errorf("task %s: outcomes %v, want 1 accepted and 4 joined", id, outcomes)
		}
		for _, at := range audit.Pair(recs) {
			if at.Outcome.Outcome == audit.OutcomeJoined && at.Outcome.JoinedAttemptID != sender {
				t.Errorf("joined to %q, want the sender %q", at.Outcome.JoinedAttemptID, sender)
			}
		}
	}
}
