package views

import (
	"strconv"
	"strings"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// inFullSync reports whether a row's progress is best told as the full
// sync's percentage: until the full sync is done, and for good in a full
// migration. After it, what an incremental migration has to tell is its lag.
func inFullSync(t dcs.Task, st *dcs.Stats) bool {
	if t.Status.Incremental() {
		return false
	}
	done := st.FullProgress.Valid && st.FullProgress.Value >= 100
	return !(done && t.Method == dcs.MethodIncremental)
}

// lagShort is the list's replication lag: "caught up", "1.2 M behind".
func lagShort(n dcs.Number) string {
	if n.Valid && n.Value == 0 {
		return "caught up"
	}
	short, _ := compact(n)
	if !n.Valid {
		return "lag " + short
	}
	return short + " behind"
}

// lagExact is lagShort's figure in full, for the hover.
func lagExact(n dcs.Number) string { return "Replication lag (offset): " + lag(n) }

// progressNote is the progress column's words for a row without figures:
// why they are missing, or what the status says instead. "" leaves the
// cell empty (a finished task, or one being stopped).
func progressNote(row *TaskState) string {
	pr := row.Progress
	switch {
	case pr != nil && pr.Error != nil && pr.Error.Code != "":
		return "Unavailable (" + pr.Error.Code + ")"
	case pr != nil && pr.Error != nil:
		return "Unavailable"
	case pr != nil:
		return "Not read in time"
	case row.Task.Status.Tone() == dcs.ToneWaiting:
		return "Not started"
	case row.Task.Type == dcs.TypeBackupFileImport && row.Task.Status.Moving():
		if b := row.Task.Backup; b != nil && len(b.Files) > 0 {
			return "Importing " + plural(len(b.Files), "file", "files")
		}
		return "Importing backup files"
	}
	return ""
}

// progressHover is the whole story behind a note, for its title: what
// failed, with the API's code, message and request id.
func progressHover(row *TaskState) string {
	pr := row.Progress
	switch {
	case pr != nil && pr.Error != nil:
		return bannerLine(*pr.Error)
	case pr != nil:
		return "The DCS API did not answer in time; the next refresh asks again."
	case row.Task.Status.Tone() == dcs.ToneWaiting:
		return "The task waits for its configuration; nothing is migrated yet."
	case row.Task.Type == dcs.TypeBackupFileImport:
		return "The DCS API reports no progress figures for backup-file imports, only the status."
	}
	return ""
}

// bannerLine is a banner on one line: its title, the API's answer and the
// request id to quote.
func bannerLine(b Banner) string {
	parts := []string{b.Title}
	if b.HTTPStatus != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(b.HTTPStatus))
	}
	if b.Code != "" {
		parts = append(parts, b.Code)
	}
	if b.Message != "" {
		parts = append(parts, b.Message)
	}
	if b.RequestID != "" {
		parts = append(parts, "request id "+b.RequestID)
	}
	if b.Text != "" {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, " · ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
