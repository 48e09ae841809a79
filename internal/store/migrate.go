package store

import (
	"context"
	"fmt"
	"strings"
)

// migration is one step of the schema. Its DDL is written once, with the
// column types that differ between the databases as {{placeholders}}.
type migration struct {
	version int
	ddl     string
}

// columnTypes fill a migration's placeholders for each kind of database.
var columnTypes = map[Kind]*strings.Replacer{
	SQLite:   strings.NewReplacer("{{serial}}", "INTEGER", "{{int64}}", "INTEGER", "{{float64}}", "REAL"),
	Postgres: strings.NewReplacer("{{serial}}", "BIGSERIAL", "{{int64}}", "BIGINT", "{{float64}}", "DOUBLE PRECISION"),
}

// migrations are the schema's steps in order. A step is never changed once
// released: a new one is added.
var migrations = []migration{
	{version: 1,
		// One row per stop attempt: the intent's columns are written (and
		// committed) before the call, the outcome's after it. Times are
		// Unix nanoseconds, the same in both databases.
		ddl: `
CREATE TABLE audit_attempts (
	id {{serial}} PRIMARY KEY,
	attempt_id TEXT NOT NULL UNIQUE,
	intent_ns {{int64}} NOT NULL,
	action TEXT NOT NULL,
	user_name TEXT NOT NULL,
	user_key TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	groups_json TEXT NOT NULL DEFAULT '',
	remote_addr TEXT NOT NULL DEFAULT '',
	target TEXT NOT NULL DEFAULT '',
	region TEXT NOT NULL DEFAULT '',
	project_id TEXT NOT NULL DEFAULT '',
	task_id TEXT NOT NULL,
	task_name TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	outcome_ns {{int64}},
	outcome TEXT,
	outcome_task_name TEXT NOT NULL DEFAULT '',
	http_status INTEGER NOT NULL DEFAULT 0,
	error_code TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	duration_ms {{int64}} NOT NULL DEFAULT 0,
	joined_attempt_id TEXT NOT NULL DEFAULT '',
	joined_user TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_attempts_user ON audit_attempts (user_key, id);
CREATE INDEX audit_attempts_task ON audit_attempts (task_id, id);
CREATE INDEX audit_attempts_target ON audit_attempts (target, id);
CREATE INDEX audit_attempts_outcome ON audit_attempts (outcome, id);
CREATE INDEX audit_attempts_time ON audit_attempts (intent_ns);`},
	{version: 2,
		// The stop leases make one stop per task in flight across replicas;
		// the budgets are each person's stop rate limit, shared by them.
		ddl: `
CREATE TABLE stop_leases (
	task_key TEXT PRIMARY KEY,
	attempt_id TEXT NOT NULL,
	user_name TEXT NOT NULL,
	expires_ns {{int64}} NOT NULL
);
CREATE TABLE stop_budgets (
	user_key TEXT PRIMARY KEY,
	tokens {{float64}} NOT NULL,
	updated_ns {{int64}} NOT NULL
);`},
	{version: 3,
		// Attempts without an outcome, newest first: the audit filter of
		// that name, and the stops in doubt after a crash, at any size.
		ddl: `CREATE INDEX audit_attempts_pending ON audit_attempts (id) WHERE outcome IS NULL;`},
	{version: 4,
		// Sessions ended on the server (sign-out, an operator's word), so a
		// copied cookie is refused by every replica.
		ddl: `
CREATE TABLE revoked_sessions (sid TEXT PRIMARY KEY, until_ns {{int64}} NOT NULL);
CREATE TABLE revoked_users (user_key TEXT PRIMARY KEY, before_ns {{int64}} NOT NULL);`},
	{version: 5,
		// The watcher's notifications (notify.go): what it last saw of each
		// task it watches, so a restart neither tells a change again nor
		// misses one; the events it told; and each event's delivery to each
		// channel that wants it, with its retries. Flags are 0 or 1; times
		// Unix nanoseconds, 0 for none.
		ddl: `
CREATE TABLE watch_tasks (
	target TEXT NOT NULL,
	task_id TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	progress {{float64}},
	progress_ns {{int64}} NOT NULL DEFAULT 0,
	stuck_told INTEGER NOT NULL DEFAULT 0,
	lag_ns {{int64}} NOT NULL DEFAULT 0,
	lag_told INTEGER NOT NULL DEFAULT 0,
	stop_told TEXT NOT NULL DEFAULT '',
	seen_ns {{int64}} NOT NULL,
	version {{int64}} NOT NULL,
	PRIMARY KEY (target, task_id)
);
CREATE TABLE notify_events (
	id {{serial}} PRIMARY KEY,
	event_key TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	task_id TEXT NOT NULL DEFAULT '',
	created_ns {{int64}} NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX notify_events_time ON notify_events (created_ns);
CREATE TABLE notify_deliveries (
	id {{serial}} PRIMARY KEY,
	event_id {{int64}} NOT NULL REFERENCES notify_events (id) ON DELETE CASCADE,
	channel TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_ns {{int64}} NOT NULL,
	claim TEXT NOT NULL DEFAULT '',
	claimed_until_ns {{int64}} NOT NULL DEFAULT 0,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	sent_ns {{int64}} NOT NULL DEFAULT 0,
	created_ns {{int64}} NOT NULL,
	UNIQUE (event_id, channel)
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_ns, id) WHERE state = 'pending';
CREATE INDEX notify_deliveries_claim ON notify_deliveries (claim) WHERE state = 'pending';`},
}

// migrate brings the schema to the newest version this binary knows, one
// step per transaction, and refuses a newer schema. Replicas starting at
// once may race: the step's insert into schema_version is unique, so the
// loser's transaction fails and it reads the version again.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("cannot create the schema table: %w", oneLine(err))
	}
	latest := migrations[len(migrations)-1].version
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		var current int
		if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
			return fmt.Errorf("cannot read the schema version: %w", oneLine(err))
		}
		if current > latest {
			return fmt.Errorf("its schema is version %d, newer than this dashboard knows (%d): run the newer dashboard, "+
				"or restore a backup made before it", current, latest)
		}
		if current == latest {
			return nil
		}
		for _, m := range migrations {
			if m.version <= current {
				continue
			}
			if last = db.step(ctx, m); last != nil {
				break // another replica may have taken this step: read again
			}
		}
	}
	return fmt.Errorf("could not bring the schema to version %d: %w", latest, last)
}

// step applies one migration and records it, in one transaction.
func (db *DB) step(ctx context.Context, m migration) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, columnTypes[db.kind].Replace(m.ddl)); err != nil {
		return fmt.Errorf("schema version %d: %w", m.version, oneLine(err))
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO schema_version (version) VALUES (?)`), m.version); err != nil {
		return err
	}
	return tx.Commit()
}
