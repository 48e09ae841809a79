package taskcache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// TestStopInvalidates: right after a stop through the cache returns, the
// next list shows the new status, although the old page had TTL left.
func TestStopInvalidates(t *testing.T) {
	ctx := context.Background()
	t.Run("Stop", func(t *testing.T) {
		e := newEnv(t, time.Hour, nil)
		id := stoppable(t)
		if s := statusIn(mustList(t, e.cache, firstPage), id); s != dcs.StatusFullMigrating {
			t.Fatalf("before the stop: %q, want %s", s, dcs.StatusFullMigrating)
		}
		if _, err := e.cache.Stats(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cache.Stop(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s := statusIn(mustList(t, e.cache, firstPage), id); s != dcs.StatusTerminating {
			t.Fatalf("right after the stop: %q, want %s", s, dcs.StatusTerminating)
		}
		e.wantCalls(t, dcssim.OpList, 2)
		// The progress read before the stop is dropped with the pages.
		if n := taskcache.CachedStats(e.cache); n != 0 {
			t.Errorf("%d progress entries kept across the stop, want 0", n)
		}
		if _, err := e.cache.Stats(ctx, id); err != nil {
			t.Fatal(err)
		}
		e.wantCalls(t, dcssim.OpStats, 2)
	})
	t.Run("BatchStop", func(t *testing.T) {
		e := newEnv(t, time.Hour, nil)
		stopped := []string{stoppable(t), seedID(t, "cart-cache full copy")}
		mustList(t, e.cache, firstPage)
		ans, err := e.cache.BatchStop(ctx, stopped)
		if res := ans.Results; err != nil || len(res) != 2 || !res[0].Accepted || !res[1].Accepted {
			t.Fatalf("BatchStop: %+v, %v", ans, err)
		}
		page := mustList(t, e.cache, firstPage)
		for _, id := range stopped {
			if s := statusIn(page, id); s != dcs.StatusTerminating {
				t.Errorf("%s right after the batch stop: %q, want %s", id, s, dcs.StatusTerminating)
			}
		}
	})
	// A failed stop invalidates too: an ambiguous one may have stopped the
	// task. A malformed answer is exactly that: an error, and a stopped task.
	for name, fault := range map[string]dcssim.TaskFault{
		"ambiguous": {Ops: []dcssim.Op{dcssim.OpStop}, Malformed: true},
		"refused":   {Ops: []dcssim.Op{dcssim.OpStop}, Status: 400, Code: "DCS.4957"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, time.Hour, nil)
			id := stoppable(t)
			mustList(t, e.cache, firstPage)
			e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: fault}})
			if _, err := e.cache.Stop(ctx, id); err == nil {
				t.Fatal("Stop succeeded despite the fault")
			}
			truth, _ := e.sim.Task(id)
			if s := statusIn(mustList(t, e.cache, firstPage), id); string(s) != truth.Status {
				t.Errorf("after the failed stop the list shows %q, the API has %q", s, truth.Status)
			}
			e.wantCalls(t, dcssim.OpList, 2)
			e.wantCalls(t, dcssim.OpStop, 1) // never retried
		})
	}
}

// TestStopsNeverShared: two identical stops in flight are two upstream
// calls (the handlers decide about repeats, not the cache).
func TestStopsNeverShared(t *testing.T) {
	e := newEnv(t, time.Hour, nil)
	e.slowAll(300 * time.Millisecond)
	id := stoppable(t)
	concurrently(4, func(i int) {
		if i < 2 {
			_, _ = e.cache.Stop(context.Background(), id)
		} else {
			_, _ = e.cache.BatchStop(context.Background(), []string{id})
		}
	})
	e.wantCalls(t, dcssim.OpStop, 2)
	e.wantCalls(t, dcssim.OpBatchStop, 2)
}

// TestGenerationRace: a list read before a stop and answered after it.
func TestGenerationRace(t *testing.T) {
	ctx := context.Background()
	id := stoppable(t)
	var hold *holdList
	hold1 := func(up dcs.TaskService) dcs.TaskService { hold = newHoldList(up); return hold }

	// Its page shows the old status, so it must not be stored: the next list
	// after it reads the API again.
	t.Run("not stored", func(t *testing.T) {
		e := newEnv(t, time.Hour, hold1)
		old := make(chan dcs.TaskPage, 1)
		go func() { old <- mustList(t, e.cache, firstPage) }()
		<-hold.answered // read before the stop, not yet returned
		if _, err := e.cache.Stop(ctx, id); err != nil {
			t.Fatal(err)
		}
		close(hold.release)
		if s := statusIn(<-old, id); s != dcs.StatusFullMigrating {
			t.Fatalf("the held page shows %q; the test needs it read before the stop", s)
		}
		if s := statusIn(mustList(t, e.cache, firstPage), id); s != dcs.StatusTerminating {
			t.Fatalf("list after the stop shows %q, want %s", s, dcs.StatusTerminating)
		}
		e.wantCalls(t, dcssim.OpList, 2)
	})
	// A list asked for after the stop does not join it, and its fresh page
	// is not overwritten when the old one finally arrives.
	t.Run("not joined", func(t *testing.T) {
		e := newEnv(t, time.Hour, hold1)
		old := make(chan dcs.TaskPage, 1)
		go func() { old <- mustList(t, e.cache, firstPage) }()
		<-hold.answered
		if _, err := e.cache.Stop(ctx, id); err != nil {
			t.Fatal(err)
		}
		// Bounded, so that joining the held read fails the test, not hangs it.
		fresh, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		p, err := e.cache.List(fresh, firstPage)
		close(hold.release)
		if err != nil {
			t.Fatalf("list during the old read: %v (did it join the read held across the stop?)", err)
		}
		if s := statusIn(p, id); s != dcs.StatusTerminating {
			t.Fatalf("list during the old read shows %q, want %s", s, dcs.StatusTerminating)
		}
		<-old
		if s := statusIn(mustList(t, e.cache, firstPage), id); s != dcs.StatusTerminating {
			t.Fatalf("cached list shows %q, want %s", s, dcs.StatusTerminating)
		}
		e.wantCalls(t, dcssim.OpList, 2)
	})
}

// TestMemoryBound: no more than MaxListEntries pages are kept; the oldest go.
func TestMemoryBound(t *testing.T) {
	// A TTL the fake clock can pass without leaving the simulator's 15-minute
	// signature window.
	const ttl = 5 * time.Minute
	e := newEnv(t, ttl, nil)
	const n = taskcache.MaxListEntries + 20
	for i := range n {
		mustList(t, e.cache, dcs.ListOptions{Limit: 1, Name: fmt.Sprintf("name-%03d", i)})
		e.clock.Advance(time.Millisecond) // so that "oldest" is well defined
	}
	if got := taskcache.CachedPages(e.cache); got != taskcache.MaxListEntries {
		t.Fatalf("%d pages cached, want %d", got, taskcache.MaxListEntries)
	}
	mustList(t, e.cache, dcs.ListOptions{Limit: 1, Name: fmt.Sprintf("name-%03d", n-1)})
	e.wantCalls(t, dcssim.OpList, n) // the newest is kept
	mustList(t, e.cache, dcs.ListOptions{Limit: 1, Name: "name-000"})
	e.wantCalls(t, dcssim.OpList, n+1) // the oldest was evicted

	// Expired pages make room before live ones are evicted.
	e.clock.Advance(ttl)
	mustList(t, e.cache, firstPage)
	if got := taskcache.CachedPages(e.cache); got != 1 {
		t.Fatalf("%d pages cached after all expired, want 1", got)
	}
}
