package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Revocations are the signed-in sessions ended on the server, shared by
// every replica: a session revoked by its id (sign-out), and every session
// of a person signed in before a moment (an operator's word). Rows are
// kept as long as the sessions they end could live, then deleted.
type Revocations struct {
	db  *DB
	max time.Duration // the longest a session lives
}

// NewRevocations are the revocations of db, for sessions that live at most max.
func NewRevocations(db *DB, max time.Duration) *Revocations {
	return &Revocations{db: db, max: max}
}

// RevokeSession ends the session sid, signed in at login.
func (r *Revocations) RevokeSession(ctx context.Context, sid string, login, now time.Time) error {
	r.prune(ctx, now)
	_, err := r.db.sql.ExecContext(ctx, r.db.rebind(`INSERT INTO revoked_sessions (sid, until_ns) VALUES (?, ?)
		ON CONFLICT (sid) DO NOTHING`), sid, login.Add(r.max).UnixNano())
	if err != nil {
		return fmt.Errorf("revoking a session: %w", oneLine(err))
	}
	return nil
}

// RevokeUser ends every session of user signed in up to now.
func (r *Revocations) RevokeUser(ctx context.Context, user string, now time.Time) error {
	r.prune(ctx, now)
	_, err := r.db.sql.ExecContext(ctx, r.db.rebind(`INSERT INTO revoked_users (user_key, before_ns) VALUES (?, ?)
		ON CONFLICT (user_key) DO UPDATE SET before_ns = excluded.before_ns`), strings.ToLower(user), now.UnixNano())
	if err != nil {
		return fmt.Errorf("revoking sessions: %w", oneLine(err))
	}
	return nil
}

// Revoked reports whether the session sid of user, signed in at login,
// has been ended on the server.
func (r *Revocations) Revoked(ctx context.Context, sid, user string, login time.Time) (bool, error) {
	var n int
	err := r.db.sql.QueryRowContext(ctx, r.db.rebind(`SELECT COUNT(*) FROM revoked_sessions WHERE sid = ?`), sid).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reading revoked sessions: %w", oneLine(err))
	}
	if n > 0 {
		return true, nil
	}
	var before int64
	err = r.db.sql.QueryRowContext(ctx, r.db.rebind(`SELECT before_ns FROM revoked_users WHERE user_key = ?`),
		strings.ToLower(user)).Scan(&before)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading revoked sessions: %w", oneLine(err))
	}
	return login.UnixNano() <= before, nil
}

// prune forgets revocations of sessions that have expired by now anyway;
// a failure only leaves rows for the next time.
func (r *Revocations) prune(ctx context.Context, now time.Time) {
	_, _ = r.db.sql.ExecContext(ctx, r.db.rebind(`DELETE FROM revoked_sessions WHERE until_ns < ?`), now.UnixNano())
	_, _ = r.db.sql.ExecContext(ctx, r.db.rebind(`DELETE FROM revoked_users WHERE before_ns < ?`), now.Add(-r.max).UnixNano())
}
