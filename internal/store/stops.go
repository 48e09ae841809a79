package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// stopsChannel is the PostgreSQL channel replicas tell each other about
// stops on: its payload is the target's name.
const stopsChannel = "dcs_dashboard_stops"

// Stopped tells every replica sharing db that a task of target was just
// stopped, so each drops its cached list pages of that target at once
// rather than when they expire. With SQLite there is one process, which
// knows already.
func (db *DB) Stopped(ctx context.Context, target string) error {
	if db.kind != Postgres {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `SELECT pg_notify($1, $2)`, stopsChannel, target)
	return err
}

// ListenForStops calls stopped with the target of every stop any replica
// reports, until ctx ends. It holds one connection of its own, and
// reconnects when the database comes back; while it is away, cached pages
// simply live their short life. With SQLite it does nothing.
func (db *DB) ListenForStops(ctx context.Context, log *slog.Logger, stopped func(target string)) {
	if db.kind != Postgres {
		return
	}
	go func() {
		wait := time.Second
		for ctx.Err() == nil {
			err := db.listen(ctx, stopped)
			if ctx.Err() != nil {
				return
			}
			log.Warn("not hearing other replicas' stops; reconnecting", "db", db.where, "err", oneLine(err).Error(), "in", wait.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
		}
	}()
}

// listen holds one LISTEN connection until it fails or ctx ends.
func (db *DB) listen(ctx context.Context, stopped func(target string)) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+stopsChannel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		stopped(n.Payload)
	}
}
