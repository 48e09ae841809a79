package handlers_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestStopIsAudited proves a stop writes an intent and an outcome naming the
// person, the task, the reason and what DCS answered.
func TestStopIsAudited(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusIncrMigrating)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "window closed", "/"), htmx...), http.StatusOK)

	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil {
		t.Fatal(err)
	}
	attempts := audit.Pair(recs)
	if len(attempts) != 1 || attempts[0].Outcome == nil {
		t.Fatalf("want one attempt with an outcome, got %+v", attempts)
	}
	in, out := attempts[0].Intent, *attempts[0].Outcome
	if in.User != "local" || in.TaskID != id || in.Reason != "window closed" || in.Action != audit.ActionStop {
		t.Errorf("intent = %+v", in)
	}
	task, _ := e.sim.Task(id)
	if out.Outcome != audit.OutcomeAccepted || out.TaskName != task.TaskName {
		t.Errorf("outcome = %+v", out)
	}
}

// TestRefusedStopIsAuditedWithCode proves a refusal records the DCS error
// code and request id.
func TestRefusedStopIsAuditedWithCode(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusSuccess)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", "/"), htmx...), http.StatusConflict)
	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil {
		t.Fatal(err)
	}
	attempts := audit.Pair(recs)
	if len(attempts) != 1 || attempts[0].Outcome == nil {
		t.Fatalf("attempts = %+v", attempts)
	}
	out := attempts[0].Outcome
	if out.Outcome != audit.OutcomeRefused || out.ErrorCode != "DCS.4957" || out.RequestID == "" || out.HTTPStatus != 400 {
		t.Errorf("outcome = %+v", out)
	}
}

// TestStopRefusedWhenAuditFails proves there is no unaudited stop: when the
// intent cannot be written the stop is refused and nothing reaches DCS.
func TestStopRefusedWhenAuditFails(t *testing.T) {
	e := newEnv(t, options{auditPath: "/dev/full"})
	id := e.idWith(dcs.StatusMigrating)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", "/"), htmx...)
	wantRefusedDialog(t, r, http.StatusServiceUnavailable, "audit trail", true)
	r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", "/"))
	wantRefusedWithFlash(t, e, r, routes.TaskStopDialogURL(targets.DefaultName, id, "/"), nil, "audit trail")
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Fatalf("%d upstream stops despite an unwritable audit log", n)
	}
}

// TestAuditPageOutcomeWithoutIntentInWindow proves an attempt whose intent
// is older than the records read still shows who stopped which task: the
// outcome repeats those fields.
func TestAuditPageOutcomeWithoutIntentInWindow(t *testing.T) {
	e := newEnv(t, options{})
	old := e.idWith(dcs.StatusSuccess)
	in, err := e.audit.Intent(audit.Record{Action: audit.ActionStop, User: "early-bird", TaskID: old, Reason: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.audit.Outcome(in, audit.Record{Outcome: audit.OutcomeAccepted}); err != nil {
		t.Fatal(err)
	}
	other := e.idWith(dcs.StatusMigrating)
	for range 199 { // pushes the first intent out of the 200 records the page reads
		if _, err := e.audit.Intent(audit.Record{Action: audit.ActionStop, User: "someone", TaskID: other}); err != nil {
			t.Fatal(err)
		}
	}
	r := e.get("/audit")
	wantStatus(t, r, http.StatusOK)
	row := r.doc.Find(`[data-testid="audit-row"][data-attempt-id="` + in.AttemptID + `"]`)
	if row.Length() != 1 {
		t.Fatalf("no row for the attempt whose intent fell out of the window")
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="audit-user"]`).Text()); got != "early-bird" {
		t.Errorf("user %q, want early-bird", got)
	}
	// Written without a target, as records were before targets: the old
	// address, which redirects while the dashboard watches one target.
	if href, _ := row.Find(`[data-testid="audit-task"]`).Attr("href"); href != routes.LegacyTaskURL(old) {
		t.Errorf("task link %q", href)
	}
}

// TestAuditFileMovedAtRuntime reproduces renaming or deleting the audit file
// under a running dashboard: /audit answers (no 500) while it is gone, and
// the next stop is recorded in a new file at the path, where /audit reads.
func TestAuditFileMovedAtRuntime(t *testing.T) {
	for name, move := range map[string]func(string) error{
		"renamed": func(p string) error { return os.Rename(p, p+".old") },
		"deleted": os.Remove,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			first := e.idWith(dcs.StatusMigrating)
			wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, first), stopForm(e.token(first), "", "/"), htmx...), http.StatusOK)
			if err := move(e.audit.Path()); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, e.get(routes.Audit), http.StatusOK)
			next := e.idWith(dcs.StatusIncrMigrating)
			wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, next), stopForm(e.token(next), "", "/"), htmx...), http.StatusOK)
			page := e.get(routes.Audit)
			wantStatus(t, page, http.StatusOK)
			if n := page.doc.Find(`[data-testid="audit-row"]`).Length(); n != 1 {
				t.Errorf("%d audit rows after the move, want the one new stop", n)
			}
			if out := outcomeOf(t, e, next); out.Outcome != audit.OutcomeAccepted {
				t.Errorf("the stop after the move: %+v", out)
			}
		})
	}
}
