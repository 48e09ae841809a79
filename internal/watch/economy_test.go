package watch

import (
	"cmp"
	"context"
	"errors"
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
// shows, 8 at a time. What watching adds to what the viewers cost has two
// parts:
//
//   - Unshown: a page shows 20 rows by default, while the watcher reads
//     the progress of every task in progress. The progress of a task no
//     viewer's page shows is read by the watcher alone, once a round.
//   - Shared: a list or a progress the viewers read too. The watcher's read
//     is free when it falls within the TTL of a viewer's read. When it
//     falls after the cached answer expired and before the next viewer's
//     refresh, it reads the API in that viewer's stead, and the answer it
//     keeps expires earlier than the viewer's would have: a viewer whose
//     refresh would have shared the other viewer's answer may then find it
//     expired, and read the API once more. So a round costs one call or
//     none per shared key (every shared key alike: they are read at the
//     same instants), depending on how the viewers' refreshes fall. Beside
//     a single viewer it is none, but at the hour's edges (a round before
//     the viewer's first refresh or after its last): two TTLs outlast the
//     refresh period, so the viewer's next refresh always shares the
//     watcher's answer, and the one after reads the API as it would have.
//
// The benchmark reports both, on one timeline through the simulator, and
// the shared part over many timelines; the test holds both to what is
// described here.
const (
	econTasks      = 200
	econDuration   = time.Hour
	econRefresh    = 5 * time.Second // the dashboard's default -refresh
	econViewers    = 5
	econPageSize   = 20 // handlers' default page size
	econStatsAtOne = 8  // handlers' progressLookups
	econGrid       = 10 * time.Millisecond
	econJitter     = 5  // ± this many econGrid steps on each period of a viewer
	econSeed       = 1  // the timeline of the test and of the runs through the simulator
	econTimelines  = 16 // the timelines of the shared part's spread
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
	seed     uint64 // draws the timeline
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
	return fmt.Sprintf("watch=%t, %d viewers (%s), timeline %d, http=%t", s.watch, s.viewers, page, s.seed, s.http)
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

// econReports is whether task j reports progress (it is an online
// migration), and econMoving how many do.
func econReports(j int) bool { return j%5 != 4 }

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
// instant run at once. The timeline is drawn from sc.seed, the same
// whether the watcher runs or not and whatever the viewers' page.
//
// It may run beside other runs (each has its own world), so it returns its
// failure instead of failing tb; tb gives it temporary directories only.
func runWatchEconomy(tb testing.TB, sc econScenario) (econRun, error) {
	ctx := context.Background()
	fail := func(err error) (econRun, error) { return econRun{}, fmt.Errorf("%s: %w", sc, err) }
	simClock, clk := newClock(), newClock()
	start := clk.Now()

	cfg := dcssim.Config{ProjectID: econTargets[0].project, AccessKey: testAK, SecretKey: testSK, Now: simClock.Now, Tasks: []dcssim.Task{}}
	for _, tg := range econTargets[1:] {
		cfg.Projects = append(cfg.Projects, dcssim.Project{ID: tg.project, Tasks: []dcssim.Task{}})
	}
	sim := dcssim.New(cfg)
	for j := range econTasks {
		if err := sim.PutIn(econTargets[j%len(econTargets)].project, econTask(j, simClock.Now())); err != nil {
			return fail(err)
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
			return fail(err)
		}
		var up dcs.TaskService = client
		if !sc.http {
			if up, err = recordAnswers(client); err != nil {
				return fail(err)
			}
		}
		cache := taskcache.New(econCounter{TaskService: up, target: tg.name, mu: &mu, lists: r.listsOf, stats: r.statsOf},
			taskcache.Config{ListTTL: taskcache.DefaultListTTL, Now: clk.Now})
		ts = append(ts, &targets.Target{Name: tg.name, ProjectID: tg.project, Tasks: cache})
	}
	sim.ResetCalls()
	set, err := targets.NewSet(ts...)
	if err != nil {
		return fail(err)
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "dashboard.db"))
	if err != nil {
		return fail(err)
	}
	defer func() { _ = db.Close() }()
	wt, err := New(Config{Targets: set, Store: store.NewNotifications(db, clk.Now), Now: clk.Now})
	if err != nil {
		return fail(err)
	}
	interval := wt.cfg.Interval // the default

	rng := rand.New(rand.NewPCG(sc.seed, 0x5eed))
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
			return fail(fmt.Errorf("a view at %s: %w", at, err))
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
				return fail(fmt.Errorf("%s: the simulator counted %v, the caches let out %v", tg.name, got, c))
			}
		}
		r.byTarget[tg.name] = c
		r.lists += c[dcssim.OpList]
		r.stats += c[dcssim.OpStats]
	}
	if sc.watch {
		// Every round read every task in progress: none was cut short.
		for j := range econTasks {
			if task := econTask(j, start); econReports(j) && r.statsOf[task.TaskID] < r.rounds {
				return fail(fmt.Errorf("the progress of %s was read %d times in %d rounds", task.TaskName, r.statsOf[task.TaskID], r.rounds))
			}
		}
	}
	return r, nil
}

// econRuns runs scs at once, each on a world of its own.
func econRuns(tb testing.TB, scs ...econScenario) []econRun {
	tb.Helper()
	// The SDK must find no credentials or project of the machine's.
	tb.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", filepath.Join(tb.TempDir(), "no-such-credentials"))
	tb.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "")
	out, errs := make([]econRun, len(scs)), make([]error, len(scs))
	var wg sync.WaitGroup
	for i, sc := range scs {
		wg.Go(func() { out[i], errs[i] = runWatchEconomy(tb, sc) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
	return out
}

// recordAnswers reads, through client, what the scenario's calls read:
// the first page of 1000 and the progress of each task that reports it.
func recordAnswers(client dcs.TaskService) (econMemory, error) {
	ctx := context.Background()
	page, err := client.List(ctx, dcs.ListOptions{Offset: 0, Limit: 1000})
	if err != nil {
		return econMemory{}, err
	}
	m := econMemory{TaskService: client, page: page, stats: map[string]dcs.Stats{}}
	for _, task := range page.Tasks {
		if task.ReportsProgress() {
			if m.stats[task.ID], err = client.Stats(ctx, task.ID); err != nil {
				return econMemory{}, err
			}
		}
	}
	return m, nil
}

// econExtra is what the watcher added to the viewers' upstream calls.
type econExtra struct {
	with, without econRun
	lists, stats  int // with minus without
	// shared is the extra calls of what the viewers read too (lists and
	// the progress of the tasks their pages show), unshown those of the
	// progress of the tasks in progress no page shows.
	shared, unshown int
	// perKey is each shared key's extra calls, by target (a list) or task
	// id (a progress).
	perKey map[string]int
	// unshownTasks is how many tasks in progress no page shows.
	unshownTasks int
}

func (e econExtra) calls() int { return e.lists + e.stats }

func extraOf(with, without econRun) econExtra {
	e := econExtra{with: with, without: without, lists: with.lists - without.lists, stats: with.stats - without.stats,
		perKey: map[string]int{}}
	for name, n := range with.listsOf {
		e.perKey[name] = n - without.listsOf[name]
		e.shared += e.perKey[name]
	}
	for id, n := range with.statsOf {
		if without.shown[id] {
			e.perKey[id] = n - without.statsOf[id]
			e.shared += e.perKey[id]
		} else {
			e.unshown += n - without.statsOf[id]
			e.unshownTasks++
		}
	}
	return e
}

// sharedPerKey is the extra calls of each shared key, if they are all the
// same.
func (e econExtra) sharedPerKey() (int, bool) {
	vals := slices.Sorted(maps.Values(e.perKey))
	return vals[0], vals[0] == vals[len(vals)-1]
}

// econPages are the viewers' pages: the default first page, and a page
// that reads every task's progress.
var econPages = []struct {
	name     string
	pageSize int
}{{"first page", econPageSize}, {"every task", 0}}

// viewers is the scenario of econViewers viewers of pages of pageSize on
// timeline seed, and the watcher if watch.
func viewers(pageSize int, seed uint64, watch, http bool) econScenario {
	return econScenario{watch: watch, viewers: econViewers, pageSize: pageSize, seed: seed, http: http}
}

// oneViewer is viewers with a single viewer.
func oneViewer(pageSize int, seed uint64, watch bool) econScenario {
	sc := viewers(pageSize, seed, watch, false)
	sc.viewers = 1
	return sc
}

// checkExtra holds e to what the file's comment says: the progress of each
// task in progress no page shows is read once a round, by the watcher
// alone; every shared key costs the same extra, at most one call a round.
func checkExtra(tb testing.TB, e econExtra) {
	tb.Helper()
	for id, n := range e.with.statsOf {
		if extra := n - e.without.statsOf[id]; !e.without.shown[id] && extra != e.with.rounds {
			tb.Errorf("the progress of %s, which no page shows, was read %d times in %d rounds, want once a round", id, extra, e.with.rounds)
		}
	}
	k, same := e.sharedPerKey()
	if !same {
		tb.Errorf("the shared keys cost different extras: %v", e.perKey)
	}
	if k < 0 || k > e.with.rounds {
		tb.Errorf("each shared key cost %d extra calls in %d rounds, want 0 to one a round", k, e.with.rounds)
	}
}

// sameCounts checks that the in-memory instrument counted, run by run,
// the calls the simulator counted.
func sameCounts(tb testing.TB, memory, simulator []econRun) {
	tb.Helper()
	for i := range memory {
		if !maps.EqualFunc(memory[i].byTarget, simulator[i].byTarget, maps.Equal) || !maps.Equal(memory[i].statsOf, simulator[i].statsOf) {
			tb.Errorf("run %d: in memory %v, through the simulator %v", i, memory[i].byTarget, simulator[i].byTarget)
		}
	}
}

// BenchmarkWatchUpstreamCalls reports the upstream calls (ListMigrationTask
// and ShowMigrationTaskStats, as the simulator counted them) of one
// simulated hour: the watcher alone, and what it adds to viewers of the
// list, for viewers of the default first page and for viewers whose pages
// read every task's progress; and, over econTimelines timelines (in
// memory), what a shared key costs. An iteration is one hour of each run a
// figure needs, at once; the figures are the same every time. It also
// checks that the test's in-memory instrument counts what the simulator
// does.
func BenchmarkWatchUpstreamCalls(b *testing.B) {
	b.Run("alone", func(b *testing.B) {
		var rs []econRun
		for b.Loop() {
			rs = econRuns(b, econScenario{watch: true, seed: econSeed, http: true})
		}
		sameCounts(b, econRuns(b, econScenario{watch: true, seed: econSeed}), rs)
		b.ReportMetric(float64(rs[0].calls()), "watch-calls/hour")
		b.ReportMetric(float64(rs[0].rounds), "rounds/hour")
	})
	b.Run("with viewers", func(b *testing.B) {
		for _, p := range econPages {
			b.Run(p.name, func(b *testing.B) {
				var rs []econRun
				for b.Loop() {
					rs = econRuns(b, viewers(p.pageSize, econSeed, true, true), viewers(p.pageSize, econSeed, false, true))
				}
				e := extraOf(rs[0], rs[1])
				checkExtra(b, e)
				sameCounts(b, econRuns(b, viewers(p.pageSize, econSeed, true, false), viewers(p.pageSize, econSeed, false, false)), rs)
				b.ReportMetric(float64(e.calls()), "extra-calls-with-viewers/hour")
				b.ReportMetric(float64(e.without.calls()), "viewer-calls/hour")
				b.ReportMetric(float64(e.unshown), "extra-unshown/hour")
				b.ReportMetric(float64(e.shared), "extra-shared/hour")
			})
		}
		b.Run("timelines", func(b *testing.B) {
			var ks []int
			for b.Loop() {
				var scs []econScenario
				for seed := range uint64(econTimelines) {
					scs = append(scs, viewers(econPageSize, 1+seed, true, false), viewers(econPageSize, 1+seed, false, false))
				}
				rs := econRuns(b, scs...)
				ks = ks[:0]
				for i := 0; i < len(rs); i += 2 {
					e := extraOf(rs[i], rs[i+1])
					checkExtra(b, e)
					k, _ := e.sharedPerKey()
					ks = append(ks, k)
				}
			}
			sum, some := 0, 0
			for _, k := range ks {
				sum += k
				if k > 0 {
					some++
				}
			}
			b.Logf("extra calls per shared key in an hour, timelines 1 to %d: %v", econTimelines, ks)
			b.ReportMetric(float64(sum)/float64(len(ks)), "extra-per-shared-key/hour")
			b.ReportMetric(float64(slices.Max(ks)), "max-extra-per-shared-key/hour")
			b.ReportMetric(float64(some), "timelines-with-extra")
		})
	})
}

// TestWatchEconomyWithViewers runs the benchmark's scenario once (on
// timeline econSeed, with the in-memory instrument, which the benchmark
// checks counts what the simulator does) and holds what watching adds to
// what the file's comment says (checkExtra). What viewers read costs the
// watcher nothing: it takes answers up to its interval old (dcs.MaxAge),
// so every shared key costs no extra call. The progress of the tasks no
// page shows is the watcher's alone, one call a round each: watching a
// task nobody looks at needs its own read.
func TestWatchEconomyWithViewers(t *testing.T) {
	if testing.Short() {
		t.Skip("simulated hours on a fake clock")
	}
	rs := econRuns(t, econScenario{watch: true, seed: econSeed},
		viewers(econPageSize, econSeed, true, false), viewers(econPageSize, econSeed, false, false),
		oneViewer(econPageSize, econSeed, true), oneViewer(econPageSize, econSeed, false))
	alone, e, one := rs[0], extraOf(rs[1], rs[2]), extraOf(rs[3], rs[4])
	t.Logf("the watcher alone: %d upstream calls/hour (%d list, %d stats) in %d rounds, %d of %d tasks reporting progress; by target %v",
		alone.calls(), alone.lists, alone.stats, alone.rounds, alone.moving, econTasks, alone.byTarget)
	if want := alone.rounds * (len(econTargets) + alone.moving); alone.calls() != want {
		t.Errorf("the watcher alone: %d calls/hour, want %d (each round, a list of each target and the progress of each task in progress)",
			alone.calls(), want)
	}
	for _, c := range []struct {
		e       econExtra
		viewers int
	}{{e, econViewers}, {one, 1}} {
		e := c.e
		k, _ := e.sharedPerKey()
		t.Logf("%d viewers of the first page of %d, refreshing every %s (%d views): %d calls/hour without the watcher (%d list, %d stats), %d with it (%d rounds)",
			c.viewers, econPageSize, econRefresh, e.without.views, e.without.calls(), e.without.lists, e.without.stats, e.with.calls(), e.with.rounds)
		t.Logf("  extra with viewers: %d calls/hour (%d list, %d stats): %d for the %d tasks in progress no page shows, %d for the %d shared keys (%d each)",
			e.calls(), e.lists, e.stats, e.unshown, e.unshownTasks, e.shared, len(e.perKey), k)
		t.Logf("  by target: with the watcher %v, without %v", e.with.byTarget, e.without.byTarget)
		checkExtra(t, e)
		if want := e.with.rounds*e.unshownTasks + k*len(e.perKey); e.calls() != want {
			t.Errorf("extra %d calls/hour, want %d", e.calls(), want)
		}
	}
	for _, x := range []econExtra{e, one} {
		if k, _ := x.sharedPerKey(); k != 0 || x.shared != 0 {
			t.Errorf("what viewers also read cost the watcher %d extra calls in an hour (%d a key), want none", x.shared, k)
		}
	}
}
