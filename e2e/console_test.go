//go:build e2e

package e2e

import (
	"testing"
	"unicode/utf8"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestFailedTaskTellsWhy: a failed task's row shows why it failed, cut
// short with the whole message on hover, and its page leads Overview with
// the whole message.
func TestFailedTaskTellsWhy(t *testing.T) {
	e := newEnv(t, envOptions{})
	task := findTask(t, e.sim, withStatus("FAILED"))
	if task.ErrorMessage == "" {
		t.Fatal("the simulator's failed task has no error message")
	}
	page := newPage(t, true)
	goTo(t, page, e.baseURL+"?status="+listquery.GroupFailed)
	row := page.GetByTestId("task-row").Filter(playwright.LocatorFilterOptions{HasText: task.TaskName}).First()
	why := row.GetByTestId("task-error")
	must(t, expect.Locator(why).ToBeVisible())
	must(t, expect.Locator(why).ToHaveAttribute("title", task.ErrorMessage))
	shown, err := why.TextContent()
	must(t, err)
	if n := utf8.RuneCountInString(shown); n > 80 {
		t.Errorf("the row shows %d characters of the message, want at most 80", n)
	}

	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(page.GetByTestId("field-error-message")).ToHaveText(task.ErrorMessage))
	must(t, expect.Locator(page.Locator("#overview-h ~ dl dt").First()).ToHaveText("Error"))
}
