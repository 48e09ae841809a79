//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// A list row carries no data-testid: every byte of a row is repeated up to
// a hundred times a page (views/listrow.go). The tests find a row and its
// parts by its structure, through these.

// listRows are the list's rows.
func listRows(page playwright.Page) playwright.Locator {
	return page.Locator(`#task-rows > tr[id^="row-"]`)
}

// rowOf is task id's row (task ids are unique across targets).
func rowOf(page playwright.Page, id string) playwright.Locator {
	return page.Locator(`#task-rows > tr[id$="-` + id + `"]`)
}

// rowsOfTarget are the rows of the tasks of target.
func rowsOfTarget(page playwright.Page, target string) playwright.Locator {
	return page.Locator(`#task-rows > tr[id^="row-` + target + `-"]`)
}

// rowBadge is a row's status badge (data-status is the API's value), also
// once a stop's answer has filled the status cell.
func rowBadge(row playwright.Locator) playwright.Locator {
	return row.Locator("td.state-cell .badge[data-status]")
}

func rowLink(row playwright.Locator) playwright.Locator { return row.Locator("td.name > a") }

// rowKind is a row's type cell; its method is the .muted line in it.
func rowKind(row playwright.Locator) playwright.Locator { return row.Locator("td.kind") }

func rowProgress(row playwright.Locator) playwright.Locator { return row.Locator("td.progress-cell") }

// rowBoxes are the list's batch boxes, one per row that may be stopped.
func rowBoxes(page playwright.Page) playwright.Locator {
	return page.Locator(`#task-rows input[name="task"]`)
}

// rowStop is a row's Stop: a link to the confirmation, opened as a dialog.
func rowStop(row playwright.Locator) playwright.Locator {
	return row.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Stop", Exact: playwright.Bool(true)})
}

// rowTaskID is the task id of row, read from its link (/t/TARGET/tasks/ID).
func rowTaskID(t *testing.T, row playwright.Locator) string {
	t.Helper()
	href, err := rowLink(row).GetAttribute("href")
	must(t, err)
	return href[strings.LastIndex(href, "/")+1:]
}
