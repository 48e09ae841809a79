package handlers_test

import (
	"net/http"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
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
	r.doc.Find(`[data-testid="task-row"]`).Each(func(_ int, row *goquery.Selection) {
		if id, _ := row.Attr("id"); id == "" {
			t.Error("a row without an id cannot be morphed in place")
		}
	})

	failed := e.get(routes.List + "?status=" + listquery.GroupFailed)
	if _, disabled := failed.find("stop-selected").Attr("disabled"); !disabled || failed.find("task-select").Length() != 0 {
		t.Error("Stop selected is enabled on a view where no row can be ticked")
	}
}
