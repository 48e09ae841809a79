package taskcache_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// concurrently runs f n times at once and waits for all of them.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() { <-start; f(i) })
	}
	close(start)
	wg.Wait()
}

// TestCoalescing: identical reads in flight make one upstream call. The TTL
// is 0, so nothing is cached and only coalescing can explain one call.
func TestCoalescing(t *testing.T) {
	id := stoppable(t)
	ops := []struct {
		cache string
		op    dcssim.Op
		read  func(c *taskcache.Cache) error
	}{
		{taskcache.CacheList, dcssim.OpList, func(c *taskcache.Cache) error {
			_, err := c.List(context.Background(), firstPage)
			return err
		}},
		{taskcache.CacheShow, dcssim.OpShow, func(c *taskcache.Cache) error {
			_, err := c.Show(context.Background(), id)
			return err
		}},
		{taskcache.CacheStats, dcssim.OpStats, func(c *taskcache.Cache) error {
			_, err := c.Stats(context.Background(), id)
			return err
		}},
		{taskcache.CacheLogs, dcssim.OpLogs, func(c *taskcache.Cache) error {
			_, err := c.Logs(context.Background(), id, dcs.LogOptions{Limit: 20})
			return err
		}},
	}
	const n = 30
	for _, tc := range ops {
		t.Run(tc.cache, func(t *testing.T) {
			e := newEnv(t, 0, nil)
			e.slowAll(400 * time.Millisecond) // holds the first call in flight while the rest arrive
			concurrently(n, func(int) {
				if err := tc.read(e.cache); err != nil {
					t.Error(err)
				}
			})
			e.wantCalls(t, tc.op, 1)
			if m, h := e.misses.get(tc.cache), e.hits.get(tc.cache); m != 1 || h != n-1 {
				t.Errorf("hooks: %d misses, %d hits; want 1 and %d", m, h, n-1)
			}
			// Done flights are not reused, and a TTL of 0 caches nothing.
			e.slowAll(0)
			if err := tc.read(e.cache); err != nil {
				t.Fatal(err)
			}
			e.wantCalls(t, tc.op, 2)
		})
	}
}

// TestListTTL: a page and a task's progress are served from memory until
// ListTTL has passed since they were read; details and logs never are.
func TestListTTL(t *testing.T) {
	e := newEnv(t, 3*time.Second, nil)
	first := mustList(t, e.cache, firstPage)
	mustList(t, e.cache, firstPage)
	e.clock.Advance(3*time.Second - time.Millisecond)
	again := mustList(t, e.cache, firstPage)
	e.wantCalls(t, dcssim.OpList, 1)
	if len(again.Tasks) != 10 || again.Total != first.Total || again.Tasks[0].ID != first.Tasks[0].ID {
		t.Errorf("cached page differs: %d tasks of %d, want 10 of %d", len(again.Tasks), again.Total, first.Total)
	}
	e.clock.Advance(time.Millisecond)
	mustList(t, e.cache, firstPage)
	e.wantCalls(t, dcssim.OpList, 2)
	if m, h := e.misses.get("list"), e.hits.get("list"); m != 2 || h != 2 {
		t.Errorf("hooks: %d misses, %d hits; want 2 and 2", m, h)
	}

	id := stoppable(t)
	ctx := context.Background()
	for range 2 {
		if _, err := e.cache.Show(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cache.Stats(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cache.Logs(ctx, id, dcs.LogOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, op := range []dcssim.Op{dcssim.OpShow, dcssim.OpLogs} {
		e.wantCalls(t, op, 2)
	}
	e.wantCalls(t, dcssim.OpStats, 1)
	if m, h := e.misses.get("stats"), e.hits.get("stats"); m != 1 || h != 1 {
		t.Errorf("stats hooks: %d misses, %d hits; want 1 and 1", m, h)
	}
	e.clock.Advance(3 * time.Second)
	if _, err := e.cache.Stats(ctx, id); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(t, dcssim.OpStats, 2)
	if n := taskcache.CachedStats(e.cache); n != 1 {
		t.Errorf("%d progress entries cached, want 1", n)
	}
}

// TestDistinctKeys: reads differing in any argument are neither coalesced
// nor answered from each other's cache entry.
func TestDistinctKeys(t *testing.T) {
	e := newEnv(t, 3*time.Second, nil)
	e.slowAll(300 * time.Millisecond)
	opts := []dcs.ListOptions{firstPage, {Limit: 5}, {Offset: 5, Limit: 5}, {Limit: 10, Name: "cache"}, {Limit: 10, Name: "import"}}
	got := make([]dcs.TaskPage, len(opts))
	concurrently(len(opts), func(i int) { got[i] = mustList(t, e.cache, opts[i]) })
	e.wantCalls(t, dcssim.OpList, len(opts))
	e.slowAll(0)
	for i, opt := range opts {
		want := mustList(t, e.client, opt)
		if !slices.Equal(ids(got[i]), ids(want)) || got[i].Total != want.Total {
			t.Errorf("List(%+v) = %v of %d, want %v of %d", opt, ids(got[i]), got[i].Total, ids(want), want.Total)
		}
		mustList(t, e.cache, opt) // now each one is cached under its own key
	}
	e.wantCalls(t, dcssim.OpList, 2*len(opts))

	a, b := stoppable(t), seedID(t, "cart-cache full copy")
	e.slowAll(300 * time.Millisecond)
	concurrently(4, func(i int) {
		ctx := context.Background()
		var err error
		if i < 2 {
			_, err = e.cache.Show(ctx, []string{a, b}[i])
		} else {
			_, err = e.cache.Logs(ctx, a, dcs.LogOptions{Limit: 10, Level: []string{"INFO", "ERROR"}[i-2]})
		}
		if err != nil {
			t.Error(err)
		}
	})
	e.wantCalls(t, dcssim.OpShow, 2)
	e.wantCalls(t, dcssim.OpLogs, 2)
}

func ids(p dcs.TaskPage) []string {
	out := make([]string, len(p.Tasks))
	for i, t := range p.Tasks {
		out[i] = t.ID
	}
	return out
}

// TestErrorsNotCached: a failed list is shared by the callers in flight,
// each with its own error value, and then forgotten.
func TestErrorsNotCached(t *testing.T) {
	e := newEnv(t, 3*time.Second, nil)
	e.sim.SetFaults(dcssim.Faults{Latency: 300 * time.Millisecond, ErrorRate: 1})
	errs := make([]error, 10)
	concurrently(len(errs), func(i int) { _, errs[i] = e.cache.List(context.Background(), firstPage) })
	e.wantCalls(t, dcssim.OpList, 1)
	for i, err := range errs {
		var ae *dcs.APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != 500 || ae.Code != "DCS.5000" {
			t.Fatalf("caller %d: %v, want HTTP 500 DCS.5000", i, err)
		}
		if i > 0 && err == errs[0] {
			t.Errorf("callers 0 and %d got the same *APIError", i)
		}
	}
	if _, err := e.cache.List(context.Background(), firstPage); err == nil {
		t.Fatal("second List succeeded; want the injected error again")
	}
	e.wantCalls(t, dcssim.OpList, 2)
	e.sim.SetFaults(dcssim.Faults{})
	mustList(t, e.cache, firstPage)
	mustList(t, e.cache, firstPage)
	e.wantCalls(t, dcssim.OpList, 3)
}

// TestCallerCancellation: the caller that started a shared call may leave;
// it returns at once, the others still get the answer, and the page is
// still cached, all from one upstream call.
func TestCallerCancellation(t *testing.T) {
	const latency = 800 * time.Millisecond
	e := newEnv(t, 3*time.Second, nil)
	e.slowAll(latency)
	ctx1, cancel1 := context.WithCancel(context.Background())
	defer cancel1()
	type answer struct {
		page dcs.TaskPage
		err  error
	}
	first, second := make(chan answer, 1), make(chan answer, 1)
	go func() { p, err := e.cache.List(ctx1, firstPage); first <- answer{p, err} }()
	e.waitCalls(t, dcssim.OpList, 1) // the first caller's request is at the API
	go func() { p, err := e.cache.List(context.Background(), firstPage); second <- answer{p, err} }()
	// Joining a flight is not observable from outside; the first call has
	// most of latency left, far more than the second caller needs to join.
	time.Sleep(latency / 8)

	cancelled := time.Now()
	cancel1()
	a := <-first
	if waited := time.Since(cancelled); waited > latency/4 {
		t.Errorf("the cancelled caller returned %s after cancelling", waited)
	}
	var ae *dcs.APIError
	if !errors.As(a.err, &ae) || ae.Kind != dcs.KindTimeout || ae.Op != dcs.OpList {
		t.Fatalf("cancelled caller: %v, want a KindTimeout APIError of %s", a.err, dcs.OpList)
	}
	b := <-second
	if b.err != nil || len(b.page.Tasks) != 10 {
		t.Fatalf("second caller: %d tasks, %v; want the page (the shared call must not be cancelled)", len(b.page.Tasks), b.err)
	}
	if h := e.hits.get("list"); h != 1 {
		t.Errorf("%d list hits, want 1: the second caller should have shared the first call", h)
	}
	e.slowAll(0)
	mustList(t, e.cache, firstPage)
	e.wantCalls(t, dcssim.OpList, 1) // the abandoned call's page was cached

	// A caller already gone sends nothing.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.cache.Show(done, stoppable(t)); !errors.As(err, &ae) || ae.Kind != dcs.KindTimeout {
		t.Fatalf("Show with a done context: %v, want a KindTimeout APIError", err)
	}
	e.wantCalls(t, dcssim.OpShow, 0)
}

// TestFreshStats: a read marked dcs.Fresh goes to the API although the
// progress is kept, and what it reads is kept for the next plain read.
func TestFreshStats(t *testing.T) {
	e := newEnv(t, time.Hour, nil)
	id := stoppable(t)
	ctx := context.Background()
	for _, c := range []context.Context{ctx, dcs.Fresh(ctx), ctx} {
		if _, err := e.cache.Stats(c, id); err != nil {
			t.Fatal(err)
		}
	}
	e.wantCalls(t, dcssim.OpStats, 2)
}

// TestMaxAgeReads: a read marked dcs.MaxAge takes an answer past the
// cache's period but younger than its age; a plain read never does.
func TestMaxAgeReads(t *testing.T) {
	e := newEnv(t, 3*time.Second, nil)
	id := stoppable(t)
	ctx := context.Background()
	old := dcs.MaxAge(ctx, 30*time.Second)
	mustList(t, e.cache, firstPage)
	if _, err := e.cache.Stats(ctx, id); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Second)
	if _, err := e.cache.List(old, firstPage); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cache.Stats(old, id); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(t, dcssim.OpList, 1)
	e.wantCalls(t, dcssim.OpStats, 1)
	mustList(t, e.cache, firstPage) // a page's read: past the period, so read again
	e.wantCalls(t, dcssim.OpList, 2)
	e.clock.Advance(40 * time.Second) // the page's read is now 40 s old: too old
	if _, err := e.cache.List(old, firstPage); err != nil {
		t.Fatal(err)
	}
	e.wantCalls(t, dcssim.OpList, 3)
}

// TestKeptStats: the progress Stats would answer from memory is told
// without a call; nothing is before a read, after the period, after a stop
// or to a read marked dcs.Fresh.
func TestKeptStats(t *testing.T) {
	e := newEnv(t, 3*time.Second, nil)
	id := stoppable(t)
	ctx := context.Background()
	if _, ok := e.cache.KeptStats(ctx, id); ok {
		t.Fatal("progress kept before any read")
	}
	read, err := e.cache.Stats(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	kept, ok := e.cache.KeptStats(ctx, id)
	if !ok || kept.FullProgress != read.FullProgress {
		t.Errorf("kept %v, %+v; want the read's %+v", ok, kept.FullProgress, read.FullProgress)
	}
	if _, ok := e.cache.KeptStats(dcs.Fresh(ctx), id); ok {
		t.Error("a fresh read was told what is kept")
	}
	e.clock.Advance(4 * time.Second)
	if _, ok := e.cache.KeptStats(ctx, id); ok {
		t.Error("progress kept past the period")
	}
	if _, err := e.cache.Stats(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cache.Stop(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.cache.KeptStats(ctx, id); ok {
		t.Error("progress kept across a stop")
	}
	e.wantCalls(t, dcssim.OpStats, 2)
}
