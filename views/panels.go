package views

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/a-h/templ"
)

// logLevels are the logs panel's filter choices, in the order shown; ""
// is every level. They are the only levels the DCS API filters by.
var logLevels = []struct{ Level, Label, TestID string }{
	{"", "All", "log-level-all"},
	{"INFO", "INFO", "log-level-info"},
	{"ERROR", "ERROR", "log-level-error"},
}

// DetailLogsURL is the detail page showing one page of a task's logs. It is
// both the no-JavaScript link and the address htmx pushes into history, so
// a reload, a shared link or the back button lands on the same view. The
// defaults are left out, so the plain page keeps its plain address.
func DetailLogsURL(id, level string, page int) string {
	return taskURL(id) + logsQuery("log_level", "log_page", level, page)
}

// logsFragmentURL is the logs panel alone, which htmx swaps in place.
func logsFragmentURL(id, level string, page int) string {
	return taskURL(id) + "/logs" + logsQuery("level", "page", level, page)
}

func logsQuery(levelKey, pageKey, level string, page int) string {
	q := url.Values{}
	if level != "" {
		q.Set(levelKey, level)
	}
	if page > 1 {
		q.Set(pageKey, strconv.Itoa(page))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// currentAttr marks the filter in force, for screen readers and the CSS.
func currentAttr(current bool) templ.Attributes {
	if current {
		return templ.Attributes{"aria-current": "true"}
	}
	return templ.Attributes{}
}

func progressURL(id string) string { return taskURL(id) + "/progress" }

// progressPanelOf and logsPanelOf cut the detail page's panels out of it,
// so the page and the fragments render the very same components.
func progressPanelOf(p DetailPage) ProgressPanel {
	return ProgressPanel{TaskID: p.Task.ID, Status: p.Task.Status, Stats: p.Stats, Error: p.StatsErr, Refresh: p.State.Refresh}
}

func logsPanelOf(p DetailPage) LogsPanel {
	return LogsPanel{TaskID: p.Task.ID, Filter: p.LogFilter, Logs: p.Logs, Error: p.LogsErr}
}

// polls reports whether the panel reads itself again: only while the task
// can still move. A failed stats read keeps polling, so the panel recovers.
func (p ProgressPanel) polls() bool { return p.Refresh > 0 && p.Status.InProgress() }

func (f LogFilter) page() int { return max(f.Page, 1) }

// lastPage is the last page that has entries (1 when there are none).
func (p LogsPanel) lastPage() int {
	if p.Filter.PageSize <= 0 || p.Logs.Total <= 0 {
		return 1
	}
	return (p.Logs.Total + p.Filter.PageSize - 1) / p.Filter.PageSize
}

// hasOlder reports whether an "Older" page exists. After an error the
// total is unknown, so only the way back ("Newer") is offered.
func (p LogsPanel) hasOlder() bool { return p.Error == nil && p.Filter.page() < p.lastPage() }

func (p LogsPanel) hasPager() bool { return p.Filter.page() > 1 || p.hasOlder() }

// logsSummary says which entries are shown, out of how many, so nobody
// mistakes one page for the whole log.
func logsSummary(p LogsPanel) string {
	what := "log entries"
	if p.Filter.Level != "" {
		what = p.Filter.Level + " entries"
	}
	n, total := len(p.Logs.Entries), p.Logs.Total
	switch {
	case total == 0 && n == 0:
		return "No " + what + "."
	case n == 0:
		return fmt.Sprintf("Page %d is past the end: there are %d %s.", p.Filter.page(), total, what)
	}
	first := 1
	if p.Filter.PageSize > 0 {
		first = (p.Filter.page()-1)*p.Filter.PageSize + 1
	}
	return fmt.Sprintf("Newest first: %d–%d of %d %s.", first, first+n-1, max(total, first+n-1), what)
}
