package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

// trail is what a stop asks of an audit trail: an intent before the call,
// an outcome after.
type trail interface {
	Intents([]audit.Record) ([]audit.Record, error)
	Outcome(intent, outcome audit.Record) error
}

// BenchmarkStopAudit measures what recording a stop adds to it, intent
// (durably committed) plus outcome, in SQLite, PostgreSQL and the
// JSON-lines file of earlier versions, and reports p50 and p99.
func BenchmarkStopAudit(b *testing.B) {
	for _, kind := range []string{"jsonl", "sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			var tr trail
			switch kind {
			case "jsonl":
				l, err := audit.Open(filepath.Join(b.TempDir(), "audit.jsonl"), nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				tr = l
			case "sqlite":
				tr = store.NewAudit(open(b, "sqlite:"+filepath.Join(b.TempDir(), "dashboard.db")), nil, nil)
			default:
				tr = store.NewAudit(open(b, pgtest.Shared(b)), nil, nil)
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				in, err := tr.Intents([]audit.Record{stop("olga", "task-1", "bj-prod")})
				if err != nil {
					b.Fatal(err)
				}
				if err := tr.Outcome(in[0], audit.Record{Outcome: audit.OutcomeAccepted, RequestID: "r"}); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
			b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
		})
	}
}

// BenchmarkAuditPageMillion measures the audit page's query over a million
// attempts, for each filter, newest page and a page deep in: every one must
// stay fast, as each has its index.
func BenchmarkAuditPageMillion(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			dsn := "sqlite:" + filepath.Join(b.TempDir(), "dashboard.db")
			if kind == "postgres" {
				dsn = pgtest.Shared(b)
			}
			db := open(b, dsn)
			fill(b, db, 1_000_000)
			a := store.NewAudit(db, nil, nil)
			deep, err := a.Attempts(audit.Query{Limit: 1000, Before: "500000"})
			if err != nil || len(deep.Attempts) == 0 {
				b.Fatalf("deep page: %v", err)
			}
			queries := map[string]audit.Query{
				"newest": {}, "user": {User: "user-7"}, "task": {TaskID: "task-4242"}, "target": {Target: "sh-dr"},
				"outcome": {Outcome: audit.OutcomeRefused}, "no-outcome": {Outcome: audit.OutcomeNone},
				"since": {Since: time.Unix(1_800_000_000+900_000, 0)}, "deep": {Before: "500000"},
			}
			for _, name := range []string{"newest", "user", "task", "target", "outcome", "no-outcome", "since", "deep"} {
				q := queries[name]
				q.Limit = 100
				var worst time.Duration
				for range 20 {
					start := time.Now()
					if _, err := a.Attempts(q); err != nil {
						b.Fatal(err)
					}
					worst = max(worst, time.Since(start))
				}
				b.ReportMetric(ms(worst), name+"-worst-ms")
			}
		})
	}
}

// fill inserts n attempts straight into the table, in large statements:
// a million through the dashboard's own path would take the bench's time.
func fill(b *testing.B, db *store.DB, n int) {
	b.Helper()
	ctx := context.Background()
	const batch = 500
	outcomes := []string{"'accepted'", "'refused'", "'unknown'", "NULL"}
	for start := 0; start < n; start += batch {
		var rows []string
		for i := start; i < min(start+batch, n); i++ {
			rows = append(rows, fmt.Sprintf("('a%d', %d, 'stop', 'user-%d', 'user-%d', '%s', 'task-%d', %s)",
				i, int64(1_800_000_000+i)*int64(time.Second), i%50, i%50, []string{"bj-prod", "sh-dr"}[i%2], i%10000, outcomes[i%4]))
		}
		if err := db.Exec(ctx, `INSERT INTO audit_attempts (attempt_id, intent_ns, action, user_name, user_key, target, task_id, outcome)
			VALUES `+strings.Join(rows, ",")); err != nil {
			b.Fatal(err)
		}
	}
	// What autovacuum does to a table that grew, before the planner is asked.
	stats := "ANALYZE audit_attempts"
	if db.Kind() == store.SQLite {
		stats = "ANALYZE"
	}
	if err := db.Exec(ctx, stats); err != nil {
		b.Fatal(err)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
