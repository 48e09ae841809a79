package store_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

// clock is a settable clock for leases and budgets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestLeases: of many replicas racing for one task's lease exactly one
// takes it; the others learn whose it is; it can be taken again once it
// has expired after its release.
func TestLeases(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			clk := &clock{t: time.Unix(1_800_000_000, 0)}
			// Two databases handles on one database: two replicas.
			replicas := []*store.Leases{store.NewLeases(open(t, d), clk.now), store.NewLeases(open(t, d), clk.now)}
			ctx := context.Background()
			var won atomic.Int32
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Go(func() {
					attempt := "attempt-" + string(rune('a'+i))
					holder, ok, err := replicas[i%2].Acquire(ctx, "bj-prod/task-1", attempt, "user-"+attempt, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						won.Add(1)
					} else if holder.AttemptID == "" || holder.AttemptID == attempt {
						t.Errorf("refused lease names holder %+v", holder)
					}
				})
			}
			wg.Wait()
			if n := won.Load(); n != 1 {
				t.Fatalf("%d attempts took the lease, want 1", n)
			}
			holder, _, err := replicas[0].Acquire(ctx, "bj-prod/task-1", "late", "late", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := replicas[1].Release(ctx, "bj-prod/task-1", holder.AttemptID, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := replicas[0].Acquire(ctx, "bj-prod/task-1", "late", "late", time.Minute); ok {
				t.Error("taken again within the time a released lease is kept")
			}
			clk.advance(11 * time.Second)
			if _, ok, err := replicas[0].Acquire(ctx, "bj-prod/task-1", "later", "later", time.Minute); !ok || err != nil {
				t.Errorf("not taken after it expired: %v", err)
			}
			if _, ok, _ := replicas[1].Acquire(ctx, "sh-dr/task-1", "other", "other", time.Minute); !ok {
				t.Error("another task's lease is not free")
			}
		})
	}
}

// TestBudgets: a person's stops per minute are counted across replicas,
// refilled over time, and told how long to wait.
func TestBudgets(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			clk := &clock{t: time.Unix(1_800_000_000, 0)}
			a, b := store.NewBudgets(open(t, d), clk.now), store.NewBudgets(open(t, d), clk.now)
			ctx := context.Background()
			for i, replica := range []*store.Budgets{a, b} {
				if ok, _, err := replica.Allow(ctx, "Olga", 2); !ok || err != nil {
					t.Fatalf("stop %d refused: %v", i+1, err)
				}
			}
			ok, wait, err := a.Allow(ctx, "olga", 2)
			if ok || err != nil || wait < 25*time.Second || wait > 31*time.Second {
				t.Errorf("third stop in a minute (across replicas, any case): %v, wait %s, %v", ok, wait, err)
			}
			if ok, _, _ := b.Allow(ctx, "ivan", 2); !ok {
				t.Error("another person's budget is shared")
			}
			clk.advance(31 * time.Second)
			if ok, _, err := b.Allow(ctx, "olga", 2); !ok || err != nil {
				t.Errorf("no stop back after half a minute: %v", err)
			}
			if ok, _, _ := a.Allow(ctx, "olga", 0); !ok {
				t.Error("no limit refused")
			}
		})
	}
}

// TestStopsReachOtherReplicas: a stop reported on one replica's handle is
// heard on another's (PostgreSQL's LISTEN/NOTIFY), with its target.
func TestStopsReachOtherReplicas(t *testing.T) {
	dsn := pgtest.Shared(t)
	listener, speaker := open(t, dsn), open(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan string, 4)
	listener.ListenForStops(ctx, slog.New(slog.DiscardHandler), func(target string) { heard <- target })
	deadline := time.After(10 * time.Second)
	for {
		// The listener connects in the background; say it until it hears.
		if err := speaker.Stopped(ctx, "sh-dr"); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-heard:
			if got != "sh-dr" {
				t.Fatalf("heard %q, want sh-dr", got)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("the other replica never heard of the stop")
		}
	}
}

// TestRevocations: a session signed out on one replica, or every session
// of a person an operator ended, is refused on another; a session signed
// in afterwards is not.
func TestRevocations(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			a, b := store.NewRevocations(open(t, d), 12*time.Hour), store.NewRevocations(open(t, d), 12*time.Hour)
			ctx := context.Background()
			now := time.Unix(1_800_000_000, 0)
			if err := a.RevokeSession(ctx, "sid-1", now.Add(-time.Hour), now); err != nil {
				t.Fatal(err)
			}
			if got, err := b.Revoked(ctx, "sid-1", "olga", now.Add(-time.Hour)); !got || err != nil {
				t.Errorf("a signed-out session on the other replica: %v, %v", got, err)
			}
			if got, _ := b.Revoked(ctx, "sid-2", "olga", now.Add(-time.Hour)); got {
				t.Error("another session refused")
			}
			if err := b.RevokeUser(ctx, "Vera", now); err != nil {
				t.Fatal(err)
			}
			if got, _ := a.Revoked(ctx, "sid-3", "vera", now.Add(-time.Minute)); !got {
				t.Error("a session of a person whose sessions were ended still passes")
			}
			if got, _ := a.Revoked(ctx, "sid-4", "vera", now.Add(time.Minute)); got {
				t.Error("a sign-in after the revocation refused")
			}
		})
	}
}
