// Package store is the dashboard's database: the state that must outlive a
// process and be shared by replicas. SQLite, embedded and CGO-free, is the
// default for one process; PostgreSQL when replicas share the state.
//
// Open applies the embedded schema migrations, in order and each once, and
// refuses a database whose schema is newer than this binary knows, rather
// than write into tables it does not understand.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Kind is which database a DB is.
type Kind string

// The kinds of database.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// DB is an open, migrated database.
type DB struct {
	sql  *sql.DB
	kind Kind
	// where says which database, for logs; never a password.
	where string
	// dsn is the PostgreSQL URL, for the connection that listens for
	// other replicas' stops.
	dsn string
}

// openTimeout bounds connecting and migrating at start.
const openTimeout = 30 * time.Second

// Open opens dsn, "sqlite:PATH" or a "postgres://" URL, and migrates it.
// Every mistake comes back as one line that says what to fix.
func Open(ctx context.Context, dsn string) (*DB, error) {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	var db *DB
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("database sqlite: give a file path, such as sqlite:/var/lib/dcs-dashboard/dashboard.db")
		}
		// WAL lets pages read while a stop writes; synchronous FULL makes a
		// committed intent survive a power cut, which the audit promises.
		conn, err := sql.Open("sqlite", "file:"+path+
			"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("database sqlite:%s: %w", path, err)
		}
		db = &DB{sql: conn, kind: SQLite, where: "sqlite:" + path}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		conn, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", redact(dsn), err)
		}
		db = &DB{sql: conn, kind: Postgres, where: redact(dsn), dsn: dsn}
	default:
		return nil, fmt.Errorf("database %q: use sqlite:PATH or postgres://USER@HOST/DB", redact(dsn))
	}
	if err := db.check(ctx); err != nil {
		_ = db.sql.Close()
		return nil, fmt.Errorf("database %s: %w", db.where, err)
	}
	if err := db.migrate(ctx); err != nil {
		_ = db.sql.Close()
		return nil, fmt.Errorf("database %s: %w", db.where, err)
	}
	return db, nil
}

// check connects and makes sure the server is the kind the DSN says.
func (db *DB) check(ctx context.Context) error {
	if db.kind == SQLite {
		var mode string
		if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return fmt.Errorf("not a usable SQLite file: %w", oneLine(err))
		}
		return nil
	}
	var version string
	if err := db.sql.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return fmt.Errorf("cannot connect: %w", oneLine(err))
	}
	if !strings.HasPrefix(version, "PostgreSQL") {
		return fmt.Errorf("the server is not PostgreSQL (it says %q)", clip(version, 60))
	}
	return nil
}

// Kind is which database db is.
func (db *DB) Kind() Kind { return db.kind }

// Where names the database for logs, without a password.
func (db *DB) Where() string { return db.where }

// Ping reports whether the database answers now.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// rebind turns the ? placeholders every query is written with into
// PostgreSQL's $1, $2, ...
func (db *DB) rebind(q string) string {
	if db.kind != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// redact is dsn without its password, for messages and logs.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return clip(dsn, 80)
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func oneLine(err error) error {
	return errors.New(strings.Join(strings.Fields(err.Error()), " "))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Exec runs a statement outside the dashboard's own: for maintenance and
// tests.
func (db *DB) Exec(ctx context.Context, q string, args ...any) error {
	_, err := db.sql.ExecContext(ctx, db.rebind(q), args...)
	return err
}
