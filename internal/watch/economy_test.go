package watch

import (
	"cmp"
	"context"
	"fmt"
	"maps"
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
// (handlers' listPage, default query): each target's first page of 1000
// with no name filter, all targets at once, merged newest first; then the
// progress (Stats) of each task that reports it among the rows the page
// shows, 8 at a time. A page shows 20 rows by default, while the watcher
// reads the progress of every task in progress: the progress of a task no
// viewer's page shows is read by the watcher alone, once a round. That is
// what watching costs beside viewers of the default first page; beside
// viewers whose pages read every task's progress it costs nothing. Both
// are measured.
const (
	econTasks      = 200
	econDuration   = time.Hour
	econRefresh    = 5 * time.Second // the dashboard's default -refresh
	econViewers    = 5
	econPageSize   = 20 // handlers' default page size
	econStatsAtOne = 8  // handlers' progressLookups
	econGrid       = 10 * time.Millisecond
	econJitter     = 5 // ± this many econGrid steps on each period of a viewer
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
	// http has the caches call the simulator over httptest through the
	// real dcs.Client, and counts the calls the simulator received; else
	// they call an in-memory copy of what the simulator answered at the
	// start (it answers the same all hour: its clock stands), and the calls
	// are counted as they leave the caches. The counts are the same (the
	// benchmark checks it), but a call costs microseconds instead of
	// ~150 µs (~2 ms under -race).
	http bool
}

func (s econScenario) String() string {
	page := "every task's progress"
	if s.pageSize > 0 {
		page = fmt.Sprintf("first page of %d", s.pageSize)
	}
	return fmt.Sprintf("watch=%t, %d viewers (%s), http=%t", s.watch, s.viewers, page, s.http)
}

// econRun is what one hour cost upstream.
type econRun struct {
	lists, stats int                          // all targets
	byTarget     map[string]map[dcssim.Op]int // by target (project)
	listsOf      map[string]int               // list calls by target, counted under the caches
	statsOf      map[string]int               // stats calls by task id, counted under the caches
	shown        map[string]bool              // tasks whose progress the views read
	moving       int                          // tasks that report progress
	rounds       int                          // watcher rounds
	views        int                          // list refreshes served to viewers
}

func (r econRun) calls() int { return r.lists + r.stats }

// econTask is task j of the scenario, all in progress, newest first: of
// every five, an online full migration in full sync, an incremental one
// in full sync, two incremental ones replicating, and a backup-file import.
func econTask(j int, now time.Time) dcssim.Task {
	t := dcssim.Task{
		TaskID:    fmt.Sprintf("ec0%05d-0000-4000-8000-%012d", j, j),
		TaskName:  fmt.Sprintf("economy-%03d", j),
		CreatedAt: now.Add(-time.Duration(j+1) * 7 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"),
		Version:   "2.0.1", NetworkType: dcs.NetworkVPC, EcsTenantPrivateIP: fmt.Sprintf("192.168.0.%d", 10+j),
		MigrationType: dcs.TypeOnlineMigration, MigrationMethod: dcs.MethodIncremental,
		TargetInstance: &dcssim.TargetInstance{ID: fmt.Sprintf("ec1%05d-0000-4000-8000-%012d", j, j), Name: fmt.Sprintf("dcs-target-%03d", j)},
		SourceInstance: &dcssim.SourceInstance{Addrs: fmt.Sprintf("192.168.1.%d:6379", j)},
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

// econMoving is how many of the tasks report progress (the online ones).
const econMoving = econTasks * 4 / 5

// econCounter counts the List and Stats calls that leave a target's cache.
type econCounter struct {
	dcs.TaskService
	target string
	mu     *sync.Mutex
	lists  map[string]int // by target
	stats  map[string]int // by task id
}

func (c econCounter) List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	c.mu.Lock()
	c.lists[c.target]++
	c.mu.Unlock()
	return c.TaskService.List(ctx, opt)
}

func (c econCounter) Stats(ctx context.Context, id string) (dcs.Stats, error) {
	c.mu.Lock()
	c.stats[id]++
	c.mu.Unlock()
	return c.TaskService.Stats(ctx, id)
}

// econMemory answers List{0, 1000, ""} and Stats as the simulator did.
type econMemory struct {
	dcs.TaskService // the rest: never called
	page            dcs.TaskPage
	stats           map[string]dcs.Stats
}

func (m econMemory) List(_ context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	if opt != (dcs.ListOptions{Offset: 0, Limit: 1000}) {
		return dcs.TaskPage{}, fmt.Errorf("econMemory: unexpected list %+v", opt)
	}
	return dcs.TaskPage{Total: m.page.Total, Tasks: slices.Clone(m.page.Tasks)}, nil
}

func (m econMemory) Stats(_ context.Context, id string) (dcs.Stats, error) {
	st, ok := m.stats[id]
	if !ok {
		return dcs.Stats{}, fmt.Errorf("econMemory: no stats for %s", id)
	}
	return st, nil
}

// econView is one refresh of the task list by a viewer, as far as the API
// sees it (handlers' listPage with the default query): every target's
// first page of 1000 at once, the rows merged newest first (sortRows), and
// the progress of each of the first pageSize rows (0: all) that reports it.
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
		task   *dcs.Task
	}
	var rows []row
	for i := range pages {
		if errs[i] != nil {
			return fmt.Errorf("%s: %w", all[i].Name, errs[i])
		}
		for k := range pages[i].Tasks {
			rows = append(rows, row{all[i], &pages[i].Tasks[k]})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
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
	var moving []row
	for _, r := range rows {
		if r.task.ReportsProgress() {
			shown(r.task.ID)
			moving = append(moving, r)
		}
	}
	work := make(chan row)
	var mu sync.Mutex
	var failed error
	for range min(econStatsAtOne, len(moving)) {
		wg.Go(func() {
			for r := range work {
				if _, err := r.target.Tasks.Stats(ctx, r.task.ID); err != nil {
					mu.Lock()
					failed = cmp.Or(failed, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, r := range moving {
		work <- r
	}
	close(work)
	wg.Wait()
	return failed
}

// runWatchEconomy runs one simulated hour of sc on a world of its own: the
// simulator (whose clock stands, so every task stays in progress with the
// same figures), a taskcache.Cache per target with the default TTL on the
// fake clock, a SQLite store, and the watcher at its default interval.
//
// Time moves from one event to the next: a viewer's refresh (each viewer
// at its own phase within the first econRefresh, then every econRefresh ±
// econJitter steps), or a watcher round (at its own phase within the first
// interval, then every interval, as Run's ticker). Events at the same
// instant run at once. The timeline is drawn from a fixed seed and is the
// same whether the watcher runs or not.
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
	r := econRun{byTarget: map[string]map[dcssim.Op]int{}, listsOf: map[string]int{}, statsOf: map[string]int{},
		shown: map[string]bool{}, moving: econMoving}
	var ts []*targets.Target
	for _, tg := range econTargets {
		client, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: tg.project, AccessKey: testAK, SecretKey: testSK,
			Timeout: 10 * time.Second})
		if err != nil {
			tb.Fatal(err)
		}
		var up dcs.TaskService = client
		if !sc.http {
			up = recordAnswers(tb, client)
		}
		cache := taskcache.New(econCounter{TaskService: up, target: tg.name, mu: &mu, lists: r.listsOf, stats: r.statsOf},
			taskcache.Config{ListTTL: taskcache.DefaultListTTL, Now: clk.Now})
		ts = append(ts, &targets.Target{Name: tg.name, ProjectID: tg.project, Tasks: cache})
	}
	sim.ResetCalls()
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
	phase := func(d time.Duration) time.Duration { return time.Duration(rng.IntN(int(d/econGrid))) * econGrid }
	nextRound := phase(interval)
	next := make([]time.Duration, sc.viewers)
	for i := range next {
		next[i] = phase(econRefresh)
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
		errs := make([]error, len(next))
		for i := range next {
			if next[i] != at {
				continue
			}
			r.views++
			next[i] += econRefresh + time.Duration(rng.IntN(2*econJitter+1)-econJitter)*econGrid
			wg.Go(func() { errs[i] = econView(ctx, set, sc.pageSize, shown) })
		}
		if sc.watch && nextRound == at {
			r.rounds++
			nextRound += interval
			wg.Go(func() { wt.tick(ctx) })
		}
		wg.Wait()
		if err := cmp.Or(errs...); err != nil {
			tb.Fatalf("%s: a view at %s: %v", sc, at, err)
		}
	}

	for _, tg := range econTargets {
		c := map[dcssim.Op]int{dcssim.OpList: r.listsOf[tg.name], dcssim.OpStats: 0}
		for j := range econTasks {
			if econTargets[j%len(econTargets)] == tg {
				c[dcssim.OpStats] += r.statsOf[econTask(j, start).TaskID]
			}
		}
		if sc.http {
			// The calls the simulator received, which must be those that
			// left the caches: nothing else calls it.
			got := map[dcssim.Op]int{dcssim.OpList: sim.CallsIn(tg.project, dcssim.OpList), dcssim.OpStats: sim.CallsIn(tg.project, dcssim.OpStats)}
			if !maps.Equal(got, c) {
				tb.Fatalf("%s: the simulator counted %v, the caches let out %v", tg.name, got, c)
			}
		}
		r.byTarget[tg.name] = c
		r.lists += c[dcssim.OpList]
		r.stats += c[dcssim.OpStats]
	}
	if sc.watch {
		// Every round read every task in progress: none was cut short.
		for j := range econTasks {
			if task := econTask(j, start); j%5 != 4 && r.statsOf[task.TaskID] < r.rounds {
				tb.Fatalf("%s: the progress of %s was read %d times in %d rounds", sc, task.TaskName, r.statsOf[task.TaskID], r.rounds)
			}
		}
	}
	return r
}

// recordAnswers reads, through client, what the scenario's calls read:
// the first page of 1000 and the progress of each task that reports it.
func recordAnswers(tb testing.TB, client dcs.TaskService) econMemory {
	tb.Helper()
	ctx := context.Background()
	page, err := client.List(ctx, dcs.ListOptions{Offset: 0, Limit: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	m := econMemory{TaskService: client, page: page, stats: map[string]dcs.Stats{}}
	for _, task := range page.Tasks {
		if task.ReportsProgress() {
			if m.stats[task.ID], err = client.Stats(ctx, task.ID); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return m
}

// econExtra is what the watcher added to the viewers' upstream calls.
type econExtra struct {
	with, without econRun
	lists, stats  int // with minus without
	// onShown and offShown split the extra stats calls between the tasks
	// whose progress the viewers read and the tasks they never read.
	onShown, offShown int
	unshown           int // tasks in progress whose progress no view reads
}

func (e econExtra) calls() int { return e.lists + e.stats }

func withViewers(tb testing.TB, pageSize int, http bool) econExtra {
	tb.Helper()
	e := econExtra{
		with:    runWatchEconomy(tb, econScenario{watch: true, viewers: econViewers, pageSize: pageSize, http: http}),
		without: runWatchEconomy(tb, econScenario{viewers: econViewers, pageSize: pageSize, http: http}),
	}
	e.lists, e.stats = e.with.lists-e.without.lists, e.with.stats-e.without.stats
	for id, n := range e.with.statsOf {
		if e.without.shown[id] {
			e.onShown += n - e.without.statsOf[id]
		} else {
			e.offShown += n - e.without.statsOf[id]
			e.unshown++
		}
	}
	return e
}

// checkExtra holds e to costing the viewers nothing the watcher could share
// with them: no list call, and no progress read of a task their pages show;
// the tasks in progress they never show are read once a round, by the
// watcher alone. Beside viewers of every task's progress that is nothing.
func checkExtra(tb testing.TB, e econExtra) {
	tb.Helper()
	for name, n := range e.with.listsOf {
		if extra := n - e.without.listsOf[name]; extra != 0 {
			tb.Errorf("the watcher costs %d list calls of %s beside the viewers, want 0", extra, name)
		}
	}
	for id, n := range e.with.statsOf {
		extra := n - e.without.statsOf[id]
		switch {
		case e.without.shown[id] && extra != 0:
			tb.Errorf("the watcher costs %d reads of the progress of %s, which the viewers' pages show, want 0", extra, id)
		case !e.without.shown[id] && extra != e.with.rounds:
			tb.Errorf("the progress of %s, which no page shows, was read %d times in %d rounds, want once a round", id, extra, e.with.rounds)
		}
	}
	if e.unshown == 0 && e.calls() != 0 {
		tb.Errorf("beside viewers of every task the watcher costs %d calls/hour, want 0", e.calls())
	}
}

// BenchmarkWatchUpstreamCalls reports the upstream calls (ListMigrationTask
// and ShowMigrationTaskStats, as the simulator counted them) of one
// simulated hour: the watcher alone, and what it adds to viewers of the
// list, both for viewers of the default first page and for viewers whose
// pages read every task's progress. Each iteration is whole hours on the
// fake clock; the figures are the same every time. It also checks that
// the Test's in-memory instrument counts the same calls.
func BenchmarkWatchUpstreamCalls(b *testing.B) {
	b.Run("alone", func(b *testing.B) {
		var r econRun
		for b.Loop() {
			r = runWatchEconomy(b, econScenario{watch: true, http: true})
		}
		if m := runWatchEconomy(b, econScenario{watch: true}); !sameCounts(m, r) {
			b.Errorf("in memory %v, through the simulator %v", m.byTarget, r.byTarget)
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
				e = withViewers(b, c.pageSize, true)
			}
			checkExtra(b, e)
			if m := withViewers(b, c.pageSize, false); !sameCounts(m.with, e.with) || !sameCounts(m.without, e.without) {
				b.Errorf("in memory %v and %v, through the simulator %v and %v",
					m.with.byTarget, m.without.byTarget, e.with.byTarget, e.without.byTarget)
			}
			b.ReportMetric(float64(e.calls()), "extra-calls-with-viewers/hour")
			b.ReportMetric(float64(e.without.calls()), "viewer-calls/hour")
			b.ReportMetric(float64(e.offShown), "extra-stats-unshown/hour")
			b.ReportMetric(float64(e.unshown), "tasks-unshown")
		})
	}
}

func sameCounts(a, b econRun) bool {
	return maps.EqualFunc(a.byTarget, b.byTarget, maps.Equal) && maps.Equal(a.statsOf, b.statsOf)
}

// TestWatchCostsNothingWithViewers runs the benchmark's scenario once, with
// the in-memory instrument (the benchmark checks it counts what the
// simulator does), and holds the watcher to costing viewers nothing it can
// share with them (checkExtra).
func TestWatchCostsNothingWithViewers(t *testing.T) {
	if testing.Short() {
		t.Skip("simulated hours on a fake clock")
	}
	alone := runWatchEconomy(t, econScenario{watch: true})
	t.Logf("the watcher alone: %d upstream calls/hour (%d list, %d stats) in %d rounds, %d of %d tasks reporting progress; by target %v",
		alone.calls(), alone.lists, alone.stats, alone.rounds, alone.moving, econTasks, alone.byTarget)
	if want := alone.rounds * (len(econTargets) + alone.moving); alone.calls() != want {
		t.Errorf("the watcher alone: %d calls/hour, want %d (each round, a list of each target and the progress of each task in progress)",
			alone.calls(), want)
	}
	for _, c := range []struct {
		name     string
		pageSize int
	}{{"viewers of the first page", econPageSize}, {"viewers of every task", 0}} {
		t.Run(c.name, func(t *testing.T) {
			e := withViewers(t, c.pageSize, false)
			t.Logf("%d viewers refreshing every %s (%d views): %d calls/hour without the watcher (%d list, %d stats), %d with it (%d rounds)",
				econViewers, econRefresh, e.without.views, e.without.calls(), e.without.lists, e.without.stats, e.with.calls(), e.with.rounds)
			t.Logf("extra with viewers: %d calls/hour: %d list, %d stats: %d of the tasks the pages show, %d of the %d tasks in progress they never show",
				e.calls(), e.lists, e.stats, e.onShown, e.offShown, e.unshown)
			t.Logf("by target: with the watcher %v, without %v", e.with.byTarget, e.without.byTarget)
			checkExtra(t, e)
		})
	}
}
