//go:build e2e

package e2e

import (
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// TestBatchStopMixedResults: ticking two rows and "Stop selected" opens one
// confirmation naming both; confirming gives a result per task (one
// accepted, one refused with its code) and the rows refresh by themselves.
func TestBatchStopMixedResults(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	goTo(t, page, e.baseURL+"?page=1")
	// The first two stoppable rows of the page; the API will refuse the second.
	boxes := rowBoxes(page)
	var ids []string
	for i := range 2 {
		ref, err := boxes.Nth(i).GetAttribute("value")
		must(t, err)
		_, id, ok := routes.ParseTaskRef(ref)
		if !ok {
			t.Fatalf("checkbox value %q names no task of a target", ref)
		}
		ids = append(ids, id)
	}
	ok, _ := e.sim.Task(ids[0])
	refused, _ := e.sim.Task(ids[1])
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{refused.TaskID: {
		Ops: []dcssim.Op{dcssim.OpBatchStop}, Status: 400, Code: "DCS.4957", Message: "Not allowed now.",
	}}})
	for _, id := range ids {
		must(t, rowOf(page, id).Locator(`input[name="task"]`).Check())
	}
	must(t, page.GetByTestId("stop-selected").Click())
	dialog := page.GetByRole("dialog")
	must(t, expect.Locator(dialog).ToBeVisible())
	must(t, expect.Locator(dialog.GetByTestId("batch-task-name")).ToHaveCount(2))
	must(t, dialog.GetByLabel("Reason").Fill("batch e2e"))
	must(t, dialog.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Stop 2 tasks"}).Click())

	result := page.GetByTestId("batch-result")
	must(t, expect.Locator(result.Locator(`[data-task-id="`+ok.TaskID+`"]`)).ToHaveAttribute("data-outcome", audit.OutcomeAccepted))
	must(t, expect.Locator(result.Locator(`[data-task-id="`+refused.TaskID+`"]`)).ToHaveAttribute("data-outcome", audit.OutcomeRefused))
	must(t, expect.Locator(result.GetByTestId("batch-error-code")).ToHaveText("DCS.4957"))
	must(t, expect.Locator(page.GetByRole("dialog")).ToHaveCount(0))
	badgeOf := rowBadge(rowOf(page, ok.TaskID))
	must(t, expect.Locator(badgeOf).ToHaveAttribute("data-status", regexpMust(`^TERMINAT(ING|ED)$`)))
	if n := e.sim.Calls(dcssim.OpBatchStop); n != 1 {
		t.Fatalf("%d batch calls, want 1", n)
	}
}
