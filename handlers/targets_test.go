package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// rowTargets are the data-target of every row of a list page, in order.
func rowTargets(r *resp) []string {
	var out []string
	r.rows().Each(func(_ int, s *goquery.Selection) {
		target, _ := rowTask(s)
		out = append(out, target)
	})
	return out
}

// drID is a task of the second target in status st.
func (e *env) drID(st dcs.Status) string {
	e.t.Helper()
	ids := e.sim.IDsWithStatusIn(drProject, string(st))
	if len(ids) == 0 {
		e.t.Fatalf("the second project has no %s task", st)
	}
	return ids[0]
}

// TestListMergesTargets proves one page lists the tasks of every target,
// newest first across them, with a Target column, counts per target and a
// target filter that lives in the URL.
func TestListMergesTargets(t *testing.T) {
	e := newEnv(t, options{twoTargets: true})
	r := e.get("/?size=100")
	wantStatus(t, r, http.StatusOK)
	seen := map[string]int{}
	for _, name := range rowTargets(r) {
		seen[name]++
	}
	if seen[prodTarget] == 0 || seen[drTarget] == 0 {
		t.Fatalf("rows per target %v: want tasks of both", seen)
	}
	var times []string
	r.rows().Find("time").Each(func(_ int, s *goquery.Selection) {
		times = append(times, s.AttrOr("datetime", ""))
	})
	for i := 1; i < len(times); i++ {
		if times[i] > times[i-1] {
			t.Fatalf("row %d (%s) is newer than row %d (%s): not newest first across targets", i, times[i], i-1, times[i-1])
		}
	}
	if got := rowTarget(r.rows()).First().AttrOr("title", ""); got == "" {
		t.Error("the Target column names no region on hover")
	}
	counts := r.text("target-counts")
	if !strings.Contains(counts, "Beijing production") || !strings.Contains(counts, drTarget) {
		t.Errorf("counts %q do not name both targets", counts)
	}
	if r.doc.Find(`select[name="target"] option[value="`+drTarget+`"]`).Length() != 1 {
		t.Error("no target filter")
	}

	only := e.get("/?target=" + drTarget)
	wantStatus(t, only, http.StatusOK)
	for _, name := range rowTargets(only) {
		if name != drTarget {
			t.Fatalf("the %s filter lists a task of %s", drTarget, name)
		}
	}
	wantStatus(t, e.get("/?target=nowhere"), http.StatusBadRequest)
	wantStatus(t, e.get("/?target=Bad%20Name"), http.StatusBadRequest)
}

// TestFailingTargetNeverBlanksPage proves a target that fails costs the page
// its rows only: the others' tasks are shown with an alert naming the
// failed target and its error.
func TestFailingTargetNeverBlanksPage(t *testing.T) {
	e := newEnv(t, options{twoTargets: true})
	e.sim.SetFaults(dcssim.Faults{Projects: map[string]dcssim.ProjectFault{drProject: {Status: 500, Code: "DCS.5000"}}})
	r := e.get("/")
	wantStatus(t, r, http.StatusOK)
	for _, name := range rowTargets(r) {
		if name != prodTarget {
			t.Fatalf("a row of %s although it failed", name)
		}
	}
	if len(rowTargets(r)) == 0 {
		t.Fatal("the working target's tasks are not shown")
	}
	b := r.find("target-error")
	if b.Length() != 1 || !strings.Contains(b.Text(), drTarget) || !strings.Contains(b.Text(), "DCS.5000") ||
		b.Find(`[role="alert"]`).Length() != 1 {
		t.Errorf("failed target's banner:\n%s", clipBody(r.body))
	}
	ready := e.get(routes.Ready)
	if ready.status != http.StatusOK || !strings.Contains(ready.body, drTarget+": not ready") ||
		!strings.Contains(ready.body, prodTarget+": ready") {
		t.Errorf("/readyz with one target down: %d %q", ready.status, ready.body)
	}

	e.sim.SetFaults(dcssim.Faults{ErrorRate: 1})
	all := e.get("/")
	if all.status == http.StatusOK || all.find("banner-error").Length() == 0 {
		t.Errorf("every target down: status %d", all.status)
	}
}

// TestStopGoesToTheTasksTarget proves a stop reaches the project of the
// task's target (its path), is audited with the target, region and
// project, and that a batch spanning targets makes one call per target.
func TestStopGoesToTheTasksTarget(t *testing.T) {
	e := newEnv(t, options{twoTargets: true})
	dr := e.drID(dcs.StatusFullMigrating)
	r := e.post(routes.TaskStopURL(drTarget, dr), stopForm(e.tokenAs(nil), "", "/"), htmx...)
	wantStatus(t, r, http.StatusOK)
	if a, b := e.sim.CallsIn(drProject, dcssim.OpStop), e.sim.CallsIn(testProject, dcssim.OpStop); a != 1 || b != 0 {
		t.Errorf("stops: %d on %s's project, %d on the other; want 1 and 0", a, drTarget, b)
	}
	out := outcomeOf(t, e, dr)
	if out.Target != drTarget || out.Region != "cn-east-3" || out.ProjectID != drProject || out.Outcome != audit.OutcomeAccepted {
		t.Errorf("audited %+v", out)
	}
	if page := e.get(routes.AuditURL("", drTarget, "")); page.doc.Find(`[data-testid="audit-row"]`).Length() != 1 {
		t.Error("the audit trail does not filter by target")
	}
	// The same id under the other target is not that task.
	wantStatus(t, e.get(routes.TaskURL(prodTarget, dr)), http.StatusNotFound)
	wantStatus(t, e.get(routes.TaskURL("nowhere", dr)), http.StatusNotFound)

	prod, dr2 := e.idWith(dcs.StatusIncrMigrating), e.drID(dcs.StatusIncrMigrating)
	form := batchForm(e.tokenAs(nil), "")
	form["task"] = []string{routes.TaskRef(prodTarget, prod), routes.TaskRef(drTarget, dr2)}
	b := e.post(routes.BatchStopURL(), form, htmx...)
	wantStatus(t, b, http.StatusOK)
	if x, y := e.sim.CallsIn(testProject, dcssim.OpBatchStop), e.sim.CallsIn(drProject, dcssim.OpBatchStop); x != 1 || y != 1 {
		t.Errorf("batch calls per project: %d and %d, want one each", x, y)
	}
	for _, ref := range [][2]string{{prodTarget, prod}, {drTarget, dr2}} {
		row := b.doc.Find(`[data-testid="batch-result-row"][data-target="` + ref[0] + `"][data-task-id="` + ref[1] + `"]`)
		if row.AttrOr("data-outcome", "") != audit.OutcomeAccepted {
			t.Errorf("%s/%s: result %q", ref[0], ref[1], row.AttrOr("data-outcome", ""))
		}
	}
}

// TestPerTargetOperators proves a target's own operator groups decide who
// may stop its tasks: an operator of production sees no Stop on the DR
// target and is refused there; a member of the DR group may stop DR tasks
// and not production's.
func TestPerTargetOperators(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32", twoTargets: true, drOperators: []string{"dcs-dr-operators"}})
	dr, prod := e.drID(dcs.StatusFullMigrating), e.idWith(dcs.StatusFullMigrating)
	page := e.get(routes.TaskURL(drTarget, dr), operator...)
	wantStatus(t, page, http.StatusOK)
	if offersStop(page) {
		t.Error("an operator of production is offered Stop on the DR target")
	}
	wantStatus(t, e.post(routes.TaskStopURL(drTarget, dr), stopForm(e.tokenAs(operator), "", "/"), with(operator, htmx...)...),
		http.StatusForbidden)
	wantStatus(t, e.post(routes.TaskStopURL(prodTarget, prod), stopForm(e.tokenAs(operator), "", "/"), with(operator, htmx...)...),
		http.StatusOK)

	// On the list every row keeps its selection cell, with a box only
	// where the operator may stop.
	list := e.get("/?size=100", operator...)
	rows := list.rows()
	if cells := rows.Find("td.select-cell").Length(); cells != rows.Length() {
		t.Errorf("%d selection cells for %d rows: the columns do not line up", cells, rows.Length())
	}
	if n := rowSelect(list.doc.Find(`#task-rows > tr[id^="row-` + drTarget + `-"]`)).Length(); n != 0 {
		t.Errorf("%d DR tasks offered for selection to an operator of production only", n)
	}

	drOperator := []string{"X-Forwarded-User", "u-dora", "X-Forwarded-Groups", "dcs-viewers, dcs-dr-operators"}
	if !offersStop(e.get(routes.TaskURL(drTarget, dr), drOperator...)) {
		t.Error("a member of the DR group is not offered Stop on the DR target")
	}
	wantStatus(t, e.post(routes.TaskStopURL(prodTarget, e.idWith(dcs.StatusIncrMigrating)), stopForm(e.tokenAs(drOperator), "", "/"),
		with(drOperator, htmx...)...), http.StatusForbidden)
	wantStatus(t, e.post(routes.TaskStopURL(drTarget, dr), stopForm(e.tokenAs(drOperator), "", "/"), with(drOperator, htmx...)...),
		http.StatusOK)
	if n := e.sim.CallsIn(drProject, dcssim.OpStop); n != 1 {
		t.Errorf("%d stops on the DR project, want the DR operator's one", n)
	}
}

// TestOldTaskAddresses proves /tasks/{id}/... redirects to the task's
// address under the one target, keeping the method and query, and names
// nothing once there are several targets.
func TestOldTaskAddresses(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	r := e.get(routes.LegacyTaskURL(id) + "?log_level=ERROR")
	if r.status != http.StatusPermanentRedirect || r.header.Get("Location") != routes.TaskURL(targets.DefaultName, id)+"?log_level=ERROR" {
		t.Errorf("old task page: %d to %q", r.status, r.header.Get("Location"))
	}
	r = e.post(routes.LegacyTaskURL(id)+"/stop", stopForm(e.token(id), "", "/"))
	if r.status != http.StatusPermanentRedirect || r.header.Get("Location") != routes.TaskStopURL(targets.DefaultName, id) {
		t.Errorf("old stop address: %d to %q", r.status, r.header.Get("Location"))
	}
	wantStatus(t, e.get(routes.LegacyTaskURL(id)+"/elsewhere"), http.StatusNotFound)
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("a redirect stopped something (%d calls)", n)
	}

	two := newEnv(t, options{twoTargets: true})
	wantStatus(t, two.get(routes.LegacyTaskURL(id)), http.StatusNotFound)
}

// TestRowsReadTellsTargetFailures: a target that fails while the list is
// open is named by the rows' next read (out of band, in the area outside
// the rows), and one that recovers stops being named.
func TestRowsReadTellsTargetFailures(t *testing.T) {
	e := newEnv(t, options{twoTargets: true})
	wantStatus(t, e.get("/"), http.StatusOK)
	e.sim.SetFaults(dcssim.Faults{Projects: map[string]dcssim.ProjectFault{drProject: {Status: 500, Code: "DCS.5000"}}})
	failing := e.get(routes.RowsURL(nil), htmx...)
	wantStatus(t, failing, http.StatusOK)
	area := failing.doc.Find("#target-errors")
	if oob, _ := area.Attr("hx-swap-oob"); oob != "true" || !strings.Contains(area.Text(), drTarget) || !strings.Contains(area.Text(), "DCS.5000") {
		t.Errorf("rows read while %s fails: oob %q, area %q", drTarget, oob, strings.TrimSpace(area.Text()))
	}
	e.sim.SetFaults(dcssim.Faults{})
	recovered := e.get(routes.RowsURL(nil), htmx...)
	if area := recovered.doc.Find("#target-errors"); area.Length() != 1 || area.Find(`[data-testid="target-error"]`).Length() != 0 {
		t.Errorf("rows read after %s recovered still names it", drTarget)
	}
}
