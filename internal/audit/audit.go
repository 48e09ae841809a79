// Package audit is the dashboard's record of who stopped which migration
// task. The dashboard calls DCS with one shared AK/SK, so the cloud's own
// trail only names the dashboard's account: this log is the only place that
// says which person pressed "stop".
//
// The log is a file of JSON lines, one Record per line, append-only. Every
// stop is bracketed by two records: an intent, written and fsync'd before the
// DCS call, and an outcome written after it. Intent returning an error means
// the caller must refuse the stop, so there is no unaudited stop: either the
// intent is on disk or the stop never reaches DCS. A crash between the two
// leaves an intent without an outcome, which readers show as "no outcome
// recorded".
//
// Rotation may move the file away: the next record notices and opens a new
// file at the path (logrotate's copytruncate works too).
package audit

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Event values of Record.Event.
const (
	// EventIntent is written, and fsync'd, before the stop is sent to DCS.
	EventIntent = "intent"
	// EventOutcome is written after DCS answered (or failed to).
	EventOutcome = "outcome"
)

// Action values of Record.Action.
const (
	// ActionStop is a single-task stop.
	ActionStop = "stop"
	// ActionBatchStop is one task of a batch stop; each task gets its own
	// intent so the log never has to be read as a list.
	ActionBatchStop = "batch-stop"
)

// Outcome values of Record.Outcome.
const (
	// OutcomeAccepted means DCS accepted the stop request.
	OutcomeAccepted = "accepted"
	// OutcomeRefused means DCS answered with a client error (e.g. the task
	// is not in a stoppable state).
	OutcomeRefused = "refused"
	// OutcomeFailed means the call failed with a server or transport error
	// that says the stop did not happen.
	OutcomeFailed = "failed"
	// OutcomeUnknown means it is not known whether DCS acted (timeout,
	// connection lost after sending).
	OutcomeUnknown = "unknown"
	// OutcomeJoined means this attempt sent nothing of its own: a stop of
	// the same task by another attempt (JoinedAttemptID) was in flight or
	// had just been accepted, and this one shares its answer.
	OutcomeJoined = "joined"
)

// CodeNotSent is the error code of a failed outcome the dashboard wrote for
// itself: the stop was refused before it was sent (another part of its
// batch could not be recorded), so nothing reached the DCS API.
const CodeNotSent = "dashboard.not-sent"

// CodeShutdown is the error code of an unknown outcome the dashboard wrote
// for itself: it was shutting down before the DCS API answered the stop.
const CodeShutdown = "dashboard.shutdown"

// Record is one line of the audit log (JSON lines, snake_case keys). It has
// deliberately no field that could carry a password or credential.
type Record struct {
	Time       time.Time `json:"time"`
	Event      string    `json:"event"`      // EventIntent or EventOutcome
	AttemptID  string    `json:"attempt_id"` // links an outcome to its intent; random, assigned by Intent
	Action     string    `json:"action"`     // ActionStop or ActionBatchStop
	User       string    `json:"user"`
	Email      string    `json:"email,omitempty"`
	Groups     []string  `json:"groups,omitempty"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
	// Target, Region and ProjectID say where the task lives: the
	// dashboard's name for the region (or endpoint) and project, and those.
	Target     string `json:"target,omitempty"`
	Region     string `json:"region,omitempty"`
	ProjectID  string `json:"project_id,omitempty"`
	TaskID     string `json:"task_id"`
	TaskName   string `json:"task_name,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Outcome    string `json:"outcome,omitempty"` // one of the Outcome* constants
	HTTPStatus int    `json:"http_status,omitempty"`
	ErrorCode  string `json:"error_code,omitempty"` // DCS error code
	RequestID  string `json:"request_id,omitempty"` // DCS X-Request-Id
	DurationMS int64  `json:"duration_ms,omitempty"`
	// JoinedAttemptID is, on a joined outcome, the attempt whose call this
	// one shared (its records name who sent it).
	JoinedAttemptID string `json:"joined_attempt_id,omitempty"`
	// JoinedUser is who sent that call, repeated so the line stands alone.
	JoinedUser string `json:"joined_user,omitempty"`
}

// Log appends audit records to one file. It is safe for concurrent use;
// several Logs (also in other processes) may append to the same file.
type Log struct {
	path   string
	logger *slog.Logger
	now    func() time.Time

	mu sync.Mutex // serialises writes; also held while Recent sizes the file
	f  *os.File   // nil after Close
	// startNewline is set when the file may end in a partial line (a crash
	// or failed write cut a record short). The next record then begins with
	// "\n" so it is not glued onto the fragment and lost with it.
	startNewline bool
}

// Open opens (creating with mode 0600 if needed) the audit log at path for
// appending. The directory must already exist: creating it here would hide a
// mistyped path. Open fails if the file cannot be opened for writing, with an
// error like "audit log /x: permission denied", so a misconfigured dashboard
// fails at start-up rather than at the first stop. A nil logger discards; a
// nil now means time.Now.
func Open(path string, logger *slog.Logger, now func() time.Time) (*Log, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	// O_APPEND makes each write() land atomically at the current end of
	// file, also relative to other processes appending to it.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("audit log %s: %w (the directory must exist)", path, err)
		}
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	return &Log{path: path, logger: logger, now: now, f: f, startNewline: !endsWithNewline(path)}, nil
}

// endsWithNewline reports whether the file at path is empty, not a regular
// file, or ends in "\n". When in doubt it says false: a blank line costs
// nothing, gluing a record onto a fragment costs the record.
func endsWithNewline(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	if !st.Mode().IsRegular() || st.Size() == 0 {
		return true
	}
	var b [1]byte
	if _, err := f.ReadAt(b[:], st.Size()-1); err != nil {
		return false
	}
	return b[0] == '\n'
}

// Path returns the file the log appends to.
func (l *Log) Path() string { return l.path }

// Close closes the file. Later Intent and Outcome calls fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("audit log %s: close: %w", l.path, err)
	}
	return nil
}

// Intent records that r.User is about to stop r.TaskID. It sanitises r, sets
// Event, Time and a fresh random AttemptID, clears the outcome fields, writes
// the record as one line with a single write() and fsyncs it. The returned
// record is exactly what was written; pass it to Outcome.
//
// Any error means the intent may not be on disk and the caller must refuse
// the stop: there is no unaudited stop. User, TaskID and a known Action are
// required, because a record that cannot say who stopped what is worthless.
func (l *Log) Intent(r Record) (Record, error) {
	rs, err := l.Intents([]Record{r})
	if err != nil {
		return Record{}, err
	}
	return rs[0], nil
}

// Intents records several intents (the tasks of one batch call) all or
// none: their lines go to the file in one write() and one fsync, and a
// write that fails part-way is cut back off the file, so no intent is left
// on disk without the others. Any error means none was recorded.
func (l *Log) Intents(rs []Record) ([]Record, error) {
	out, err := NewIntents(rs, l.now())
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", l.path, err)
	}
	if err := l.write(out...); err != nil {
		return nil, err
	}
	return out, nil
}

// NewIntents makes the intent records of rs as every audit trail writes
// them: sanitised, with Event, Time and a fresh random AttemptID set and
// the outcome fields cleared. It refuses a record that cannot say who
// stopped what.
func NewIntents(rs []Record, now time.Time) ([]Record, error) {
	out := make([]Record, len(rs))
	for i, r := range rs {
		r = sanitize(r)
		r.Event = EventIntent
		r.Time = now.UTC()
		r.AttemptID = newAttemptID()
		// An intent states what is about to happen; an outcome in it would
		// be a claim nothing has verified yet.
		r.Outcome, r.HTTPStatus, r.ErrorCode, r.RequestID, r.DurationMS = "", 0, "", "", 0
		r.JoinedAttemptID, r.JoinedUser = "", ""
		if err := validate(r); err != nil {
			return nil, fmt.Errorf("refusing intent: %w", err)
		}
		out[i] = r
	}
	return out, nil
}

// Outcome records how the attempt begun by intent ended. Who, what and why
// are copied from intent, so each outcome line stands on its own (and
// matches the same Recent filters); only Outcome, HTTPStatus, ErrorCode,
// RequestID, DurationMS and the Joined fields are taken from outcome. An empty or unrecognised
// Outcome is recorded as OutcomeUnknown rather than dropped. intent must be
// a record returned by Intent.
func (l *Log) Outcome(intent Record, outcome Record) error {
	r, err := NewOutcome(intent, outcome, l.now(), l.logger)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, err)
	}
	return l.write(r)
}

// NewOutcome makes the outcome record of the attempt intent began, as
// every audit trail writes it (see Outcome); logger hears of an outcome
// value it does not know, recorded as unknown.
func NewOutcome(intent, outcome Record, now time.Time, logger *slog.Logger) (Record, error) {
	if intent.Event != EventIntent || intent.AttemptID == "" {
		return Record{}, errors.New("outcome needs the record returned by Intent")
	}
	r := intent
	r.Event = EventOutcome
	r.Time = now.UTC()
	r.Outcome = outcome.Outcome
	r.HTTPStatus = outcome.HTTPStatus
	r.ErrorCode = outcome.ErrorCode
	r.RequestID = outcome.RequestID
	r.DurationMS = outcome.DurationMS
	r.JoinedAttemptID, r.JoinedUser = outcome.JoinedAttemptID, outcome.JoinedUser
	r = sanitize(r)
	switch r.Outcome {
	case OutcomeAccepted, OutcomeRefused, OutcomeFailed, OutcomeUnknown, OutcomeJoined:
	default:
		logger.Warn("audit: unrecognised outcome recorded as unknown", "attempt_id", r.AttemptID, "outcome", r.Outcome)
		r.Outcome = OutcomeUnknown
	}
	return r, nil
}

// Append writes records already made by NewIntents or NewOutcome, as they
// are: a copy of another trail's records (the database's), for a log
// pipeline that ships the file.
func (l *Log) Append(rs ...Record) error { return l.write(rs...) }

// write appends rs as one line each, in one Write call under the mutex, so
// in-process writers are serialised and O_APPEND keeps other processes'
// lines whole; Sync makes them durable before the caller acts on them.
func (l *Log) write(rs ...Record) error {
	var lines []byte
	for _, r := range rs {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("audit log %s: encode: %w", l.path, err)
		}
		lines = append(append(lines, line...), '\n')
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return l.fail(rs[0], "write", fs.ErrClosed)
	}
	if err := l.followPath(); err != nil {
		return l.fail(rs[0], "reopen", err)
	}
	if l.startNewline {
		lines = append([]byte{'\n'}, lines...)
	}
	before, sized := l.size()
	if n, err := l.f.Write(lines); err != nil {
		// Part of the lines may have reached the file: cut them off, so a
		// batch is recorded all or none, and in any case start the next
		// record on a fresh line.
		l.startNewline = !l.cutBack(before, sized, n)
		return l.fail(rs[0], "write", err)
	}
	l.startNewline = false
	if err := l.f.Sync(); err != nil {
		return l.fail(rs[0], "fsync", err)
	}
	for _, r := range rs {
		l.logger.Info("audit", r.attrs()...)
	}
	return nil
}

// size is the file's size before a write, if it can be told.
func (l *Log) size() (int64, bool) {
	st, err := l.f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0, false
	}
	return st.Size(), true
}

// cutBack removes the n bytes a failed write left at the end of the file,
// but only when nothing else was appended since (another process sharing
// the file): its lines are never cut. It reports whether the file now ends
// where it did before the write.
func (l *Log) cutBack(before int64, sized bool, n int) bool {
	if !sized {
		return false
	}
	if n == 0 {
		return true
	}
	after, ok := l.size()
	if !ok || after != before+int64(n) {
		return false
	}
	return l.f.Truncate(before) == nil
}

// followPath makes sure the log still appends to the file at its path. A
// file renamed or deleted while the dashboard runs (by hand, or a rotation
// that moves it away) would otherwise take every later record with it,
// out of sight of Recent; the path is opened again instead, and a path
// that cannot be opened refuses the write (and so the stop).
func (l *Log) followPath() error {
	cur, err := l.f.Stat()
	if err != nil {
		return err
	}
	if at, err := os.Stat(l.path); err == nil && os.SameFile(cur, at) {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	l.logger.Warn("audit log was moved or deleted; writing to a new file at its path", "path", l.path)
	_ = l.f.Close()
	l.f, l.startNewline = f, !endsWithNewline(l.path)
	return nil
}

// fail reports a failed write to the structured log (so the refused attempt
// is still traceable) and returns an error naming the file and the step.
func (l *Log) fail(r Record, op string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	err = fmt.Errorf("audit log %s: %s: %w", l.path, op, err)
	l.logger.Error("audit write failed", "err", err.Error(), "event", r.Event,
		"attempt_id", r.AttemptID, "action", r.Action, "user", r.User, "task_id", r.TaskID)
	return err
}

// newAttemptID returns 128 random bits in hex: unguessable and, unlike a
// counter, unique across restarts and across processes sharing the file.
func newAttemptID() string {
	var b [16]byte
	rand.Read(b[:]) // documented never to fail (it crashes instead)
	return hex.EncodeToString(b[:])
}
