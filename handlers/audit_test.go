package handlers_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
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
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) {
		c.Audit = &failingIntents{AuditTrail: c.Audit, always: true}
	}})
	id := e.idWith(dcs.StatusMigrating)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", "/"), htmx...)
	wantRefusedDialog(t, r, http.StatusServiceUnavailable, "audit trail", true)
	r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", "/"))
	wantRefusedWithFlash(t, e, r, routes.TaskStopDialogURL(targets.DefaultName, id, "/"), nil, "audit trail")
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Fatalf("%d upstream stops despite an unwritable audit log", n)
	}
}

// TestAuditPagesOlder proves the audit trail pages by a cursor, newest
// first: the oldest attempt of 150 is on the second page, still saying who
// stopped which task, and a record written before tasks had a target links
// to the task's old address.
func TestAuditPagesOlder(t *testing.T) {
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
	for range 149 {
		if _, err := e.audit.Intent(audit.Record{Action: audit.ActionStop, User: "someone", TaskID: other}); err != nil {
			t.Fatal(err)
		}
	}
	first := e.get(routes.Audit)
	wantStatus(t, first, http.StatusOK)
	if n := first.find("audit-row").Length(); n != 100 {
		t.Errorf("%d rows on the first page, want 100", n)
	}
	older, ok := first.find("audit-older").Attr("href")
	if !ok {
		t.Fatal("no link to older attempts")
	}
	r := e.get(older)
	wantStatus(t, r, http.StatusOK)
	row := r.doc.Find(`[data-testid="audit-row"][data-attempt-id="` + in.AttemptID + `"]`)
	if row.Length() != 1 || r.find("audit-row").Length() != 50 || r.find("audit-older").Length() != 0 {
		t.Fatalf("second page: %d rows, the first attempt shown %v", r.find("audit-row").Length(), row.Length() == 1)
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="audit-user"]`).Text()); got != "early-bird" {
		t.Errorf("user %q, want early-bird", got)
	}
	// Written without a target, as records were before targets: the old
	// address, which redirects while the dashboard watches one target.
	if href, _ := row.Find(`[data-testid="audit-task"]`).Attr("href"); href != routes.LegacyTaskURL(old) {
		t.Errorf("task link %q", href)
	}
	wantStatus(t, e.get(routes.Audit+"?before=abc"), http.StatusBadRequest)
}

// TestAuditFiltersAndExport proves the audit page filters by outcome and
// time range (bad values are a 400 naming what is allowed), and its CSV
// export holds exactly what the filters select, every page of it.
func TestAuditFiltersAndExport(t *testing.T) {
	e := newEnv(t, options{})
	stopped, refused := e.idWith(dcs.StatusFullMigrating), e.idWith(dcs.StatusSuccess)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, stopped), stopForm(e.token(stopped), "night", "/"), htmx...), http.StatusOK)
	// Two days later (recorded directly: the simulator checks signatures
	// against its clock, so no call is made from the future).
	e.clock.Advance(48 * time.Hour)
	in, err := e.audit.Intent(audit.Record{Action: audit.ActionStop, User: "local", TaskID: refused, Target: targets.DefaultName})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.audit.Outcome(in, audit.Record{Outcome: audit.OutcomeRefused, ErrorCode: "DCS.4957"}); err != nil {
		t.Fatal(err)
	}

	for q, want := range map[string]int{
		"?outcome=" + audit.OutcomeAccepted: 1, "?outcome=" + audit.OutcomeRefused: 1, "?outcome=" + audit.OutcomeNone: 0,
		"?since=" + e.clock.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04"): 1,
		"?until=" + e.clock.Now().Add(-24*time.Hour).UTC().Format("2006-01-02"):    1,
	} {
		r := e.get(routes.Audit + q)
		wantStatus(t, r, http.StatusOK)
		if n := r.find("audit-row").Length(); n != want {
			t.Errorf("%s: %d rows, want %d", q, n, want)
		}
	}
	for _, q := range []string{"?outcome=maybe", "?since=yesterday", "?until=2026-13-01"} {
		if r := e.get(routes.Audit + q); r.status != http.StatusBadRequest || r.find("banner-error").Length() != 1 {
			t.Errorf("%s: %d, want a 400 page", q, r.status)
		}
	}

	r := e.get(routes.Audit + "?outcome=" + audit.OutcomeAccepted)
	href, _ := r.find("audit-csv").Attr("href")
	csvR := e.get(href)
	wantStatus(t, csvR, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(csvR.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0][0] != "attempt_id" || recs[1][10] != stopped || recs[1][12] != "night" || recs[1][13] != audit.OutcomeAccepted {
		t.Errorf("export %q", recs)
	}
	if !strings.HasPrefix(csvR.header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("Content-Disposition %q", csvR.header.Get("Content-Disposition"))
	}
	viewer := newEnv(t, options{anonymous: true})
	wantStatus(t, viewer.get(routes.AuditCSV), http.StatusForbidden)
}
