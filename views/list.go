package views

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// choice is one option of a filter's select.
type choice struct{ Value, Label string }

// The filter form's options; each one's "" is its default and what
// listquery.Parse reads a missing parameter as.
var (
	statusChoices = []choice{{"", "All statuses"}, {listquery.GroupInProgress, "In progress"},
		{listquery.GroupFinished, "Finished"}, {listquery.GroupFailed, "Failed"}}
	typeChoices = []choice{{"", "All types"}, {dcs.TypeOnlineMigration, "Online migration"}, {dcs.TypeBackupFileImport, "Backup file import"}}
	sortChoices = []choice{{"", "Newest first"}, {listquery.SortOldest, "Oldest first"},
		{listquery.SortName, "Name (A–Z)"}, {listquery.SortStatus, "Status"}}
)

// statusChoicesOf are the status filter's options, each with how many
// tasks it lists when the counts are known: "In progress (12)", or "(12+)"
// when not every task was read.
func statusChoicesOf(p ListPage) []choice {
	c := p.StatusCounts
	if c == nil {
		return statusChoices
	}
	more := ""
	if c.Partial {
		more = "+"
	}
	out := make([]choice, len(statusChoices))
	for i, ch := range statusChoices {
		n := c.All
		if ch.Value != "" {
			n = c.ByGroup[ch.Value]
		}
		out[i] = choice{ch.Value, ch.Label + " (" + grouped(int64(n)) + more + ")"}
	}
	return out
}

// sizeChoices are the page sizes the list offers.
func sizeChoices(q listquery.Query) []choice {
	sizes := q.Sizes()
	out := make([]choice, len(sizes))
	for i, n := range sizes {
		out[i] = choice{strconv.Itoa(n), strconv.Itoa(n) + " per page"}
	}
	return out
}

// listSummary says which tasks the page shows, in words that name every
// filter, so a shared link reads the same to whoever opens it.
func listSummary(p ListPage) string {
	return listCount(p) + capNote(p)
}

// listCount is the summary's first sentence: how many tasks, which ones.
func listCount(p ListPage) string {
	q := p.Query
	plain := q.Status == "" && q.Type == ""
	if p.Total == 0 {
		switch {
		case q.Name != "":
			return fmt.Sprintf("No %s has a name containing “%s”.", taskNoun(q, false), q.Name)
		case plain:
			return "There are no migration tasks in this project."
		}
		return fmt.Sprintf("There are no %s.", taskNoun(q, true))
	}
	noun := "tasks"
	if !plain {
		noun = taskNoun(q, true)
	}
	first := q.Offset() + 1
	last := first + len(p.Rows) - 1
	if len(p.Rows) == 0 {
		return fmt.Sprintf("Page %d is past the end: there are %d %s.", q.Page, p.Total, noun)
	}
	s := fmt.Sprintf("Showing %d–%d of %d %s", first, last, p.Total, noun)
	if q.Name != "" {
		s += fmt.Sprintf(" whose name contains “%s”", q.Name)
	}
	if q.Sort == listquery.SortOldest {
		s += ", oldest first"
	}
	return s + "."
}

// taskNoun names the tasks a query's filters keep: "failed online migration tasks".
func taskNoun(q listquery.Query, plural bool) string {
	var words []string
	switch q.Status {
	case listquery.GroupInProgress:
		words = append(words, "in-progress")
	case listquery.GroupFinished:
		words = append(words, "finished")
	case listquery.GroupFailed:
		words = append(words, "failed")
	}
	switch q.Type {
	case dcs.TypeOnlineMigration:
		words = append(words, "online migration")
	case dcs.TypeBackupFileImport:
		words = append(words, "backup file import")
	default:
		words = append(words, "migration")
	}
	if plural {
		return strings.Join(words, " ") + " tasks"
	}
	return strings.Join(words, " ") + " task"
}

// capNote owns up to a list made of part of a target's tasks only (the
// dashboard reads at most 5000 a target for one view).
func capNote(p ListPage) string {
	if p.Capped == 0 {
		return ""
	}
	of := ""
	if p.CappedTarget != "" {
		of = " of " + p.CappedTarget
	}
	return fmt.Sprintf(" Only the newest %d of %d tasks%s were read: search by name or pick a target to narrow them down.",
		p.Capped, p.NameTotal, of)
}

func anyInProgress(p ListPage) bool {
	for i := range p.Rows {
		if p.Rows[i].Task.Status.InProgress() {
			return true
		}
	}
	return false
}

// targetChoices are the target filter's options: every target, or one.
func targetChoices(ts []TargetChoice) []choice {
	out := []choice{{"", "All targets"}}
	for _, t := range ts {
		out = append(out, choice{t.Name, t.Label + " (" + t.Where + ")"})
	}
	return out
}

// stateID is the id of a task's status block, unique on a page that shows
// tasks of several targets.
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

func stateID(p *TaskState) string { return "state-" + p.Target + "-" + p.Task.ID }

// OnTaskPage reports whether p is shown on the task's own page (where its
// Overview facts follow the status), rather than in a list.
func (p *TaskState) OnTaskPage() bool { return p.ReturnTo == routes.TaskURL(p.Target, p.Task.ID) }
