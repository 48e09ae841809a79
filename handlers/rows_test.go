package handlers_test

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// A list row carries no data-testid: every byte of a row is repeated up to
// a hundred times a page (views/listrow.go). Tests find a row's parts by
// its structure, through these.

// rowSelector matches the list's whole rows (not the stubs of a refresh).
const rowSelector = `#task-rows > tr[id^="row-"]:not([data-unchanged])`

// rows are the page's whole list rows.
func (r *resp) rows() *goquery.Selection { return r.doc.Find(rowSelector) }

// row is task id's row (ids are unique across targets).
func (r *resp) row(id string) *goquery.Selection {
	return r.doc.Find(`#task-rows > tr[id$="-` + id + `"]`)
}

// rowTask is the target and the task id of a row, read from its link.
func rowTask(row *goquery.Selection) (target, id string) {
	parts := strings.Split(rowLink(row).AttrOr("href", ""), "/") // /t/TARGET/tasks/ID
	if len(parts) != 5 {
		return "", ""
	}
	return parts[2], parts[4]
}

func rowLink(row *goquery.Selection) *goquery.Selection { return row.Find("td.name > a") }

// rowBadge is a row's status badge (data-status is the API's value).
func rowBadge(row *goquery.Selection) *goquery.Selection {
	return row.Find("td.state-cell .badge[data-status]")
}

func rowStatus(row *goquery.Selection) string { return rowBadge(row).AttrOr("data-status", "") }

// rowKind is a row's type and, below it, its method.
func rowKind(row *goquery.Selection) (typ, method string) {
	cell := row.Find("td.kind")
	method = cell.Find(".muted").Text()
	return strings.TrimSpace(strings.TrimSuffix(cell.Text(), method)), strings.TrimSpace(method)
}

// rowNetwork is the cell after the type's.
func rowNetwork(row *goquery.Selection) string {
	return strings.TrimSpace(row.Find("td.kind").Next().Text())
}

func rowProgress(row *goquery.Selection) *goquery.Selection { return row.Find("td.progress-cell") }

func rowError(row *goquery.Selection) *goquery.Selection { return row.Find("td.state-cell .row-error") }

// rowSelect is a row's batch box, where it may be stopped.
func rowSelect(row *goquery.Selection) *goquery.Selection { return row.Find(`input[name="task"]`) }

// rowTarget is the target column's cell (several targets only): the one
// after the progress cell, when it is not the type's.
func rowTarget(row *goquery.Selection) *goquery.Selection {
	return row.Find("td.progress-cell").Next().Not(".kind")
}

// rowStop is a row's Stop link.
func rowStop(row *goquery.Selection) *goquery.Selection { return row.Find("td.actions-cell a.btn-row") }

// rowType is a row's type (rowKind without the method).
func rowType(row *goquery.Selection) string { typ, _ := rowKind(row); return typ }
