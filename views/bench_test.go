//go:build unix

// The build constraint is for syscall.Getrusage (CPU time per op); the
// dashboard is only deployed on Linux.

package views_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
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
	list           views.ListPage
	online, backup views.DetailPage
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
	f.list = views.ListPage{Chrome: chrome("Migration tasks"), Total: page.Total,
		Query: listquery.Query{Page: 1, Size: benchRows, DefaultSize: benchRows}}
	stoppable := 0
	for _, t := range page.Tasks {
		f.list.Rows = append(f.list.Rows, state(t, routes.List))
		if t.Status.Stoppable() {
			stoppable++
		}
	}
	if stoppable == 0 {
		return f, fmt.Errorf("no stoppable row: the Stop dialogs would not be measured")
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
	return views.TaskState{Task: t, CSRF: benchCSRF, CanStop: true, ReturnTo: returnTo, Refresh: 5 * time.Second}
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

// BenchmarkListRender renders the list page with 100 tasks, Stop dialogs
// included. Target: ≤ 300 µs/op.
func BenchmarkListRender(b *testing.B) {
	page := mustFixtures(b).list
	benchRender(b, func(ctx context.Context, w io.Writer) error { return views.ListView(page).Render(ctx, w) })
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
			benchRender(b, func(ctx context.Context, w io.Writer) error { return views.DetailView(tc.page).Render(ctx, w) })
		})
	}
}

// benchRender times render into io.Discard. Besides wall time it reports
// the process's CPU time per op (GC included), which stays meaningful when
// other jobs share the machine's two cores and inflate ns/op, and the page
// size, so a change in ns/op can be told apart from a change in how much
// HTML is written.
func benchRender(b *testing.B, render renderFunc) {
	ctx := context.Background()
	var cw countWriter
	if err := render(ctx, &cw); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if err := render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	if cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(cw.n), "html-bytes")
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
