package handlers_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestReplicasShareStops runs two dashboards on one database: two people
// confirming the same slow stop at once, one on each, make one upstream
// call, the second told whose stop is under way and audited as joined; a
// stop on one is on the other's /audit; and the per-person stop budget is
// counted across both.
func TestReplicasShareStops(t *testing.T) {
	a := newEnv(t, options{edit: stopsPerMinute(2)})
	b := newEnv(t, options{replicaOf: a, edit: stopsPerMinute(2)})
	id := a.idWith(dcs.StatusFullMigrating)
	a.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Ops: []dcssim.Op{dcssim.OpStop}, Delay: 500 * time.Millisecond}}})
	tokA, tokB := a.token(id), b.token(id)

	var wg sync.WaitGroup
	answers := make([]*resp, 2)
	wg.Go(func() {
		answers[0] = a.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tokA, "from A", "/"), htmx...)
	})
	time.Sleep(100 * time.Millisecond) // A's stop is waiting on the slow API
	wg.Go(func() {
		answers[1] = b.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tokB, "from B", "/"), htmx...)
	})
	wg.Wait()
	if n := a.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops for two replicas' clicks, want 1", n)
	}
	wantStatus(t, answers[0], http.StatusOK)
	wantStatus(t, answers[1], http.StatusOK)
	if got := answers[1].find("banner-info").Text(); !strings.Contains(got, "already being stopped by local") {
		t.Errorf("the second replica's answer %q does not say whose stop is under way", got)
	}

	page := b.get(routes.AuditURL("", "", id)) // B's /audit shows both attempts, written on A and B
	outcomes := page.doc.Find(`[data-testid="audit-outcome"]`).Text()
	if page.find("audit-row").Length() != 2 || !strings.Contains(outcomes, audit.OutcomeAccepted) ||
		!strings.Contains(outcomes, audit.OutcomeJoined) {
		t.Errorf("replica B's /audit: %d rows, outcomes %q; want A's accepted and B's joined", page.find("audit-row").Length(), outcomes)
	}

	// Both counted one stop of "local" each; one more on either is refused.
	other := a.idWith(dcs.StatusIncrMigrating)
	wantStatus(t, b.post(routes.TaskStopURL(targets.DefaultName, other), stopForm(tokB, "", "/"), htmx...), http.StatusTooManyRequests)
}

// stopsPerMinute sets the per-person stop rate limit.
func stopsPerMinute(n int) func(*testing.T, string, *handlers.Config) {
	return func(_ *testing.T, _ string, c *handlers.Config) { c.StopsPerMinute = n }
}

// TestReplicaBatchJoinsAStopInFlight: a batch on one replica that names a
// task another replica is stopping leaves that task out of its call and
// says whose stop it joined; its other tasks are sent.
func TestReplicaBatchJoinsAStopInFlight(t *testing.T) {
	a := newEnv(t, options{})
	b := newEnv(t, options{replicaOf: a})
	slow, other := a.idWith(dcs.StatusFullMigrating), a.idWith(dcs.StatusIncrMigrating)
	a.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{slow: {Ops: []dcssim.Op{dcssim.OpStop}, Delay: 500 * time.Millisecond}}})
	tokA, tokB := a.token(slow), b.token(slow)
	var wg sync.WaitGroup
	wg.Go(func() { a.post(routes.TaskStopURL(targets.DefaultName, slow), stopForm(tokA, "", "/"), htmx...) })
	time.Sleep(100 * time.Millisecond)
	r := b.post(routes.BatchStopURL(), batchForm(tokB, "", slow, other), htmx...)
	wg.Wait()
	wantStatus(t, r, http.StatusOK)
	row := r.doc.Find(`[data-testid="batch-result-row"][data-task-id="` + slow + `"]`)
	if o := row.AttrOr("data-outcome", ""); o != audit.OutcomeJoined || !strings.Contains(row.Text(), "already being stopped by local") {
		t.Errorf("the task in flight on A: outcome %q, %q", o, strings.TrimSpace(row.Text()))
	}
	if n := a.sim.Calls(dcssim.OpStop) + a.sim.Calls(dcssim.OpBatchStop); n != 2 {
		t.Errorf("%d upstream calls, want A's stop and B's batch of the other task", n)
	}
	if o := r.doc.Find(`[data-testid="batch-result-row"][data-task-id="`+other+`"]`).AttrOr("data-outcome", ""); o != audit.OutcomeAccepted {
		t.Errorf("the other task: %q", o)
	}
}
