package audit

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Caps on field lengths, in runes. They bound the size of a line (so readers
// can bound memory) and stop a hostile form or header from bloating the log.
// Newlines and other control characters need no stripping: JSON encoding
// escapes them, so no field can break the one-record-per-line format.
const (
	maxReason     = 1000
	maxUser       = 256
	maxEmail      = 320
	maxGroups     = 64 // entries
	maxGroup      = 256
	maxRemoteAddr = 256
	maxTaskID     = 128
	maxTaskName   = 256
	maxShort      = 128 // action, outcome, error code, request id, event, attempt id
)

// truncMark ends a value that was cut, so a reader knows it was longer.
const truncMark = "…"

// capRunes makes s valid UTF-8 and at most n runes long. Invalid bytes
// become U+FFFD here rather than in the JSON encoder, so the record returned
// by Intent is exactly the record read back.
func capRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return s[:i] + truncMark
}

// sanitize returns r with every string field valid UTF-8 and capped. Groups
// is copied, so the caller changing its slice later cannot change a record
// already handed back.
func sanitize(r Record) Record {
	// Every string field of Record with its cap: one left out would reach the log uncapped.
	for _, f := range []struct {
		s   *string
		max int
	}{
		{&r.Event, maxShort}, {&r.AttemptID, maxShort}, {&r.Action, maxShort},
		{&r.User, maxUser}, {&r.Email, maxEmail}, {&r.RemoteAddr, maxRemoteAddr},
		{&r.TaskID, maxTaskID}, {&r.TaskName, maxTaskName}, {&r.Reason, maxReason},
		{&r.Outcome, maxShort}, {&r.ErrorCode, maxShort}, {&r.RequestID, maxShort},
		{&r.JoinedAttemptID, maxShort}, {&r.JoinedUser, maxUser},
		{&r.Target, maxShort}, {&r.Region, maxShort}, {&r.ProjectID, maxShort},
	} {
		*f.s = capRunes(*f.s, f.max)
	}
	if len(r.Groups) == 0 {
		r.Groups = nil // omitempty reads an empty list back as nil
		return r
	}
	src := r.Groups
	extra := 0
	if len(src) > maxGroups {
		src, extra = src[:maxGroups-1], len(src)-(maxGroups-1)
	}
	groups := make([]string, 0, len(src)+1)
	for _, g := range src {
		groups = append(groups, capRunes(g, maxGroup))
	}
	if extra > 0 {
		groups = append(groups, fmt.Sprintf("%s(%d more)", truncMark, extra))
	}
	r.Groups = groups
	return r
}

// validate rejects an intent that could not tell a reader who did what.
func validate(r Record) error {
	switch {
	case strings.TrimSpace(r.User) == "":
		return errors.New("no user")
	case strings.TrimSpace(r.TaskID) == "":
		return errors.New("no task id")
	case r.Action != ActionStop && r.Action != ActionBatchStop:
		return fmt.Errorf("unknown action %q", r.Action)
	}
	return nil
}

// attrs mirrors the JSON line as slog attributes (empty optional fields
// omitted, as in the file). The record time is "audit_time" because the
// handler already writes its own "time" key.
func (r Record) attrs() []any {
	a := []any{
		slog.Time("audit_time", r.Time),
		slog.String("event", r.Event),
		slog.String("attempt_id", r.AttemptID),
		slog.String("action", r.Action),
		slog.String("user", r.User),
	}
	opt := func(k, v string) {
		if v != "" {
			a = append(a, slog.String(k, v))
		}
	}
	opt("email", r.Email)
	if len(r.Groups) > 0 {
		a = append(a, slog.Any("groups", r.Groups))
	}
	opt("remote_addr", r.RemoteAddr)
	opt("target", r.Target)
	opt("region", r.Region)
	opt("project_id", r.ProjectID)
	a = append(a, slog.String("task_id", r.TaskID))
	opt("task_name", r.TaskName)
	opt("reason", r.Reason)
	opt("outcome", r.Outcome)
	if r.HTTPStatus != 0 {
		a = append(a, slog.Int("http_status", r.HTTPStatus))
	}
	opt("error_code", r.ErrorCode)
	opt("request_id", r.RequestID)
	opt("joined_attempt_id", r.JoinedAttemptID)
	opt("joined_user", r.JoinedUser)
	if r.DurationMS != 0 {
		a = append(a, slog.Int64("duration_ms", r.DurationMS))
	}
	return a
}
