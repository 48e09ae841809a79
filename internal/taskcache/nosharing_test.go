package taskcache_test

import (
	"context"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// unshared replaces e's cache with one that has NoSharing set, over the
// same client and hooks, and a TTL that would otherwise keep every page.
func unshared(e *env) {
	e.cache = taskcache.New(e.client, taskcache.Config{ListTTL: time.Hour, NoSharing: true,
		Now: e.clock.Now, OnHit: e.hits.add, OnMiss: e.misses.add})
}

// TestNoSharing: with NoSharing, N identical reads in flight make N upstream
// calls, where the default Cache makes one; and nothing is kept, whatever
// ListTTL says, for plain reads and reads that take older answers alike.
func TestNoSharing(t *testing.T) {
	const n = 12
	list := func(c *taskcache.Cache) error { _, err := c.List(context.Background(), firstPage); return err }
	for _, tt := range []struct {
		name     string
		share    bool
		want     int // upstream calls for n concurrent lists
		wantHits int
	}{
		{"default coalesces", true, 1, n - 1},
		{"NoSharing", false, n, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, time.Hour, nil)
			if !tt.share {
				unshared(e)
			}
			e.slowAll(400 * time.Millisecond) // the first call is in flight while the rest arrive
			concurrently(n, func(int) {
				if err := list(e.cache); err != nil {
					t.Error(err)
				}
			})
			e.wantCalls(t, dcssim.OpList, tt.want)
			if m, h := e.misses.get(taskcache.CacheList), e.hits.get(taskcache.CacheList); m != tt.want || h != tt.wantHits {
				t.Errorf("hooks: %d misses, %d hits; want %d and %d", m, h, tt.want, tt.wantHits)
			}
		})
	}

	e := newEnv(t, time.Hour, nil)
	unshared(e)
	id := stoppable(t)
	ctx := context.Background()
	old := dcs.MaxAge(ctx, time.Hour)
	for _, c := range []context.Context{ctx, ctx, old} {
		if _, err := e.cache.List(c, firstPage); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cache.Stats(c, id); err != nil {
			t.Fatal(err)
		}
	}
	e.wantCalls(t, dcssim.OpList, 3)
	e.wantCalls(t, dcssim.OpStats, 3)
	if p, s := taskcache.CachedPages(e.cache), taskcache.CachedStats(e.cache); p != 0 || s != 0 {
		t.Errorf("%d pages and %d progress entries kept, want none", p, s)
	}

	// The other reads are not coalesced either.
	e.slowAll(400 * time.Millisecond)
	concurrently(4, func(i int) {
		var err error
		switch i {
		case 0, 1:
			_, err = e.cache.Show(ctx, id)
		default:
			_, err = e.cache.Logs(ctx, id, dcs.LogOptions{Limit: 20})
		}
		if err != nil {
			t.Error(err)
		}
	})
	e.wantCalls(t, dcssim.OpShow, 2)
	e.wantCalls(t, dcssim.OpLogs, 2)
}

// TestNoSharingStop: a stop still goes through once, and the list read
// right after it shows the new status.
func TestNoSharingStop(t *testing.T) {
	e := newEnv(t, time.Hour, nil)
	unshared(e)
	id := stoppable(t)
	if s := statusIn(mustList(t, e.cache, firstPage), id); s != dcs.StatusFullMigrating {
		t.Fatalf("before the stop: %q, want %s", s, dcs.StatusFullMigrating)
	}
	if _, err := e.cache.Stop(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if s := statusIn(mustList(t, e.cache, firstPage), id); s != dcs.StatusTerminating {
		t.Fatalf("right after the stop: %q, want %s", s, dcs.StatusTerminating)
	}
	e.wantCalls(t, dcssim.OpStop, 1)
	e.wantCalls(t, dcssim.OpList, 2)
}
