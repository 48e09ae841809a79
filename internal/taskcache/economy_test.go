package taskcache_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// The product's target: 100 concurrent viewers polling the same list page
// for 60 s cause at most 25 upstream list calls, and at most 25 stats calls
// for each task in progress whose progress the page shows, with no stale
// status shown for longer than the TTL after a stop.
const (
	econViewers  = 100
	econDuration = 60 * time.Second
	econPeriod   = time.Second              // htmx polls each open list page about this often
	econTick     = 10 * time.Millisecond    // the fake clock's step
	econStopAt   = 31500 * time.Millisecond // mid-TTL, so the stop, not expiry, must refresh the page
	econMaxCalls = 25
)

// economy is what one 60 s run measured.
type economy struct {
	listCalls  int           // upstream ListMigrationTask calls
	statsCalls int           // upstream ShowMigrationTaskStats calls
	moving     int           // tasks on the page with progress to show
	views      int           // list pages served to viewers
	maxStale   time.Duration // longest any view showed a status the API no longer had
	stopStale  time.Duration // longest a view showed the stopped task's old status after the stop
}

// BenchmarkUpstreamEconomy runs the product's scenario on a fake clock: the
// 60 s pass in a fraction of a second of real time, through the real client
// and the simulator. Each iteration is one whole run; the run is seeded, so
// every iteration measures the same figures.
func BenchmarkUpstreamEconomy(b *testing.B) {
	var r economy
	for b.Loop() {
		r = runEconomy(b)
	}
	checkEconomy(b, r)
	b.ReportMetric(float64(r.listCalls), "upstream-list-calls/60s")
	b.ReportMetric(float64(r.statsCalls)/float64(max(r.moving, 1)), "upstream-stats-calls/task/60s")
	b.ReportMetric(r.maxStale.Seconds(), "max-stale-s")
	b.ReportMetric(r.stopStale.Seconds(), "stop-stale-s")
	b.ReportMetric(float64(r.views), "views/60s")
}

// TestEconomyTarget holds every test run to the product's target; the
// benchmark reports the figures.
func TestEconomyTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("a 60 s scenario on a fake clock")
	}
	r := runEconomy(t)
	checkEconomy(t, r)
	t.Logf("%d upstream list calls and %d stats calls (%d tasks in progress) for %d views in 60 s; max stale %s, after the stop %s",
		r.listCalls, r.statsCalls, r.moving, r.views, r.maxStale, r.stopStale)
}

func checkEconomy(tb testing.TB, r economy) {
	tb.Helper()
	if r.listCalls > econMaxCalls {
		tb.Errorf("%d upstream list calls in 60 s, want at most %d", r.listCalls, econMaxCalls)
	}
	if r.moving == 0 {
		tb.Error("no task on the page shows progress: the stats reads went unmeasured")
	}
	if r.statsCalls > econMaxCalls*r.moving {
		tb.Errorf("%d upstream stats calls in 60 s for %d tasks in progress, want at most %d each",
			r.statsCalls, r.moving, econMaxCalls)
	}
	if r.maxStale > taskcache.DefaultListTTL || r.stopStale > taskcache.DefaultListTTL {
		tb.Errorf("a status was shown stale for %s (%s after the stop), want at most the TTL %s",
			r.maxStale, r.stopStale, taskcache.DefaultListTTL)
	}
}

// runEconomy has econViewers viewers, each with its own phase, poll the
// first page about every econPeriod for econDuration, reading the progress
// of every task on it that reports some (as the list's progress column
// does), and stops one task on it at econStopAt. Viewers due in the same
// tick poll concurrently.
//
// Every view is checked against the simulator's own state at that instant:
// a status the API no longer has is stale since the first tick at which it
// was seen gone (exact for the stop, which happens on a tick).
func runEconomy(tb testing.TB) economy {
	tb.Helper()
	ctx := context.Background()
	e := newEnv(tb, taskcache.DefaultListTTL, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	stopID := stoppable(tb)
	first := mustList(tb, e.client, firstPage)
	pageIDs := ids(first)
	var r economy
	for _, task := range first.Tasks {
		if task.ReportsProgress() {
			r.moving++
		}
	}
	e.sim.ResetCalls()

	truth := map[string]string{}                   // each task's status at the API now
	ended := map[string]map[string]time.Duration{} // when a status was first seen gone
	sample := func(el time.Duration) {
		for _, id := range pageIDs {
			task, _ := e.sim.Task(id) // not an API call: not counted
			if old, ok := truth[id]; ok && old != task.Status {
				if ended[id] == nil {
					ended[id] = map[string]time.Duration{}
				}
				ended[id][old] = el
			}
			truth[id] = task.Status
		}
	}

	next := make([]time.Duration, econViewers) // each viewer's next poll
	for i := range next {
		next[i] = time.Duration(rng.IntN(int(econPeriod/econTick))) * econTick
	}
	sawStop := make([]bool, econViewers)
	var before dcs.Status
	for el := time.Duration(0); el < econDuration; el += econTick {
		if el == econStopAt {
			before = dcs.Status(truth[stopID])
			if _, err := e.cache.Stop(ctx, stopID); err != nil {
				tb.Fatalf("Stop: %v", err)
			}
		}
		sample(el)
		var due []int
		for i := range next {
			if next[i] <= el {
				due = append(due, i)
				// ±50 ms of jitter: a poll waits for the previous answer.
				next[i] += econPeriod + time.Duration(rng.IntN(11)-5)*econTick
			}
		}
		pages, errs := make([]dcs.TaskPage, len(due)), make([]error, len(due))
		concurrently(len(due), func(j int) {
			pages[j], errs[j] = e.cache.List(ctx, firstPage)
			for _, task := range pages[j].Tasks {
				if task.ReportsProgress() && errs[j] == nil {
					_, errs[j] = e.cache.Stats(ctx, task.ID)
				}
			}
		})
		for j, p := range pages {
			if errs[j] != nil {
				tb.Fatalf("viewer %d at %s: %v", due[j], el, errs[j])
			}
			r.views++
			for _, task := range p.Tasks {
				var stale time.Duration
				if string(task.Status) != truth[task.ID] {
					at, ok := ended[task.ID][string(task.Status)]
					if !ok {
						tb.Fatalf("viewer %d at %s sees %s as %s, which it never was", due[j], el, task.ID, task.Status)
					}
					stale = el - at
				}
				r.maxStale = max(r.maxStale, stale)
				if task.ID == stopID && el >= econStopAt {
					if task.Status == before {
						r.stopStale = max(r.stopStale, el-econStopAt)
					} else {
						sawStop[due[j]] = true
					}
				}
			}
		}
		e.clock.Advance(econTick)
	}
	for i, saw := range sawStop {
		if !saw {
			tb.Errorf("viewer %d never saw the stopped task's new status", i)
		}
	}
	r.listCalls, r.statsCalls = e.calls(dcssim.OpList), e.calls(dcssim.OpStats)
	return r
}
