package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease is who holds the stop of a task: the attempt that sends it.
type Lease struct {
	AttemptID string
	User      string
}

// Leases make one stop per task in flight across every replica sharing
// the database: a stop takes its task's lease before it is sent; a second
// stop of the task while the lease stands sends nothing and is told whose
// stop is under way. A lease expires by itself, so a replica that dies
// holding one blocks nobody for longer than a stop can take.
type Leases struct{ clocked }

// NewLeases are the stop leases of db; nil now means time.Now.
func NewLeases(db *DB, now func() time.Time) *Leases { return &Leases{newClocked(db, now)} }

// clocked is a table's access with the clock it is read by: tests move it.
type clocked struct {
	db  *DB
	now func() time.Time
}

func newClocked(db *DB, now func() time.Time) clocked {
	if now == nil {
		now = time.Now
	}
	return clocked{db: db, now: now}
}

// Acquire takes the lease of key for the attempt, for ttl, unless another
// attempt holds it: then acquired is false and holder says whose it is.
// Taking an expired lease is taking a free one.
func (l *Leases) Acquire(ctx context.Context, key, attemptID, user string, ttl time.Duration) (holder Lease, acquired bool, err error) {
	now := l.now()
	// One statement, so two replicas racing for a free (or expired) lease
	// cannot both win: the row's primary key decides.
	res, err := l.db.sql.ExecContext(ctx, l.db.rebind(`INSERT INTO stop_leases (task_key, attempt_id, user_name, expires_ns)
		VALUES (?, ?, ?, ?) ON CONFLICT (task_key) DO UPDATE SET attempt_id = excluded.attempt_id,
		user_name = excluded.user_name, expires_ns = excluded.expires_ns WHERE stop_leases.expires_ns < ?`),
		key, attemptID, user, now.Add(ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return Lease{}, false, fmt.Errorf("stop lease: %w", oneLine(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return Lease{AttemptID: attemptID, User: user}, true, nil
	}
	err = l.db.sql.QueryRowContext(ctx, l.db.rebind(`SELECT attempt_id, user_name FROM stop_leases WHERE task_key = ?`), key).
		Scan(&holder.AttemptID, &holder.User)
	if errors.Is(err, sql.ErrNoRows) {
		// Released between the two statements: try once more.
		return l.Acquire(ctx, key, attemptID, user, ttl)
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("stop lease: %w", oneLine(err))
	}
	return holder, holder.AttemptID == attemptID, nil
}

// Release ends the attempt's lease of key, at once or after keep: a stop
// just accepted keeps its task's lease a little, so a repeat on another
// replica is told it was requested rather than sent again.
func (l *Leases) Release(ctx context.Context, key, attemptID string, keep time.Duration) error {
	var err error
	if keep <= 0 {
		_, err = l.db.sql.ExecContext(ctx, l.db.rebind(`DELETE FROM stop_leases WHERE task_key = ? AND attempt_id = ?`), key, attemptID)
	} else {
		_, err = l.db.sql.ExecContext(ctx, l.db.rebind(`UPDATE stop_leases SET expires_ns = ? WHERE task_key = ? AND attempt_id = ?`),
			l.now().Add(keep).UnixNano(), key, attemptID)
	}
	if err != nil {
		return fmt.Errorf("stop lease: %w", oneLine(err))
	}
	return nil
}
