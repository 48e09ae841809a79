//go:build unix

// The build constraint is for syscall.Getrusage (CPU time per op); the
// dashboard is only deployed on Linux.

package views_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// Benchmark fixtures are read through the real dcs.Client from the simulator,
// so the rendered values have exactly the shapes the dashboard decodes (list
// items with summary fields only, timestamps in every layout the seed uses,
// numbers as strings or numbers), rather than hand-built structs that could
// drift from what production renders.

const (
	benchProject = "bench-project"
	benchAK      = "BENCHACCESSKEY01"
	benchSK      = "bench-secret-key-0001"
	benchRows    = 100
	benchLogs    = 20
	// benchCSRF has the length of a real token (32 random bytes, base64url),
	// because every stoppable row repeats it in its dialog.
	benchCSRF = "q7n3Xv0bTzY1m4Kc8Wd2Lp6Hs9Ga5Rf0Ue3Jt1Qo7Bk"
)

type benchFixtures struct {
	// operator is the list as an operator sees it (a box and a Stop on
	// every row that can be stopped), viewer as someone who may only look.
	operator, viewer views.ListPage
	online, backup   views.DetailPage
}

// fixtures is built once per test binary: -count re-runs each benchmark
// function, and a simulator start per run would only add noise to setup.
var fixtures = sync.OnceValues(loadFixtures)

func loadFixtures() (benchFixtures, error) {
	var f benchFixtures
	now := time.Now()
	sim := dcssim.New(dcssim.Config{ProjectID: benchProject, AccessKey: benchAK, SecretKey: benchSK})
	seed := dcssim.Seed(now)
	// Pad the seed with copies up to benchRows, keeping the seed's mix of
	// statuses, so about half the rows are stoppable and render a dialog.
	for i := len(seed); i < benchRows; i++ {
		t := seed[i%len(seed)]
		t.TaskID = fmt.Sprintf("%08x-b3c4-4d5e-8f60-%012x", i, i)
		t.TaskName = fmt.Sprintf("%s (copy %d)", t.TaskName, i)
		sim.Put(t)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: benchProject,
		AccessKey: benchAK, SecretKey: benchSK, Timeout: 10 * time.Second})
	if err != nil {
		return f, err
	}
	ctx := context.Background()

	page, err := c.List(ctx, dcs.ListOptions{Limit: benchRows})
	if err != nil {
		return f, fmt.Errorf("List: %w", err)
	}
	if len(page.Tasks) != benchRows {
		return f, fmt.Errorf("List returned %d tasks, want %d", len(page.Tasks), benchRows)
	}
	// As handlers.Server.listPage builds it: one target, the rows refreshing
	// together, and the progress of every online migration under way.
	f.operator = views.ListPage{Chrome: chrome("Migration tasks"), Total: page.Total, CanStop: true,
		Query: listquery.Query{Page: 1, Size: benchRows, DefaultSize: benchRows}, Refresh: 5 * time.Second, ReadAt: now}
	stoppable, moving := 0, 0
	for _, t := range page.Tasks {
		st := state(t, routes.List)
		st.Refresh, st.SelectCell = 0, true
		if t.Type == dcs.TypeOnlineMigration && t.Status.Moving() {
			stats, err := c.Stats(ctx, t.ID)
			if err != nil {
				return f, fmt.Errorf("Stats(%s): %w", t.ID, err)
			}
			st.Progress = &views.RowProgress{Stats: &stats}
			moving++
		}
		f.operator.Rows = append(f.operator.Rows, st)
		if t.Status.Stoppable() {
			stoppable++
		}
	}
	if stoppable == 0 || moving == 0 {
		return f, fmt.Errorf("%d stoppable rows, %d with progress: the list would not be measured whole", stoppable, moving)
	}
	f.viewer = f.operator
	f.viewer.CanStop, f.viewer.Chrome.Viewer.Role = false, "viewer"
	f.viewer.Rows = slices.Clone(f.operator.Rows)
	for i := range f.viewer.Rows {
		f.viewer.Rows[i].CanStop, f.viewer.Rows[i].SelectCell = false, false
	}

	onlineID, backupID := pickDetailTasks(seed)
	if f.online, err = detail(ctx, c, onlineID); err != nil {
		return f, err
	}
	if f.online.Stats == nil || len(f.online.Logs.Entries) != benchLogs {
		return f, fmt.Errorf("online task: stats %v, %d log entries; want stats and %d",
			f.online.Stats != nil, len(f.online.Logs.Entries), benchLogs)
	}
	if f.backup, err = detail(ctx, c, backupID); err != nil {
		return f, err
	}
	if b := f.backup.Task.Backup; b == nil || len(b.Files) < 3 {
		return f, fmt.Errorf("backup task has no files: %+v", b)
	}
	return f, nil
}

// pickDetailTasks chooses the seed tasks the detail benchmarks render, by
// what they hold rather than by position: an incremental online migration
// from a DCS source (stats, every optional field, more than 20 log lines
// after a day of heartbeats) and the OBS import with the most files.
func pickDetailTasks(seed []dcssim.Task) (online, backup string) {
	files := 0
	for _, t := range seed {
		if online == "" && t.MigrationType == dcs.TypeOnlineMigration && t.Status == string(dcs.StatusIncrMigrating) &&
			t.SourceInstance != nil && t.SourceInstance.ID != "" {
			online = t.TaskID
		}
		if b := t.BackupFiles; b != nil && len(b.Files) > files {
			backup, files = t.TaskID, len(b.Files)
		}
	}
	return online, backup
}

// detail gathers a DetailPage the way handlers.Server.Show does.
func detail(ctx context.Context, c *dcs.Client, id string) (views.DetailPage, error) {
	task, err := c.Show(ctx, id)
	if err != nil {
		return views.DetailPage{}, fmt.Errorf("Show(%s): %w", id, err)
	}
	p := views.DetailPage{Chrome: chrome(task.Name), Task: task, State: state(task, routes.TaskURL(targets.DefaultName, id))}
	if task.Type == dcs.TypeOnlineMigration {
		stats, err := c.Stats(ctx, id)
		if err != nil {
			return p, fmt.Errorf("Stats(%s): %w", id, err)
		}
		p.Stats = &stats
	}
	if p.Logs, err = c.Logs(ctx, id, dcs.LogOptions{Limit: benchLogs}); err != nil {
		return p, fmt.Errorf("Logs(%s): %w", id, err)
	}
	return p, nil
}

func chrome(title string) views.Chrome {
	return views.Chrome{Title: title, Viewer: views.Viewer{Name: "local", Role: "operator"}}
}

// state is what handlers.Server.state builds for the local operator.
func state(t dcs.Task, returnTo string) views.TaskState {
	return views.TaskState{Task: t, Target: targets.DefaultName, CSRF: benchCSRF, CanStop: true, ReturnTo: returnTo, Refresh: 5 * time.Second}
}

func mustFixtures(b *testing.B) benchFixtures {
	b.Helper()
	f, err := fixtures()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// renderFunc renders one page into w.
type renderFunc func(ctx context.Context, w io.Writer) error

// BenchmarkListRender renders the list page with 100 tasks, the page
// around them included, as an operator and as a viewer sees it. Targets:
// at most 120 µs a page, 450 bytes of HTML and 10 allocations a row
// (html-bytes/row and allocs/row divide the whole page's by its rows).
func BenchmarkListRender(b *testing.B) {
	f := mustFixtures(b)
	for _, tc := range []struct {
		name string
		page views.ListPage
	}{{"operator", f.operator}, {"viewer", f.viewer}} {
		b.Run(tc.name, func(b *testing.B) {
			benchRender(b, len(tc.page.Rows), func(ctx context.Context, w io.Writer) error { return views.ListView(tc.page).Render(ctx, w) })
		})
	}
}

// BenchmarkDetailRender renders a task page: an online migration with stats
// and 20 log lines, and a backup-file import with its files. Target: ≤ 150 µs/op.
func BenchmarkDetailRender(b *testing.B) {
	f := mustFixtures(b)
	for _, tc := range []struct {
		name string
		page views.DetailPage
	}{{"online", f.online}, {"backup", f.backup}} {
		b.Run(tc.name, func(b *testing.B) {
			benchRender(b, 0, func(ctx context.Context, w io.Writer) error { return views.DetailView(tc.page).Render(ctx, w) })
		})
	}
}

// benchRender times render into io.Discard. Besides wall time it reports
// the process's CPU time per op (GC included), which stays meaningful when
// other jobs share the machine's two cores and inflate ns/op, and the page
// size, so a change in ns/op can be told apart from a change in how much
// HTML is written; with rows, the bytes and allocations a row.
func benchRender(b *testing.B, rows int, render renderFunc) {
	ctx := context.Background()
	var cw countWriter
	if err := render(ctx, &cw); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if err := render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	if cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(cw.n), "html-bytes")
	if rows > 0 && b.N > 0 {
		b.ReportMetric(float64(cw.n)/float64(rows), "html-bytes/row")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N)/float64(rows), "allocs/row")
	}
}

// cpuTime is the user plus system CPU time of the whole process: rendering
// goroutine, GC workers and all. 0 if it cannot be read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countWriter counts what is written to it.
type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
