package views

import (
	"context"
	"strconv"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// choice is one option of a filter's select.
type choice struct{ Value, Label string }

// The filter form's options; each one's "" is its default and what
// listquery.Parse reads a missing parameter as.

// statusChoices are the status filter's options, without counts.
func statusChoices(ctx context.Context) []choice {
	return []choice{{"", tr(ctx, "list.filter.status.all")}, {listquery.GroupInProgress, tr(ctx, "list.filter.status.in_progress")},
		{listquery.GroupFinished, tr(ctx, "list.filter.status.finished")}, {listquery.GroupFailed, tr(ctx, "list.filter.status.failed")}}
}

// typeChoices are the type filter's options.
func typeChoices(ctx context.Context) []choice {
	return []choice{{"", tr(ctx, "list.filter.type.all")}, {dcs.TypeOnlineMigration, KindName(ctx, dcs.TypeOnlineMigration)},
		{dcs.TypeBackupFileImport, KindName(ctx, dcs.TypeBackupFileImport)}}
}

// sortChoices are the orders the list offers.
func sortChoices(ctx context.Context) []choice {
	return []choice{{"", tr(ctx, "list.sort.newest")}, {listquery.SortOldest, tr(ctx, "list.sort.oldest")},
		{listquery.SortName, tr(ctx, "list.sort.name")}, {listquery.SortStatus, tr(ctx, "list.sort.status")}}
}

// statusChoicesOf are the status filter's options, each with how many
// tasks it lists when the counts are known: "In progress (12)", or "(12+)"
// when not every task was read.
func statusChoicesOf(ctx context.Context, p ListPage) []choice {
	choices := statusChoices(ctx)
	c := p.StatusCounts
	if c == nil {
		return choices
	}
	more := ""
	if c.Partial {
		more = "+"
	}
	out := make([]choice, len(choices))
	for i, ch := range choices {
		n := c.All
		if ch.Value != "" {
			n = c.ByGroup[ch.Value]
		}
		out[i] = choice{ch.Value, tr(ctx, "list.filter.status.counted", "Label", ch.Label, "N", grouped(int64(n))+more)}
	}
	return out
}

// sizeChoices are the page sizes the list offers.
func sizeChoices(ctx context.Context, q listquery.Query) []choice {
	sizes := q.Sizes()
	out := make([]choice, len(sizes))
	for i, n := range sizes {
		out[i] = choice{strconv.Itoa(n), tr(ctx, "list.filter.size.option", "N", n)}
	}
	return out
}

// listSummary says which tasks the page shows, in words that name every
// filter, so a shared link reads the same to whoever opens it.
func listSummary(ctx context.Context, p ListPage) string {
	count := listCount(ctx, p)
	if note := capNote(ctx, p); note != "" {
		return tr(ctx, "list.summary.with_note", "Summary", count, "Note", note)
	}
	return count
}

// listCount is the summary's first sentence: how many tasks, which ones.
func listCount(ctx context.Context, p ListPage) string {
	q := p.Query
	plain := q.Status == "" && q.Type == ""
	if p.Total == 0 {
		switch {
		case q.Name != "":
			return tr(ctx, "list.summary.none_named", "Noun", taskNoun(ctx, q, 1), "Name", q.Name)
		case plain:
			return tr(ctx, "list.summary.none")
		}
		return tr(ctx, "list.summary.none_filtered", "Noun", taskNoun(ctx, q, 0))
	}
	noun := trn(ctx, "list.noun.tasks", p.Total)
	if !plain {
		noun = taskNoun(ctx, q, p.Total)
	}
	first := q.Offset() + 1
	last := first + len(p.Rows) - 1
	if len(p.Rows) == 0 {
		return tr(ctx, "list.summary.past_end", "Page", q.Page, "Total", p.Total, "Noun", noun)
	}
	if q.Name != "" {
		noun = tr(ctx, "list.noun.named", "Noun", noun, "Name", q.Name)
	}
	if q.Sort == listquery.SortOldest {
		return tr(ctx, "list.summary.showing_oldest", "First", first, "Last", last, "Total", p.Total, "Noun", noun)
	}
	return tr(ctx, "list.showing", "First", first, "Last", last, "Total", p.Total, "Noun", noun)
}

// taskNoun names the tasks a query's filters keep, in the form for n of
// them: "failed online migration tasks".
func taskNoun(ctx context.Context, q listquery.Query, n int) string {
	var kind string
	switch q.Type {
	case dcs.TypeOnlineMigration:
		kind = tr(ctx, "list.noun.kind.online")
	case dcs.TypeBackupFileImport:
		kind = tr(ctx, "list.noun.kind.import")
	default:
		kind = tr(ctx, "list.noun.kind.any")
	}
	switch q.Status {
	case listquery.GroupInProgress:
		kind = tr(ctx, "list.noun.status.in_progress", "Kind", kind)
	case listquery.GroupFinished:
		kind = tr(ctx, "list.noun.status.finished", "Kind", kind)
	case listquery.GroupFailed:
		kind = tr(ctx, "list.noun.status.failed", "Kind", kind)
	}
	return trn(ctx, "list.noun.kind_tasks", n, "Kind", kind)
}

// capNote owns up to a list made of part of a target's tasks only (the
// dashboard reads at most 5000 a target for one view).
func capNote(ctx context.Context, p ListPage) string {
	switch {
	case p.Capped == 0:
		return ""
	case p.CappedTarget != "":
		return tr(ctx, "list.summary.capped_of", "Read", p.Capped, "Total", p.NameTotal, "Target", p.CappedTarget)
	}
	return tr(ctx, "list.summary.capped", "Read", p.Capped, "Total", p.NameTotal)
}

// rowsPoll reports whether the list's rows read themselves again every
// Refresh: while any task on the page is still in progress.
func rowsPoll(p ListPage) bool { return p.Refresh > 0 && anyInProgress(p) }

// statusPolls reports whether a status line reads itself again every
// Refresh: while its task is in progress (a stop settling included).
func statusPolls(p *TaskState) bool { return p.Task.Status.InProgress() && p.Refresh > 0 }

func anyInProgress(p ListPage) bool {
	for i := range p.Rows {
		if p.Rows[i].Task.Status.InProgress() {
			return true
		}
	}
	return false
}

// targetChoices are the target filter's options: every target, or one.
func targetChoices(ctx context.Context, ts []TargetChoice) []choice {
	out := []choice{{"", tr(ctx, "list.filter.target.all")}}
	for _, t := range ts {
		out = append(out, choice{t.Name, tr(ctx, "list.filter.target.option", "Label", t.Label, "Where", t.Where)})
	}
	return out
}

// alertsApart reports whether a stop's answer for p shows its banner in
// the page's alert area rather than in the status block: an error or a
// warning answered into a list row, which the rows' refresh would replace.
func alertsApart(p *TaskState) bool {
	return p.Banner != nil && p.Banner.IsAlert() && !p.OnTaskPage()
}

// Selectable reports whether the row of p may be ticked for a batch stop.
func (p *TaskState) Selectable() bool { return p.CanStop && p.Task.Status.Stoppable() }

// anySelectable reports whether any row of p has a selection box.
func anySelectable(p ListPage) bool {
	for i := range p.Rows {
		if r := &p.Rows[i]; r.SelectCell && r.Selectable() {
			return true
		}
	}
	return false
}

// stateID is the id of a task's status block on its page.
func stateID(p *TaskState) string { return "state-" + p.Target + "-" + p.Task.ID }

// stopTarget is where a stop's answer goes: the status block on the task's
// page, the status cell of the task's row in a list (stopSwap says how).
func stopTarget(p *TaskState) string {
	if p.OnTaskPage() {
		return "#" + stateID(p)
	}
	return "#" + rowID(p) + " .state-cell"
}

func stopSwap(p *TaskState) string {
	if p.OnTaskPage() {
		return "outerHTML"
	}
	return "innerHTML"
}

// OnTaskPage reports whether p is shown on the task's own page (where its
// Overview facts follow the status), rather than in a list.
func (p *TaskState) OnTaskPage() bool { return p.ReturnTo == routes.TaskURL(p.Target, p.Task.ID) }
