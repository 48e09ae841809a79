package views

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// The list's URL values for a status group and an order. The empty value is
// the default (every status, newest first); handlers decides which statuses
// each group holds.
const (
	GroupInProgress = "in_progress"
	GroupFinished   = "finished"
	GroupFailed     = "failed"
	SortOldest      = "oldest"
)

// PageSizes are the page sizes the list offers.
var PageSizes = []int{20, 50, 100}

// ListFilter is what the list's URL carries besides the search and the page
// number. Its zero value is the default list, and URLs leave defaults out,
// so the plain list keeps its plain addresses.
type ListFilter struct {
	Status string // "" or a Group* value
	Type   string // "" or a migration type (dcs.Type*)
	Sort   string // "" (newest first) or SortOldest
	Size   int    // tasks per page; 0 is the dashboard's default
}

// choice is one option of a filter's select.
type choice struct{ Value, Label string }

// The filter form's options; each one's "" is its default and what the
// handlers read a missing parameter as.
var (
	statusChoices = []choice{{"", "All statuses"}, {GroupInProgress, "In progress"}, {GroupFinished, "Finished"}, {GroupFailed, "Failed"}}
	typeChoices   = []choice{{"", "All types"}, {dcs.TypeOnlineMigration, "Online migration"}, {dcs.TypeBackupFileImport, "Backup file import"}}
	sortChoices   = []choice{{"", "Newest first"}, {SortOldest, "Oldest first"}}
)

// sizeChoices are PageSizes, plus the page's own size if the dashboard was
// set up with another default.
func sizeChoices(p ListPage) []choice {
	sizes := slices.Clone(PageSizes)
	if p.PageSize > 0 && !slices.Contains(sizes, p.PageSize) {
		sizes = append(sizes, p.PageSize)
		slices.Sort(sizes)
	}
	out := make([]choice, len(sizes))
	for i, n := range sizes {
		out[i] = choice{strconv.Itoa(n), strconv.Itoa(n) + " per page"}
	}
	return out
}

// filtered reports whether the list differs from the plain one, so the
// filter form offers to clear it.
func filtered(p ListPage) bool {
	return p.Query != "" || p.Filter.Status != "" || p.Filter.Type != "" || p.Filter.Sort != "" || p.Filter.Size != 0
}

func lastPage(p ListPage) int {
	if p.PageSize <= 0 || p.Total <= 0 {
		return 1
	}
	return (p.Total + p.PageSize - 1) / p.PageSize
}

// listSummary says which tasks the page shows, in words that name every
// filter, so a shared link reads the same to whoever opens it.
func listSummary(p ListPage) string {
	return listCount(p) + capNote(p)
}

// listCount is the summary's first sentence: how many tasks, which ones.
func listCount(p ListPage) string {
	f := p.Filter
	plain := f.Status == "" && f.Type == ""
	if p.Total == 0 {
		switch {
		case p.Query != "":
			return fmt.Sprintf("No %s has a name containing “%s”.", taskNoun(f, false), p.Query)
		case plain:
			return "There are no migration tasks in this project."
		}
		return fmt.Sprintf("There are no %s.", taskNoun(f, true))
	}
	noun := "tasks"
	if !plain {
		noun = taskNoun(f, true)
	}
	first := (p.Page-1)*p.PageSize + 1
	last := first + len(p.Rows) - 1
	if len(p.Rows) == 0 {
		return fmt.Sprintf("Page %d is past the end: there are %d %s.", p.Page, p.Total, noun)
	}
	s := fmt.Sprintf("Showing %d–%d of %d %s", first, last, p.Total, noun)
	if p.Query != "" {
		s += fmt.Sprintf(" whose name contains “%s”", p.Query)
	}
	if f.Sort == SortOldest {
		s += ", oldest first"
	}
	return s + "."
}

// taskNoun names the tasks a filter keeps: "failed online migration tasks".
func taskNoun(f ListFilter, plural bool) string {
	var words []string
	switch f.Status {
	case GroupInProgress:
		words = append(words, "in-progress")
	case GroupFinished:
		words = append(words, "finished")
	case GroupFailed:
		words = append(words, "failed")
	}
	switch f.Type {
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

// capNote owns up to a filter applied to part of the tasks only.
func capNote(p ListPage) string {
	if p.Capped == 0 {
		return ""
	}
	return fmt.Sprintf(" Filters were applied to the first %d of %d tasks only: search by name to narrow them down.", p.Capped, p.NameTotal)
}

func anyInProgress(p ListPage) bool {
	for i := range p.Rows {
		if p.Rows[i].Task.Status.InProgress() {
			return true
		}
	}
	return false
}

// rowsURL is the table body of this very page, filters included, for the
// rows' refresh.
func rowsURL(p ListPage) string {
	return "/task-rows?" + listValues(p.Query, p.Filter, p.Page).Encode()
}

// listReturn is this list page's own address, for forms that come back to it.
func listReturn(p ListPage) string { return listURL(p, p.Page) }
