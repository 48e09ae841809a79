package pgtest_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestStartRoundTrip(t *testing.T) {
	dsn := pgtest.Start(t)
	conn := connect(t, dsn)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE TABLE stops (id bigserial PRIMARY KEY, who text NOT NULL)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO stops (who) VALUES ($1), ($2)`, "alice", "bob"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	rows, _ := conn.Query(ctx, `SELECT who FROM stops ORDER BY id`)
	who, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	if len(who) != 2 || who[0] != "alice" || who[1] != "bob" {
		t.Fatalf("read back %q, want [alice bob]", who)
	}
}

// The server is what production runs against: loopback TCP, a password, a
// role that is not a superuser, durable commits.
func TestStartServerSettings(t *testing.T) {
	dsn := pgtest.Start(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "127.0.0.1" || cfg.User != "dashboard" || cfg.Database != "dashboard" || cfg.Password == "" {
		t.Fatalf("DSN %s: want dashboard:PASSWORD@127.0.0.1/dashboard", dsn)
	}
	conn := connect(t, dsn)
	for setting, want := range map[string]string{
		"fsync": "on", "synchronous_commit": "on", "listen_addresses": "127.0.0.1",
	} {
		var got string
		if err := conn.QueryRow(context.Background(), "SHOW "+setting).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", setting, got, err, want)
		}
	}
	var super bool
	if err := conn.QueryRow(context.Background(),
		`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || super {
		t.Errorf("dashboard is a superuser (%v): tests would not see missing privileges", err)
	}

	cfg.Password = "wrong"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bad, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		bad.Close(ctx)
		t.Fatal("connected with a wrong password")
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" { // invalid_password
		t.Fatalf("wrong password: %v, want SQLSTATE 28P01", err)
	}
}

func TestSharedDatabasesAreSeparate(t *testing.T) {
	a, b := pgtest.Shared(t), pgtest.Shared(t)
	if a == b {
		t.Fatalf("Shared returned %s twice", a)
	}
	ctx := context.Background()
	connA, connB := connect(t, a), connect(t, b)
	if _, err := connA.Exec(ctx, `CREATE TABLE stops (who text); INSERT INTO stops VALUES ('alice')`); err != nil {
		t.Fatalf("writing to %s: %v", a, err)
	}
	var table *string
	if err := connB.QueryRow(ctx, `SELECT to_regclass('stops')::text`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	if table != nil {
		t.Fatalf("the table created in one Shared database shows in another")
	}
	// The second database belongs to the same role and is writable as well.
	if _, err := connB.Exec(ctx, `CREATE TABLE stops (who text)`); err != nil {
		t.Fatalf("writing to %s: %v", b, err)
	}
}

// Parallel tests each get their own database from the one shared cluster.
func TestSharedParallel(t *testing.T) {
	for _, name := range []string{"one", "two", "three"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conn := connect(t, pgtest.Shared(t))
			ctx := context.Background()
			if _, err := conn.Exec(ctx, `CREATE TABLE marks (name text)`); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `INSERT INTO marks VALUES ($1)`, name); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM marks`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d rows (%v), want only this test's one", n, err)
			}
		})
	}
}
