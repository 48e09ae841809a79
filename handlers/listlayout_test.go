package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestStopSelectedPlacement: the batch button follows every row box in the
// page (Tab reaches it after them), is not red (red is the confirmation's),
// and is disabled on a view where no row can be ticked; the rows refresh by
// morphing, over rows with stable ids.
func TestStopSelectedPlacement(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get(routes.List)
	wantStatus(t, r, http.StatusOK)
	button := r.find("stop-selected")
	if button.HasClass("btn-danger") {
		t.Error("Stop selected is red")
	}
	if _, disabled := button.Attr("disabled"); disabled {
		t.Error("Stop selected is disabled on a page with boxes to tick")
	}
	if r.doc.Find(".table-wrap").NextAllFiltered("#batch-form").Length() != 1 {
		t.Error("the batch form does not follow the table")
	}
	if r.find("select-all").Length() != 1 {
		t.Error("no header box to select every row")
	}
	rows := r.doc.Find("#task-rows")
	if swap, _ := rows.Attr("hx-swap"); swap != "outerMorph" {
		t.Errorf("rows refresh with %q, want outerMorph", swap)
	}
	r.rows().Each(func(_ int, row *goquery.Selection) {
		if id, _ := row.Attr("id"); id == "" {
			t.Error("a row without an id cannot be morphed in place")
		}
	})

	failed := e.get(routes.List + "?status=" + listquery.GroupFailed)
	if _, disabled := failed.find("stop-selected").Attr("disabled"); !disabled || rowSelect(failed.rows()).Length() != 0 {
		t.Error("Stop selected is enabled on a view where no row can be ticked")
	}
}

// TestStopLivesInTheActionsCell: in the list, Stop sits in each row's
// trailing actions cell, never beside the badge, and no Stop outside the
// confirmation is red; a stop's answer from the list brings the row's
// actions out of band (none, once the task is stopping). On the task page
// Stop stays beside the badge. Waiting and migrating differ in tone.
func TestStopLivesInTheActionsCell(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	list := e.get(routes.List)
	row := list.row(id)
	if stopButton(row.Find(".actions-cell")).Length() != 1 || stopButton(row.Find(".state-cell")).Length() != 0 {
		t.Errorf("row Stop: %d in the actions cell, %d beside the badge; want 1 and 0",
			stopButton(row.Find(".actions-cell")).Length(), stopButton(row.Find(".state-cell")).Length())
	}
	if row.Find("td").Last().HasClass("actions-cell") == false {
		t.Error("the actions cell is not the row's last")
	}
	if n := list.doc.Find(".btn-danger").Length(); n != 0 {
		t.Errorf("%d red buttons on the list", n)
	}
	waiting, _ := rowBadge(list.rows()).Filter(`[data-status="RUNNING"]`).First().Attr("data-tone")
	migrating, _ := rowBadge(list.rows()).Filter(`[data-status="MIGRATING"]`).First().Attr("data-tone")
	if waiting == "" || waiting == migrating {
		t.Errorf("waiting tone %q, migrating tone %q: they must differ", waiting, migrating)
	}

	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", routes.List), htmx...)
	wantStatus(t, r, http.StatusOK)
	want := "innerHTML:#row-" + targets.DefaultName + "-" + id + " .actions-cell"
	actions := r.doc.Find(`[hx-swap-oob="` + want + `"]`)
	if actions.Length() != 1 || stopButton(actions).Length() != 0 {
		t.Errorf("the answer's row actions: %d swaps into %q, %d Stop buttons; want 1 and none\n%s", actions.Length(), want, stopButton(actions).Length(), clipBody(r.body))
	}

	other := e.idWith(dcs.StatusMigrating)
	page := e.get(routes.TaskURL(targets.DefaultName, other))
	if stopButton(page.find("task-state")).Length() != 1 || page.doc.Find(".btn-danger").Length() != 0 {
		t.Error("the task page's Stop is not beside the badge, or is red")
	}
}

// TestListRefusalGoesToTheAlertArea: a refusal answered into a list row
// travels out of band to the page's alert area (which the rows' refresh
// does not replace) with what identifies its task, and the row's status
// block carries no banner; on the task's page the banner stays in place.
func TestListRefusalGoesToTheAlertArea(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {
		Ops: []dcssim.Op{dcssim.OpStop}, Status: 400, Code: "DCS.4957", Message: "Not now."}}})

	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", routes.List), htmx...)
	alert := r.find("stop-alert")
	if oob, _ := alert.Parent().Attr("hx-swap-oob"); oob != "afterbegin:#client-alerts" {
		t.Fatalf("the refusal does not go to the alert area (oob %q):\n%s", oob, clipBody(r.body))
	}
	if task, _ := alert.Attr("data-alert-task"); task != id || alert.Find(`[data-testid="error-code"]`).Text() != "DCS.4957" {
		t.Errorf("alert for task %q with code %q", task, alert.Find(`[data-testid="error-code"]`).Text())
	}
	if r.find("task-state").Find(".banner").Length() != 0 {
		t.Error("the row's status block still carries the banner the refresh would wipe")
	}

	page := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", routes.TaskURL(targets.DefaultName, id)), htmx...)
	if page.find("stop-alert").Length() != 0 || page.find("task-state").Find(`[role="alert"]`).Length() != 1 {
		t.Error("on the task's page the refusal is not in the status block")
	}
}

// TestRowsReadCarriesUpdated: the list says when its rows were read, and
// each read of the rows replaces that time out of band.
func TestRowsReadCarriesUpdated(t *testing.T) {
	e := newEnv(t, options{})
	list := e.get(routes.List)
	if list.find("refresh-state").Length() != 1 || list.find("updated-at").Length() != 1 {
		t.Fatal("no Updated line on a list with tasks in progress")
	}
	e.clock.Advance(time.Minute)
	rows := e.get(routes.RowsURL(nil), htmx...)
	wantStatus(t, rows, http.StatusOK)
	stamp := rows.find("updated-at")
	was, _ := list.find("updated-at").Attr("datetime")
	now, _ := stamp.Attr("datetime")
	if oob, _ := stamp.Attr("hx-swap-oob"); oob != "true" || now == was {
		t.Errorf("rows read: Updated %q (was %q), oob %q", now, was, oob)
	}
}

// TestListSortsByNameAndStatus: the order is in the URL; by name the rows
// go A to Z (case aside) across the whole list, by status in progress first,
// then failed, then finished, then statuses the dashboard does not know.
func TestListSortsByNameAndStatus(t *testing.T) {
	e := newEnv(t, options{})
	byName := e.get(routes.List + "?sort=" + listquery.SortName + "&size=100")
	wantStatus(t, byName, http.StatusOK)
	var names []string
	rowLink(byName.rows()).Each(func(_ int, a *goquery.Selection) {
		names = append(names, strings.ToLower(strings.TrimSpace(a.Text())))
	})
	if len(names) < 10 || !slices.IsSorted(names) {
		t.Errorf("by name, %d rows not A to Z: %q", len(names), names)
	}

	if err := e.sim.SetStatus(e.idWith(dcs.StatusMigrating), "WEIRD_NEW_STATE"); err != nil {
		t.Fatal(err)
	}
	byStatus := e.get(routes.List + "?sort=" + listquery.SortStatus + "&size=100")
	rank := map[string]int{}
	for _, s := range dcs.KnownStatuses() {
		switch {
		case s.InProgress():
			rank[string(s)] = 0
		case s.Tone() == dcs.ToneFailed:
			rank[string(s)] = 1
		default:
			rank[string(s)] = 2
		}
	}
	var ranks []int
	rowBadge(byStatus.rows()).Each(func(_ int, b *goquery.Selection) {
		st, _ := b.Attr("data-status")
		r, known := rank[st]
		if !known {
			r = 3
		}
		ranks = append(ranks, r)
	})
	if len(ranks) < 10 || !slices.IsSorted(ranks) || ranks[0] != 0 || ranks[len(ranks)-1] != 3 {
		t.Errorf("by status, ranks %v", ranks)
	}
}
