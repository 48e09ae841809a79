package dcs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// maxBody bounds a 2xx body; a page of tasks is a few hundred KiB at most.
const maxBody = 8 << 20

// readAnswer reads a 2xx body up to maxBody and checks it is a JSON object.
// Errors carry no Op (the caller sets it) and never quote the body.
func readAnswer(body io.ReadCloser, timeout string) ([]byte, *APIError) {
	status, reqID := 0, ""
	if a, ok := body.(*answer); ok {
		status, reqID = a.status, a.requestID
	}
	fail := func(kind ErrorKind, format string, args ...any) *APIError {
		return &APIError{Kind: kind, HTTPStatus: status, RequestID: reqID, Message: fmt.Sprintf(format, args...)}
	}
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return nil, fail(KindTimeout, "no complete answer within %s", timeout)
		}
		return nil, fail(KindNetwork, "the connection broke while reading the answer")
	}
	if len(data) > maxBody {
		return nil, fail(KindDecode, "the DCS API answered %s with a body larger than %d MiB", statusLine(status), maxBody>>20)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fail(KindDecode, "the DCS API answered %s with an empty body where a result was expected", statusLine(status))
	}
	if data[0] != '{' {
		return nil, fail(KindDecode, "the DCS API answered %s with a body that is not a JSON object", statusLine(status))
	}
	return data, nil
}

// unmarshalAnswer decodes data into v; the error names the position, never
// the content, because the body may hold passwords.
func unmarshalAnswer(data []byte, v any) *APIError {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	where := ""
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		where = fmt.Sprintf(" (invalid JSON at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		where = fmt.Sprintf(" (unexpected %s at %q)", typ.Value, typ.Field)
	}
	return &APIError{Kind: KindDecode, Message: "the DCS API answered with a body that is not the documented JSON" + where}
}

func str(s wireString) string { return strings.TrimSpace(string(s)) }

// task maps the fields every task shape carries.
func (w wireSummary) task() Task {
	return Task{
		ID:                str(w.TaskID),
		Name:              str(w.TaskName),
		Description:       str(w.Description),
		Status:            Status(str(w.Status)),
		TaskStatus:        str(w.TaskStatus),
		Type:              str(w.MigrationType),
		Method:            str(w.MigrationMethod),
		NetworkType:       str(w.NetworkType),
		ECSPrivateIP:      str(w.EcsTenantPrivateIP),
		DataSource:        str(w.DataSource),
		ErrorMessage:      str(w.ErrorMessage),
		CreatedAt:         ParseTimestamp(string(w.CreatedAt)),
		UpdatedAt:         ParseTimestamp(string(w.UpdatedAt)),
		ReleasedAt:        ParseTimestamp(string(w.ReleasedAt)),
		Version:           str(w.Version),
		ResumeMode:        str(w.ResumeMode),
		SupportedFeatures: []string(w.SupportedFeatures),
	}
}

// taskFromDetail maps the detail shape (Show, Stop). Passwords were reduced
// to presence flags by the wire types and cannot appear here.
func taskFromDetail(w wireTask) Task {
	t := w.task()
	t.BandwidthLimitMB = str(w.BandwidthLimitMB)
	t.TenantVPCID = str(w.TenantVpcID)
	t.TenantSubnetID = str(w.TenantSubnetID)
	t.TenantSecGroupID = str(w.TenantSecGroupID)
	if s, ok := w.SourceInstance.get(); ok {
		t.Source = SourceInstance{Addrs: str(s.Addrs), Name: str(s.Name), ID: str(s.ID), PasswordSet: bool(s.Password)}
	}
	if g, ok := w.TargetInstance.get(); ok {
		t.Target = TargetInstance{ID: str(g.ID), Name: str(g.Name), Addrs: str(g.Addrs), PasswordSet: bool(g.Password)}
	}
	if b, ok := w.BackupFiles.get(); ok {
		t.Backup = &BackupFiles{Source: str(b.FileSource), Bucket: str(b.BucketName), BackupID: str(b.BackupID)}
		for _, f := range b.Files {
			t.Backup.Files = append(t.Backup.Files, BackupFile{
				Name: str(f.FileName), Size: f.Size, UpdatedAt: ParseTimestamp(string(f.UpdateAt)),
			})
		}
	}
	return t
}

// taskFromListItem maps a flat list item onto the summary fields.
func taskFromListItem(w wireListItem) Task {
	t := w.task()
	t.Source = SourceInstance{Name: str(w.SourceInstanceName), ID: str(w.SourceInstanceID), Addrs: str(w.SourceInstanceAddrs)}
	t.Target = TargetInstance{Name: str(w.TargetInstanceName), ID: str(w.TargetInstanceID), Addrs: str(w.TargetInstanceAddrs)}
	return t
}

// countOr reads a total the API may omit; then the page length stands in.
func countOr(n Number, fallback int) int {
	if !n.Valid || n.Value < 0 {
		return fallback
	}
	return int(n.Int())
}

// decodeAs decodes data as the wire shape W and maps it onto the domain
// type with conv; on error the result is T's zero value.
func decodeAs[W, T any](data []byte, conv func(W) T) (T, *APIError) {
	var w W
	if err := unmarshalAnswer(data, &w); err != nil {
		var zero T
		return zero, err
	}
	return conv(w), nil
}

func decodeTask(data []byte) (Task, *APIError)         { return decodeAs(data, taskFromDetail) }
func decodeTaskPage(data []byte) (TaskPage, *APIError) { return decodeAs(data, taskPageFrom) }
func decodeStats(data []byte) (Stats, *APIError)       { return decodeAs(data, statsFrom) }
func decodeLogPage(data []byte) (LogPage, *APIError)   { return decodeAs(data, logPageFrom) }

func taskPageFrom(w wireList) TaskPage {
	page := TaskPage{Tasks: make([]Task, 0, len(w.MigrationTasks))}
	for _, it := range w.MigrationTasks {
		page.Tasks = append(page.Tasks, taskFromListItem(it))
	}
	page.Total = countOr(w.Count, len(page.Tasks))
	return page
}

func statsFrom(w wireStats) Stats {
	return Stats{
		FullProgress: w.FullMigrationProgress,
		Offset:       w.Offset,
		SourceKeys:   w.SourceDbsize,
		TargetKeys:   w.TargetDbsize,
		InputKbps:    w.TargetInputKbps,
		Ops:          w.TargetOps,
		Migrating:    w.IsMigrating.ptr(),
	}
}

func logPageFrom(w wireLogs) LogPage {
	page := LogPage{Entries: make([]LogEntry, 0, len(w.MigrationLogs))}
	for _, l := range w.MigrationLogs {
		page.Entries = append(page.Entries, LogEntry{
			Time:     ParseTimestamp(string(l.CreatedAt)),
			Level:    str(l.LogLevel),
			Message:  str(l.Message),
			Code:     str(l.LogCode),
			Keywords: []string(l.Keyword),
		})
	}
	page.Total = countOr(w.LogNum, len(page.Entries))
	return page
}

// decodeStopResults maps one result per task. A requested id the API did
// not answer for gets a result too, so no task silently drops out of a
// batch; it is not Accepted, and its message says the outcome is unknown.
func decodeStopResults(data []byte, ids []string) ([]StopResult, *APIError) {
	return decodeAs(data, func(w wireBatchStop) []StopResult { return stopResultsFrom(w, ids) })
}

func stopResultsFrom(w wireBatchStop, ids []string) []StopResult {
	out := make([]StopResult, 0, len(ids))
	seen := make(map[string]bool, len(w.MigrationTasks))
	for _, r := range w.MigrationTasks {
		res := StopResult{
			TaskID:   str(r.TaskID),
			Accepted: strings.EqualFold(str(r.Result), "success"),
			Code:     clip(str(r.ErrorCode), 64),
			Message:  clip(str(r.ErrorMsg), maxErrorText),
		}
		if !res.Accepted && res.Code == "" && res.Message == "" {
			res.Message = fmt.Sprintf("the DCS API answered %q for this task", clip(str(r.Result), 64))
		}
		seen[res.TaskID] = true
		out = append(out, res)
	}
	for _, id := range ids {
		if !seen[id] {
			out = append(out, StopResult{TaskID: id, NoAnswer: true,
				Message: "the DCS API sent no result for this task; read it again to learn its status"})
		}
	}
	return out
}
