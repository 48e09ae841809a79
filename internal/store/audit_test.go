package store_test

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

// databases are the kinds every store test runs against, each opened
// fresh: a SQLite file, and a database of a real PostgreSQL server.
func databases(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "dashboard.db") },
		"postgres": func(t *testing.T) string { return pgtest.Shared(t) },
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func stop(user, task, target string) audit.Record {
	return audit.Record{Action: audit.ActionStop, User: user, TaskID: task, Target: target, Region: "cn-north-4",
		ProjectID: "p-" + target, Reason: "window closed", Groups: []string{"dcs-operators"}}
}

// TestAuditTrail: intents are recorded all or none, completed by one
// outcome each, read back newest first as the file trail reads them, and
// filtered by person (any case), task and target.
func TestAuditTrail(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			a := store.NewAudit(open(t, dsn(t)), nil, nil)
			in, err := a.Intents([]audit.Record{stop("Olga", "task-1", "bj-prod"), stop("olga", "task-2", "sh-dr")})
			if err != nil {
				t.Fatal(err)
			}
			if len(in) != 2 || in[0].AttemptID == "" || in[0].AttemptID == in[1].AttemptID || in[0].Event != audit.EventIntent {
				t.Fatalf("intents %+v", in)
			}
			if err := a.Outcome(in[0], audit.Record{Outcome: audit.OutcomeAccepted, HTTPStatus: 200, RequestID: "req-1"}); err != nil {
				t.Fatal(err)
			}
			if err := a.Outcome(in[0], audit.Record{Outcome: audit.OutcomeRefused}); err == nil {
				t.Error("a second outcome of one attempt was written")
			}
			if _, err := a.Intents([]audit.Record{stop("ivan", "task-3", "bj-prod"), {Action: audit.ActionStop, TaskID: "x"}}); err == nil {
				t.Error("a batch with a record naming nobody was accepted")
			}

			attempts := audit.Pair(mustRecent(t, a, audit.Filter{}))
			if len(attempts) != 2 {
				t.Fatalf("%d attempts, want 2 (the refused batch recorded nothing)", len(attempts))
			}
			newest, oldest := attempts[0], attempts[1]
			if newest.Intent.TaskID != "task-2" || newest.Outcome != nil {
				t.Errorf("newest %+v / %+v, want task-2 without outcome", newest.Intent, newest.Outcome)
			}
			o := oldest.Outcome
			if o == nil || o.Outcome != audit.OutcomeAccepted || o.RequestID != "req-1" || o.HTTPStatus != 200 ||
				o.Target != "bj-prod" || o.ProjectID != "p-bj-prod" || o.User != "Olga" || len(o.Groups) != 1 {
				t.Errorf("outcome %+v", o)
			}
			for _, c := range []struct {
				f    audit.Filter
				want int
			}{
				{audit.Filter{User: "OLGA"}, 2}, {audit.Filter{TaskID: "task-1"}, 1}, {audit.Filter{Target: "sh-dr"}, 1},
				{audit.Filter{User: "ivan"}, 0}, {audit.Filter{Limit: 1}, 1},
			} {
				if got := len(audit.Pair(mustRecent(t, a, c.f))); got != c.want {
					t.Errorf("%+v: %d attempts, want %d", c.f, got, c.want)
				}
			}
		})
	}
}

func mustRecent(t *testing.T, a *store.Audit, f audit.Filter) []audit.Record {
	t.Helper()
	recs, err := a.Recent(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestSQLiteKeepsHistory: a SQLite file reopened (a restart) has every
// record, and opening it again does not migrate twice.
func TestSQLiteKeepsHistory(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "dashboard.db")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	in, err := store.NewAudit(db, nil, nil).Intents([]audit.Record{stop("olga", "task-1", "bj-prod")})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	again := store.NewAudit(open(t, dsn), nil, nil)
	if err := again.Outcome(in[0], audit.Record{Outcome: audit.OutcomeUnknown}); err != nil {
		t.Fatalf("the outcome after a restart: %v", err)
	}
	if got := audit.Pair(mustRecent(t, again, audit.Filter{})); len(got) != 1 || got[0].Outcome == nil {
		t.Errorf("after a restart: %+v", got)
	}
}

// TestOpenRefusals: each unusable database is one clear line at start.
func TestOpenRefusals(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := "sqlite:" + filepath.Join(dir, "newer.db")
	db := open(t, newer)
	_ = db.Close()
	raw, err := store.Open(context.Background(), newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Exec(context.Background(), "INSERT INTO schema_version (version) VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()
	pg := pgtest.Shared(t)
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "wrong-secret")
	for name, c := range map[string]struct{ dsn, want string }{
		"wrong password": {u.String(), "cannot connect"},
		"junk file":      {"sqlite:" + junk, "not a usable SQLite file"},
		"newer schema":   {newer, "schema is version 99, newer than this dashboard knows"},
		"no path":        {"sqlite:", "give a file path"},
		"unknown scheme": {"mysql://x", "use sqlite:PATH or postgres://"},
		"no such folder": {"sqlite:" + filepath.Join(dir, "none", "x.db"), "sqlite"},
		"refused port":   {"postgres://u:secret@127.0.0.1:1/db?connect_timeout=2", "cannot connect"},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db, err := store.Open(ctx, c.dsn)
			if err == nil {
				_ = db.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "secret") {
				t.Errorf("%q: want one line saying %q, and no password", err, c.want)
			}
		})
	}
}

// TestImportAndMirror: a JSON-lines trail imports into the database once
// (importing twice adds nothing), and a mirror file gets every record the
// database commits, in the file trail's format.
func TestImportAndMirror(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			file, err := audit.Open(path, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			done, err := file.Intent(stop("olga", "task-1", "bj-prod"))
			if err != nil {
				t.Fatal(err)
			}
			if err := file.Outcome(done, audit.Record{Outcome: audit.OutcomeAccepted, RequestID: "req-9"}); err != nil {
				t.Fatal(err)
			}
			if _, err := file.Intent(stop("ivan", "task-2", "")); err != nil { // crashed before its outcome
				t.Fatal(err)
			}
			_ = file.Close()
			a := store.NewAudit(open(t, dsn(t)), nil, nil)
			for round, want := range []store.ImportReport{{Read: 3, Added: 2, Completed: 1}, {Read: 3}} {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := a.Import(context.Background(), strings.NewReader(readAll(t, f)+"not json\n"))
				_ = f.Close()
				want.Skipped = 1
				if err != nil || rep != want {
					t.Errorf("import %d: %+v, %v; want %+v", round+1, rep, err, want)
				}
			}
			attempts := audit.Pair(mustRecent(t, a, audit.Filter{}))
			if len(attempts) != 2 || attempts[1].Outcome == nil || attempts[1].Outcome.RequestID != "req-9" || attempts[0].Outcome != nil {
				t.Errorf("imported attempts %+v", attempts)
			}

			mirrorPath := filepath.Join(t.TempDir(), "mirror.jsonl")
			mirror, err := audit.Open(mirrorPath, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = mirror.Close() })
			a.MirrorTo(mirror)
			in, err := a.Intents([]audit.Record{stop("olga", "task-3", "bj-prod")})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Outcome(in[0], audit.Record{Outcome: audit.OutcomeRefused, ErrorCode: "DCS.4957"}); err != nil {
				t.Fatal(err)
			}
			copied := audit.Pair(mustRecentFile(t, mirror))
			if len(copied) != 1 || copied[0].Intent.AttemptID != in[0].AttemptID || copied[0].Outcome == nil ||
				copied[0].Outcome.ErrorCode != "DCS.4957" {
				t.Errorf("mirror holds %+v", copied)
			}
		})
	}
}

func readAll(t *testing.T, f *os.File) string {
	t.Helper()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustRecentFile(t *testing.T, l *audit.Log) []audit.Record {
	t.Helper()
	recs, err := l.Recent(audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestAttemptPages: attempts come a page at a time, newest first, by a
// cursor; the outcome (or none) and the time range filter them.
func TestAttemptPages(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			a := store.NewAudit(open(t, dsn(t)), func() time.Time { return clock }, nil)
			var ids []string
			for i := range 7 {
				clock = clock.Add(time.Hour)
				in, err := a.Intent(stop("olga", "task-"+strconv.Itoa(i), "bj-prod"))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, in.AttemptID)
				if i%2 == 0 {
					if err := a.Outcome(in, audit.Record{Outcome: audit.OutcomeAccepted}); err != nil {
						t.Fatal(err)
					}
				}
			}
			var got []string
			q := audit.Query{Limit: 3}
			for pages := 0; ; pages++ {
				page, err := a.Attempts(q)
				if err != nil {
					t.Fatal(err)
				}
				for _, at := range page.Attempts {
					got = append(got, at.Intent.AttemptID)
				}
				if page.Next == "" {
					if pages != 2 {
						t.Errorf("%d pages of 3 for 7 attempts, want 3", pages+1)
					}
					break
				}
				q.Before = page.Next
			}
			slices.Reverse(got)
			if !slices.Equal(got, ids) {
				t.Errorf("paged attempts %v, want every one, newest first", got)
			}
			count := func(q audit.Query) int {
				q.Limit = 100
				page, err := a.Attempts(q)
				if err != nil {
					t.Fatal(err)
				}
				return len(page.Attempts)
			}
			start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			for _, c := range []struct {
				q    audit.Query
				want int
			}{
				{audit.Query{Outcome: audit.OutcomeAccepted}, 4},
				{audit.Query{Outcome: audit.OutcomeNone}, 3},
				{audit.Query{Since: start.Add(3 * time.Hour)}, 5},
				{audit.Query{Since: start.Add(2 * time.Hour), Until: start.Add(4 * time.Hour)}, 2},
				{audit.Query{User: "OLGA", TaskID: "task-3"}, 1},
			} {
				if got := count(c.q); got != c.want {
					t.Errorf("%+v: %d attempts, want %d", c.q, got, c.want)
				}
			}
			if _, err := a.Attempts(audit.Query{Before: "x"}); err == nil {
				t.Error("a bad cursor was accepted")
			}
		})
	}
}
