package views

import (
	"fmt"
	"strings"
)

func lastPage(p ListPage) int {
	if p.PageSize <= 0 || p.Total <= 0 {
		return 1
	}
	return (p.Total + p.PageSize - 1) / p.PageSize
}

func listSummary(p ListPage) string {
	if p.Total == 0 {
		if p.Query != "" {
			return fmt.Sprintf("No migration task has a name containing “%s”.", p.Query)
		}
		return "There are no migration tasks in this project."
	}
	first := (p.Page-1)*p.PageSize + 1
	last := first + len(p.Rows) - 1
	if len(p.Rows) == 0 {
		return fmt.Sprintf("Page %d is past the end: there are %d tasks.", p.Page, p.Total)
	}
	s := fmt.Sprintf("Showing %d–%d of %d tasks", first, last, p.Total)
	if p.Query != "" {
		s += fmt.Sprintf(" whose name contains “%s”", p.Query)
	}
	return s + "."
}

func anyInProgress(p ListPage) bool {
	for i := range p.Rows {
		if p.Rows[i].Task.Status.InProgress() {
			return true
		}
	}
	return false
}

func rowsURL(query string, page int) string {
	return "/task-rows" + strings.TrimPrefix(listURL(query, page), "/")
}
