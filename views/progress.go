package views

import (
	"context"
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
func lagShort(ctx context.Context, n dcs.Number) string {
	if n.Valid && n.Value == 0 {
		return tr(ctx, "format.lag.caught_up")
	}
	short, _ := compact(ctx, n)
	if !n.Valid {
		return tr(ctx, "format.lag.unread", "N", short)
	}
	return tr(ctx, "format.lag.behind", "N", short)
}

// lagExact is lagShort's figure in full, for the hover.
func lagExact(ctx context.Context, n dcs.Number) string {
	return tr(ctx, "list.progress.lag_hover", "Lag", lag(ctx, n))
}

// progressNote is the progress column's words for a row without figures:
// why they are missing, or what the status says instead. "" leaves the
// cell empty (a finished task, or one being stopped).
func progressNote(ctx context.Context, row *TaskState) string {
	pr := row.Progress
	switch {
	case pr != nil && pr.Error != nil && pr.Error.Code != "":
		return tr(ctx, "list.progress.unavailable_code", "Code", pr.Error.Code)
	case pr != nil && pr.Error != nil:
		return tr(ctx, "list.progress.unavailable")
	case pr != nil:
		return tr(ctx, "list.progress.late")
	case row.Task.Status.Tone() == dcs.ToneWaiting:
		return tr(ctx, "list.progress.not_started")
	case row.Task.Type == dcs.TypeBackupFileImport && row.Task.Status.Moving():
		if b := row.Task.Backup; b != nil && len(b.Files) > 0 {
			return trn(ctx, "list.progress.importing_files", len(b.Files))
		}
		return tr(ctx, "list.progress.importing")
	}
	return ""
}

// progressHover is the whole story behind a note, for its title: what
// failed, with the API's code, message and request id.
func progressHover(ctx context.Context, row *TaskState) string {
	pr := row.Progress
	switch {
	case pr != nil && pr.Error != nil:
		return bannerLine(ctx, *pr.Error)
	case pr != nil:
		return tr(ctx, "list.progress.late_hover")
	case row.Task.Status.Tone() == dcs.ToneWaiting:
		return tr(ctx, "list.progress.not_started_hover")
	case row.Task.Type == dcs.TypeBackupFileImport:
		return tr(ctx, "list.progress.import_hover")
	}
	return ""
}

// bannerLine is a banner on one line: its title, the API's answer and the
// request id to quote.
func bannerLine(ctx context.Context, b Banner) string {
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
		parts = append(parts, tr(ctx, "list.progress.request_id", "ID", b.RequestID))
	}
	if b.Text != "" {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, " · ")
}
