package watch

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// What watching costs the DCS API: one simulated hour on the fake clock,
// 200 tasks in progress across three targets, the watcher at its default
// interval over the task caches at their default TTL, alone and beside
// viewers of the task list.
//
// A viewer's refresh reads what the dashboard's list page reads of the API
// (handlers' listPage): each target's first page of 1000 with no name
// filter, all targets at once, merged newest first; then, for the rows the
// page shows, the progress (Stats) of each task that reports it, 8 at a
// time. By default a page shows 20 rows; the watcher reads the progress of
// every task in progress. So the progress of a task that no viewer's page
// shows is read by the watcher alone, every round: the one cost of
// watching that viewers do not share. The scenario is run both ways: with
// viewers of the default first page, and with viewers whose page reads the
// progress of every task (as a page showing them all would).
const (
	econTasks      = 200
	econDuration   = time.Hour
	econRefresh    = 5 * time.Second // the dashboard's default -refresh
	econViewers    = 5
	econPageSize   = 20 // handlers' default page size
	econStatsAtOne = 8  // handlers' progressLookups
	econGrid       = 10 * time.Millisecond
	econJitter     = 5 // ± this many econGrid steps on each viewer's period
)

// The three targets, each a project of the simulator.
var econTargets = []struct{ name, project string }{
	{"bj-prod", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"},
	{"sh-dr", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"},
	{"gz-stage", "5e6f708192a3b4c5d6e7f8091a2b3c4d"},
}

// econScenario is one run's setup.
type econScenario struct {
	watch   bool // the watcher runs
	viewers int  // viewers of the list, each refreshing every econRefresh
	// pageSize is how many rows (newest first, across targets) a view
	// shows and reads the progress of; 0 means every task.
	pageSize int
}

func (s econScenario) String() string {
	page := "every task"
	if s.pageSize > 0 {
		page = fmt.Sprintf("first page of %d", s.pageSize)
	}
	return fmt.Sprintf("watch=%t, %d viewers (%s)", s.watch, s.viewers, page)
}

// econRun is what one hour cost upstream.
type econRun struct {
	lists, stats int                          // the simulator's counts, all projects
	byProject    map[string]map[dcssim.Op]int // the simulator's counts, by target
	statsOf      map[string]int               // upstream Stats calls by task id, counted under the caches
	shown        map[string]bool              // tasks whose progress the views read
	moving       int                          // tasks that report progress
	rounds       int                          // watcher rounds
	views        int                          // list refreshes served to viewers
}

func (r econRun) calls() int { return r.lists + r.stats }

// econTask is task j of the scenario: every fifth an online full
// migration in full sync, an incremental one in its full sync, two
// incremental ones replicating, and a backup-file import; newest first.
func econTask(j int, now time.Time) dcssim.Task {
	t := dcssim.Task{
		TaskID:    fmt.Sprintf("ec0%05d-0000-4000-8000-%012d", j, j),
		TaskName:  fmt.Sprintf("economy-%03d", j),
		CreatedAt: now.Add(-time.Duration(j+1) * 7 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"),
		Version:   "2.0.1", NetworkType: dcs.NetworkVPC, EcsTenantPrivateIP: fmt.Sprintf("192.168.%d.%d", j/200, 10+j%200),
		MigrationType: dcs.TypeOnlineMigration, MigrationMethod: dcs.MethodIncremental,
		TargetInstance: &dcssim.TargetInstance{ID: fmt.Sprintf("ec1%05d-0000-4000-8000-%012d", j, j), Name: fmt.Sprintf("dcs-target-%03d", j)},
		SourceInstance: &dcssim.SourceInstance{Addrs: fmt.Sprintf("192.168.100.%d:6379", j%250)},
	}
	switch j % 5 {
	case 0:
		t.Status, t.MigrationMethod = string(dcs.StatusFullMigrating), dcs.MethodFull
	case 1:
		t.Status = string(dcs.StatusMigrating)
	case 2, 3:
		t.Status = string(dcs.StatusIncrMigrating)
	case 4:
		t.Status, t.MigrationType, t.MigrationMethod, t.SourceInstance = string(dcs.StatusMigrating), dcs.TypeBackupFileImport, "", nil
		t.BackupFiles = &dcssim.BackupFiles{FileSource: dcs.FileSourceOBS, BucketName: "redis-backups",
			Files: []dcssim.BackupFile{{FileName: fmt.Sprintf("dump-%03d.rdb", j), Size: "524288000"}}}
	}
	return t
}

// econReports is whether task j reports progress (it is an online migration).
func econReports(j int) bool { return j%5 != 4 }

// statsCounter counts the Stats calls that reach the client under a
// target's cache, by task id.
type statsCounter struct {
	dcs.TaskService
	mu *sync.Mutex
	n  map[string]int
}

func (c statsCounter) Stats(ctx context.Context, id string) (dcs.Stats, error) {
	c.mu.Lock()
	c.n[id]++
	c.mu.Unlock()
	return c.TaskService.Stats(ctx, id)
}

// econView is one refresh of the task list by a viewer, as far as the API
// sees it (handlers' listPage with the default query): every target's
// first page of 1000 at once, the rows merged newest first, and the
// progress of each of the first pageSize (0: all) that reports it.
func econView(ctx context.Context, set *targets.Set, pageSize int, shown func(string)) error {
	all := set.All()
	pages, errs := make([]dcs.TaskPage, len(all)), make([]error, len(all))
	var wg sync.WaitGroup
	for i, t := range all {
		wg.Go(func() { pages[i], errs[i] = t.Tasks.List(ctx, dcs.ListOptions{Offset: 0, Limit: 1000, Name: ""}) })
	}
	wg.Wait()
	type row struct {
		target *targets.Target
		task   dcs.Task
	}
	var rows []row
	for i, p := range pages {
		if errs[i] != nil {
			return fmt.Errorf("%s: %w", all[i].Name, errs[i])
		}
		for _, task := range p.Tasks {
			rows = append(rows, row{all[i], task})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { // handlers' sortRows, newest first
		av, bv := a.task.CreatedAt.Valid(), b.task.CreatedAt.Valid()
		switch {
		case av && bv:
			return b.task.CreatedAt.Time.Compare(a.task.CreatedAt.Time)
		case av:
			return -1
		case bv:
			return 1
		}
		return 0
	})
	if pageSize > 0 {
		rows = rows[:min(pageSize, len(rows))]
	}
	sem := make(chan struct{}, econStatsAtOne)
	var mu sync.Mutex
	var failed error
	for _, r := range rows {
		if !r.task.ReportsProgress() {
			continue
		}
		shown(r.task.ID)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := r.target.Tasks.Stats(ctx, r.task.ID); err != nil {
				mu.Lock()
				failed = cmp.Or(failed, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failed
}

// runWatchEconomy runs one simulated hour of sc on a world of its own: the
// simulator (whose clock stands, so every task stays in progress) behind
// httptest, a real dcs.Client per target under a taskcache.Cache with the
// default TTL, a SQLite store, and the watcher at its default interval.
// Time is a fake clock moved from one event to the next: a viewer's
// refresh (each viewer at its own phase in the first econRefresh, then
// every econRefresh ± a little), or a watcher round (at its own phase in
// the first interval, then every interval, as Run's ticker). Events at
// the same instant run at once. The timeline is drawn from a fixed seed,
// the same whether the watcher runs or not.
func runWatchEconomy(tb testing.TB, sc econScenario) econRun {
	tb.Helper()
	ctx := context.Background()
	tb.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", filepath.Join(tb.TempDir(), "no-such-credentials"))
	tb.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "")
	simClock, clk := newClock(), newClock()
	start := clk.Now()

	cfg := dcssim.Config{ProjectID: econTargets[0].project, AccessKey: testAK, SecretKey: testSK, Now: simClock.Now, Tasks: []dcssim.Task{}}
	for _, tg := range econTargets[1:] {
		cfg.Projects = append(cfg.Projects, dcssim.Project{ID: tg.project, Tasks: []dcssim.Task{}})
	}
	sim := dcssim.New(cfg)
	for j := range econTasks {
		if err := sim.PutIn(econTargets[j%len(econTargets)].project, econTask(j, simClock.Now())); err != nil {
			tb.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()

	var mu sync.Mutex
	r := econRun{byProject: map[string]map[dcssim.Op]int{}, statsOf: map[string]int{}, shown: map[string]bool{}}
	var ts []*targets.Target
	for _, tg := range econTargets {
		client, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: tg.project, AccessKey: testAK, SecretKey: testSK,
			Timeout: 10 * time.Second})
		if err != nil {
			tb.Fatal(err)
		}
		cache := taskcache.New(statsCounter{TaskService: client, mu: &mu, n: r.statsOf},
			taskcache.Config{ListTTL: taskcache.DefaultListTTL, Now: clk.Now})
		ts = append(ts, &targets.Target{Name: tg.name, ProjectID: tg.project, Tasks: cache})
	}
	set, err := targets.NewSet(ts...)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "dashboard.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	wt, err := New(Config{Targets: set, Store: store.NewNotifications(db, clk.Now), Now: clk.Now})
	if err != nil {
		tb.Fatal(err)
	}
	interval := wt.cfg.Interval // the default

	rng := rand.New(rand.NewPCG(30, 5))
	grid := func(d time.Duration) time.Duration { return time.Duration(rng.IntN(int(d/econGrid))) * econGrid }
	nextRound := grid(interval)
	next := make([]time.Duration, sc.viewers)
	for i := range next {
		next[i] = grid(econRefresh)
	}
	shown := func(id string) { mu.Lock(); r.shown[id] = true; mu.Unlock() }
	for {
		at := econDuration
		if sc.watch {
			at = nextRound
		}
		for _, n := range next {
			at = min(at, n)
		}
		if at >= econDuration {
			break
		}
		clk.Advance(start.Add(at).Sub(clk.Now()))
		var wg sync.WaitGroup
		errs := make(chan error, len(next))
		for i := range next {
			if next[i] != at {
				continue
			}
			r.views++
			next[i] += econRefresh + time.Duration(rng.IntN(2*econJitter+1)-econJitter)*econGrid
			wg.Go(func() {
				if err := econView(ctx, set, sc.pageSize, shown); err != nil {
					errs <- fmt.Errorf("viewer %d at %s: %w", i, at, err)
				}
			})
		}
		if sc.watch && nextRound == at {
			r.rounds++
			nextRound += interval
			wg.Go(func() { wt.tick(ctx) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			tb.Fatal(err)
		}
	}

	for _, tg := range econTargets {
		c := map[dcssim.Op]int{dcssim.OpList: sim.CallsIn(tg.project, dcssim.OpList), dcssim.OpStats: sim.CallsIn(tg.project, dcssim.OpStats)}
		r.byProject[tg.name] = c
		r.lists += c[dcssim.OpList]
		r.stats += c[dcssim.OpStats]
	}
	for j := range econTasks {
		if econReports(j) {
			r.moving++
		}
	}
	if n := sum(r.statsOf); n != r.stats {
		tb.Fatalf("%s: %d stats calls left the caches, the simulator counted %d", sc, n, r.stats)
	}
	if sc.watch {
		// Every round must have read every task: nothing was cut short.
		for j := range econTasks {
			task := econTask(j, start)
			if econReports(j) && r.statsOf[task.TaskID] == 0 {
				tb.Fatalf("%s: the progress of %s was never read", sc, task.TaskName)
			}
		}
	}
	return r
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// econExtra is what the watcher added to the viewers' upstream calls.
type econExtra struct {
	with, without econRun
	lists, stats  int // with minus without
	// onShown and offShown split the extra stats calls between the tasks
	// whose progress the viewers read and those they never read.
	onShown, offShown int
	unshownMoving     int // tasks in progress whose progress no view reads
}

func (e econExtra) calls() int { return e.lists + e.stats }

func withViewers(tb testing.TB, pageSize int) econExtra {
	tb.Helper()
	e := econExtra{
		with:    runWatchEconomy(tb, econScenario{watch: true, viewers: econViewers, pageSize: pageSize}),
		without: runWatchEconomy(tb, econScenario{viewers: econViewers, pageSize: pageSize}),
	}
	e.lists, e.stats = e.with.lists-e.without.lists, e.with.stats-e.without.stats
	for id, n := range e.with.statsOf {
		if e.without.shown[id] {
			e.onShown += n - e.without.statsOf[id]
		} else {
			e.offShown += n - e.without.statsOf[id]
			e.unshownMoving++
		}
	}
	return e
}

// BenchmarkWatchUpstreamCalls reports the upstream calls (ListMigrationTask
// and ShowMigrationTaskStats) of one simulated hour: the watcher alone, and
// what it adds to viewers of the list (target: nothing), both for viewers
// of the default first page and for viewers whose page reads every task's
// progress. Each iteration is whole hours on the fake clock.
func BenchmarkWatchUpstreamCalls(b *testing.B) {
	b.Run("alone", func(b *testing.B) {
		var r econRun
		for b.Loop() {
			r = runWatchEconomy(b, econScenario{watch: true})
		}
		b.ReportMetric(float64(r.calls()), "watch-calls/hour")
		b.ReportMetric(float64(r.rounds), "rounds/hour")
	})
	for _, c := range []struct {
		name     string
		pageSize int
	}{{"with viewers/first page", econPageSize}, {"with viewers/every task", 0}} {
		b.Run(c.name, func(b *testing.B) {
			var e econExtra
			for b.Loop() {
				e = withViewers(b, c.pageSize)
			}
			b.ReportMetric(float64(e.calls()), "extra-calls-with-viewers/hour")
			b.ReportMetric(float64(e.without.calls()), "viewer-calls/hour")
			b.ReportMetric(float64(e.onShown), "extra-stats-shown/hour")
			b.ReportMetric(float64(e.offShown), "extra-stats-unshown/hour")
		})
	}
}

// TestWatchCostsNothingWithViewers runs the benchmark's scenario once and
// holds the watcher to costing viewers nothing it could share with them:
// no list call, and no progress read of a task their pages show. The
// progress of a task in progress that no page shows is read by the
// watcher alone, once a round; that, and only that, may be extra.
func TestWatchCostsNothingWithViewers(t *testing.T) {
	if testing.Short() {
		t.Skip("simulated hours on a fake clock")
	}
	alone := runWatchEconomy(t, econScenario{watch: true})
	t.Logf("watcher alone: %d upstream calls/hour (%d list, %d stats) in %d rounds, %d tasks of %d reporting progress; by target %v",
		alone.calls(), alone.lists, alone.stats, alone.rounds, alone.moving, econTasks, alone.byProject)
	if want := alone.rounds * (len(econTargets) + alone.moving); alone.calls() != want {
		t.Errorf("watcher alone: %d calls, want %d (a list per target and a stats read per task in progress, each round)", alone.calls(), want)
	}
	for _, c := range []struct {
		name     string
		pageSize int
	}{{"viewers of the first page", econPageSize}, {"viewers of every task", 0}} {
		t.Run(c.name, func(t *testing.T) {
			e := withViewers(t, c.pageSize)
			t.Logf("%d viewers refreshing every %s: %d calls/hour without the watcher (%d list, %d stats; %d views), %d with it (%d rounds)",
				econViewers, econRefresh, e.without.calls(), e.without.lists, e.without.stats, e.without.views, e.with.calls(), e.with.rounds)
			t.Logf("extra with viewers: %d calls/hour: %d list, %d stats (%d of tasks the pages show, %d of the %d tasks in progress they never show)",
				e.calls(), e.lists, e.stats, e.onShown, e.offShown, e.unshownMoving)
			t.Logf("by target, with the watcher %v, without %v", e.with.byProject, e.without.byProject)
			if e.lists != 0 || e.onShown != 0 {
				t.Errorf("the watcher costs viewers %d list calls and %d stats reads of tasks their pages show, want 0", e.lists, e.onShown)
			}
			if want := e.with.rounds * e.unshownMoving; e.offShown != want {
				t.Errorf("%d extra stats reads of tasks no page shows, want %d (one per round for each of %d)", e.offShown, want, e.unshownMoving)
			}
			if c.pageSize == 0 && e.calls() != 0 {
				t.Errorf("with viewers of every task the watcher costs %d calls/hour, want 0", e.calls())
			}
		})
	}
}
