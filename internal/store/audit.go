package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
)

// auditTimeout bounds one audit write or read: a stop waits for its intent,
// so a database that hangs must refuse the stop, not hold it forever.
const auditTimeout = 10 * time.Second

// Audit is the audit trail in the database: one row per stop attempt,
// written by Intents (committed, durably, before the stop is sent) and
// completed by Outcome. Its records are the JSON-lines trail's, made by
// the same functions (audit.NewIntents, audit.NewOutcome), so a mirror
// file and an import read the same.
type Audit struct {
	db     *DB
	now    func() time.Time
	logger *slog.Logger
	// mirror, when set, gets a copy of every record after the database
	// has committed it: a JSON-lines file for shipping to a SIEM.
	mirror *audit.Log
}

// MirrorTo copies every record, once committed, to the JSON-lines log l in
// its usual format. A failed copy is logged, never refuses a stop: the
// database is the record.
func (a *Audit) MirrorTo(l *audit.Log) { a.mirror = l }

func (a *Audit) copyToMirror(rs ...audit.Record) {
	if a.mirror == nil {
		return
	}
	if err := a.mirror.Append(rs...); err != nil {
		a.logger.Error("audit mirror not written", "err", err.Error(), "attempt_id", rs[0].AttemptID)
	}
}

// NewAudit is the audit trail of db; nil now means time.Now, a nil logger
// discards.
func NewAudit(db *DB, now func() time.Time, logger *slog.Logger) *Audit {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Audit{db: db, now: now, logger: logger}
}

// Intents records the intents of rs in one transaction: all of them or
// none. An error means none is recorded and the stop must be refused.
func (a *Audit) Intents(rs []audit.Record) ([]audit.Record, error) {
	out, err := audit.NewIntents(rs, a.now())
	if err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
	defer cancel()
	if err := a.insert(ctx, out); err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", a.db.where, oneLine(err))
	}
	a.copyToMirror(out...)
	for _, r := range out {
		a.logger.Info("audit", "event", r.Event, "attempt_id", r.AttemptID, "user", r.User, "task_id", r.TaskID, "target", r.Target)
	}
	return out, nil
}

// insert writes intents as new attempts, in one transaction.
func (a *Audit) insert(ctx context.Context, rs []audit.Record) error {
	tx, err := a.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	q := a.db.rebind(`INSERT INTO audit_attempts (attempt_id, intent_ns, action, user_name, user_key, email, groups_json,
		remote_addr, target, region, project_id, task_id, task_name, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, q, r.AttemptID, r.Time.UnixNano(), r.Action, r.User, strings.ToLower(r.User),
			r.Email, groupsJSON(r.Groups), r.RemoteAddr, r.Target, r.Region, r.ProjectID, r.TaskID, r.TaskName, r.Reason); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Outcome records how the attempt intent began ended. An attempt has one
// outcome: a second is refused, never written over the first.
func (a *Audit) Outcome(intent, outcome audit.Record) error {
	r, err := audit.NewOutcome(intent, outcome, a.now(), a.logger)
	if err != nil {
		return fmt.Errorf("audit trail: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
	defer cancel()
	if err := a.complete(ctx, r); err != nil {
		return fmt.Errorf("audit trail %s: %w", a.db.where, err)
	}
	a.copyToMirror(r)
	a.logger.Info("audit", "event", r.Event, "attempt_id", r.AttemptID, "user", r.User, "task_id", r.TaskID,
		"outcome", r.Outcome, "request_id", r.RequestID)
	return nil
}

// errNoIntent is an outcome whose attempt has no intent row, or one that
// already has an outcome.
var errNoIntent = errors.New("no attempt without an outcome has that id")

// complete writes an outcome record into its attempt's row.
func (a *Audit) complete(ctx context.Context, r audit.Record) error {
	res, err := a.db.sql.ExecContext(ctx, a.db.rebind(`UPDATE audit_attempts SET outcome_ns = ?, outcome = ?,
		outcome_task_name = ?, http_status = ?, error_code = ?, request_id = ?, duration_ms = ?, joined_attempt_id = ?,
		joined_user = ? WHERE attempt_id = ? AND outcome IS NULL`),
		r.Time.UnixNano(), r.Outcome, r.TaskName, r.HTTPStatus, r.ErrorCode, r.RequestID, r.DurationMS,
		r.JoinedAttemptID, r.JoinedUser, r.AttemptID)
	if err != nil {
		return oneLine(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return errNoIntent
	}
	return nil
}

// Recent returns the records of the newest attempts f selects, newest
// first: each attempt's intent, and its outcome before it when it has one,
// as the JSON-lines trail returns them. f.Limit counts attempts here.
func (a *Audit) Recent(f audit.Filter) ([]audit.Record, error) {
	page, err := a.Attempts(audit.Query{User: f.User, TaskID: f.TaskID, Target: f.Target, Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	var out []audit.Record
	for _, at := range page.Attempts {
		if at.Outcome != nil {
			out = append(out, *at.Outcome)
		}
		out = append(out, at.Intent)
	}
	return out, nil
}

// attemptColumns are what scanAttempt reads, in its order.
const attemptColumns = `attempt_id, intent_ns, action, user_name, email, groups_json, remote_addr, target, region,
	project_id, task_id, task_name, reason, outcome_ns, outcome, outcome_task_name, http_status, error_code, request_id,
	duration_ms, joined_attempt_id, joined_user`

// scanAttemptWithID is scanAttempt of a row that starts with its id.
func scanAttemptWithID(rows *sql.Rows) (audit.Record, *audit.Record, int64, error) {
	var id int64
	in, out, err := scanInto(rows, &id)
	return in, out, id, err
}

// scanAttempt reads one attempt row as its intent record and, when it has
// one, its outcome record.
func scanAttempt(rows *sql.Rows) (audit.Record, *audit.Record, error) { return scanInto(rows) }

// scanInto reads an attempt row after the leading columns lead point to.
func scanInto(rows *sql.Rows, lead ...any) (audit.Record, *audit.Record, error) {
	var in audit.Record
	var intentNS int64
	var groups, outcomeTaskName string
	var outcomeNS sql.NullInt64
	var outcome sql.NullString
	var out audit.Record
	if err := rows.Scan(append(lead, &in.AttemptID, &intentNS, &in.Action, &in.User, &in.Email, &groups, &in.RemoteAddr, &in.Target,
		&in.Region, &in.ProjectID, &in.TaskID, &in.TaskName, &in.Reason, &outcomeNS, &outcome, &outcomeTaskName,
		&out.HTTPStatus, &out.ErrorCode, &out.RequestID, &out.DurationMS, &out.JoinedAttemptID, &out.JoinedUser)...); err != nil {
		return in, nil, err
	}
	in.Event, in.Time = audit.EventIntent, time.Unix(0, intentNS).UTC()
	if groups != "" {
		_ = json.Unmarshal([]byte(groups), &in.Groups)
	}
	if !outcome.Valid {
		return in, nil, nil
	}
	full := in
	full.Event, full.Time, full.Outcome = audit.EventOutcome, time.Unix(0, outcomeNS.Int64).UTC(), outcome.String
	full.TaskName = outcomeTaskName
	full.HTTPStatus, full.ErrorCode, full.RequestID, full.DurationMS = out.HTTPStatus, out.ErrorCode, out.RequestID, out.DurationMS
	full.JoinedAttemptID, full.JoinedUser = out.JoinedAttemptID, out.JoinedUser
	return in, &full, nil
}

func groupsJSON(groups []string) string {
	if len(groups) == 0 {
		return ""
	}
	b, _ := json.Marshal(groups)
	return string(b)
}

// Intent records one intent; see Intents.
func (a *Audit) Intent(r audit.Record) (audit.Record, error) {
	rs, err := a.Intents([]audit.Record{r})
	if err != nil {
		return audit.Record{}, err
	}
	return rs[0], nil
}

// Attempts returns one page of the attempts q selects, newest first, read
// by keyset (the row id), so a page deep in a million records costs what
// the first does; every filter has its index.
func (a *Audit) Attempts(q audit.Query) (audit.AttemptPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = audit.DefaultLimit
	}
	limit = min(limit, audit.MaxLimit)
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if q.User != "" {
		add("user_key = ?", strings.ToLower(q.User))
	}
	if q.Target != "" {
		add("target = ?", q.Target)
	}
	if q.TaskID != "" {
		add("task_id = ?", q.TaskID)
	}
	switch q.Outcome {
	case "":
	case audit.OutcomeNone:
		where = append(where, "outcome IS NULL")
	default:
		add("outcome = ?", q.Outcome)
	}
	if !q.Since.IsZero() {
		add("intent_ns >= ?", q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		add("intent_ns < ?", q.Until.UnixNano())
	}
	if q.Before != "" {
		id, err := strconv.ParseInt(q.Before, 10, 64)
		if err != nil || id <= 0 {
			return audit.AttemptPage{}, fmt.Errorf("audit trail: bad page cursor %q", clip(q.Before, 20))
		}
		add("id < ?", id)
	}
	sqlq := `SELECT id, ` + attemptColumns + ` FROM audit_attempts`
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit+1) // one more says whether there is a next page
	ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
	defer cancel()
	rows, err := a.db.sql.QueryContext(ctx, a.db.rebind(sqlq), args...)
	if err != nil {
		return audit.AttemptPage{}, fmt.Errorf("audit trail %s: %w", a.db.where, oneLine(err))
	}
	defer rows.Close()
	var page audit.AttemptPage
	var lastID int64
	for rows.Next() {
		if len(page.Attempts) == limit {
			page.Next = strconv.FormatInt(lastID, 10)
			break
		}
		intent, outcome, id, err := scanAttemptWithID(rows)
		if err != nil {
			return audit.AttemptPage{}, fmt.Errorf("audit trail %s: %w", a.db.where, oneLine(err))
		}
		page.Attempts = append(page.Attempts, audit.Attempt{Intent: intent, Outcome: outcome})
		lastID = id
	}
	return page, rows.Err()
}
