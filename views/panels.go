package views

import (
	"context"

	"github.com/a-h/templ"

	"github.com/dcs-dashboard/migrations/internal/listquery"
)

// logLevels are the logs panel's filter choices, in the order shown; ""
// is every level. They are the only levels the DCS API filters by, shown
// as the API names them; "" (every level) has words of its own.
var logLevels = []struct{ Level, TestID string }{
	{"", "log-level-all"},
	{"INFO", "log-level-info"},
	{"ERROR", "log-level-error"},
}

// levelLabel is a level filter choice in words.
func levelLabel(ctx context.Context, level string) string {
	if level == "" {
		return tr(ctx, "panels.logs.all")
	}
	return level
}

// currentAttr marks the filter in force, for screen readers and the CSS.
func currentAttr(current bool) templ.Attributes {
	if current {
		return templ.Attributes{"aria-current": "true"}
	}
	return templ.Attributes{}
}

// progressPanelOf and logsPanelOf cut the detail page's panels out of it,
// so the page and the fragments render the very same components.
func progressPanelOf(p DetailPage) ProgressPanel {
	return ProgressPanel{Target: p.State.Target, TaskID: p.Task.ID, Status: p.Task.Status, Stats: p.Stats, Error: p.StatsErr, Refresh: p.State.Refresh}
}

func logsPanelOf(p DetailPage) LogsPanel {
	return LogsPanel{Target: p.State.Target, TaskID: p.Task.ID, Filter: p.LogFilter, Logs: p.Logs, Error: p.LogsErr}
}

// polls reports whether the panel reads itself again: only while the task
// can still move. A failed stats read keeps polling, so the panel recovers.
func (p ProgressPanel) polls() bool { return p.Refresh > 0 && p.Status.InProgress() }

func (f LogFilter) page() int { return max(f.Page, 1) }

// lastPage is the last page that has entries (1 when there are none).
func (p LogsPanel) lastPage() int { return listquery.LastPage(p.Logs.Total, p.Filter.PageSize) }

// hasOlder reports whether an "Older" page exists. After an error the
// total is unknown, so only the way back ("Newer") is offered.
func (p LogsPanel) hasOlder() bool { return p.Error == nil && p.Filter.page() < p.lastPage() }

func (p LogsPanel) hasPager() bool { return p.Filter.page() > 1 || p.hasOlder() }

// logsSummary says which entries are shown, out of how many, so nobody
// mistakes one page for the whole log.
func logsSummary(ctx context.Context, p LogsPanel) string {
	level := p.Filter.Level
	n, total := len(p.Logs.Entries), p.Logs.Total
	switch {
	case total == 0 && n == 0 && level == "":
		return tr(ctx, "panels.logs.none")
	case total == 0 && n == 0:
		return tr(ctx, "panels.logs.none_level", "Level", level)
	case n == 0 && level == "":
		return trn(ctx, "panels.logs.past_end", total, "Page", p.Filter.page(), "Total", total)
	case n == 0:
		return trn(ctx, "panels.logs.past_end_level", total, "Page", p.Filter.page(), "Total", total, "Level", level)
	}
	first := 1
	if p.Filter.PageSize > 0 {
		first = (p.Filter.page()-1)*p.Filter.PageSize + 1
	}
	last, all := first+n-1, max(total, first+n-1)
	if level == "" {
		return trn(ctx, "panels.logs.showing", all, "First", first, "Last", last, "Total", all)
	}
	return trn(ctx, "panels.logs.showing_level", all, "First", first, "Last", last, "Total", all, "Level", level)
}
