package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Budgets are each person's stop rate limit, shared by every replica: a
// token bucket per person (burst perMinute, refilled at perMinute a
// minute), kept in the database and updated in one transaction per stop.
type Budgets struct{ clocked }

// NewBudgets are the stop budgets of db; nil now means time.Now.
func NewBudgets(db *DB, now func() time.Time) *Budgets { return &Budgets{newClocked(db, now)} }

// Allow takes one stop from user's budget, if there is one; otherwise it
// says how long until there is. perMinute 0 means no limit.
func (b *Budgets) Allow(ctx context.Context, user string, perMinute int) (bool, time.Duration, error) {
	if perMinute <= 0 {
		return true, 0, nil
	}
	key, now := strings.ToLower(user), b.now()
	tx, err := b.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, 0, fmt.Errorf("stop budget: %w", oneLine(err))
	}
	defer func() { _ = tx.Rollback() }()
	burst, rate := float64(perMinute), float64(perMinute)/float64(time.Minute) // tokens a nanosecond
	// FOR UPDATE holds the row until commit on PostgreSQL; SQLite's
	// immediate transactions serialise writers already.
	lock := ""
	if b.db.kind == Postgres {
		lock = " FOR UPDATE"
	}
	if _, err := tx.ExecContext(ctx, b.db.rebind(`INSERT INTO stop_budgets (user_key, tokens, updated_ns) VALUES (?, ?, ?)
		ON CONFLICT (user_key) DO NOTHING`), key, burst, now.UnixNano()); err != nil {
		return false, 0, fmt.Errorf("stop budget: %w", oneLine(err))
	}
	var tokens float64
	var updated int64
	err = tx.QueryRowContext(ctx, b.db.rebind(`SELECT tokens, updated_ns FROM stop_budgets WHERE user_key = ?`+lock), key).
		Scan(&tokens, &updated)
	if err != nil {
		return false, 0, fmt.Errorf("stop budget: %w", oneLine(err))
	}
	tokens = min(burst, tokens+float64(now.UnixNano()-updated)*rate)
	if tokens < 1 {
		return false, time.Duration((1 - tokens) / rate), tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, b.db.rebind(`UPDATE stop_budgets SET tokens = ?, updated_ns = ? WHERE user_key = ?`),
		tokens-1, now.UnixNano(), key); err != nil {
		return false, 0, fmt.Errorf("stop budget: %w", oneLine(err))
	}
	return true, 0, tx.Commit()
}
