package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var nan = math.NaN()

// taskFamilies are the families ObserveTasks writes, as scraped.
var taskFamilies = []string{
	"dcs_dashboard_task_info", "dcs_dashboard_task_status", "dcs_dashboard_task_full_sync_percent",
	"dcs_dashboard_task_replication_lag", "dcs_dashboard_task_source_keys", "dcs_dashboard_task_target_keys",
	"dcs_dashboard_task_ops_per_second", "dcs_dashboard_tasks_in_progress", "dcs_dashboard_task_metrics_dropped",
	"dcs_dashboard_task_metrics_limit",
}

// perTask are the families with one series per task (or per task figure).
var perTask = taskFamilies[:7]

// scrape serves /metrics through m.Handler and returns the text.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

// samples scrapes m and returns, sorted, the sample lines of the named
// families.
func samples(t *testing.T, m *Metrics, families ...string) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(scrape(t, m)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		if slices.Contains(families, name) {
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

func wantSamples(t *testing.T, step string, got, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: scraped\n\t%s\nwant\n\t%s", step, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// inProgressZeros are tasks_in_progress' always-present series of target,
// less the statuses given (which the caller lists with their counts).
func inProgressZeros(target string, except ...string) []string {
	var out []string
	for _, st := range []string{"RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING", "INCRMIGEATING", "TERMINATING"} {
		if !slices.Contains(except, st) {
			out = append(out, fmt.Sprintf(`dcs_dashboard_tasks_in_progress{status=%q,target=%q} 0`, st, target))
		}
	}
	return out
}

func TestObserveTasksSeriesAppearChangeAndDropOut(t *testing.T) {
	m := New("v", "r", "go")
	if got := samples(t, m, taskFamilies...); len(got) != 0 {
		t.Fatalf("task series before any call: %v", got)
	}

	m.ObserveTasks("bj", []TaskFigures{
		{TaskID: "t-1", TaskName: "orders", Status: "FULLMIGRATING", FullProgress: 40, Lag: nan, SourceKeys: 1000, TargetKeys: 400, Ops: 250},
		{TaskID: "t-2", TaskName: "sessions", Status: "INCRMIGRATING", FullProgress: 100, Lag: 1200, SourceKeys: 50, TargetKeys: 49, Ops: nan},
	})
	m.ObserveTasks("sh", []TaskFigures{
		{TaskID: "t-9", TaskName: "cart", Status: "RUNNING", FullProgress: nan, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
	})
	bjFirst := []string{
		`dcs_dashboard_task_info{target="bj",task_id="t-1",task_name="orders"} 1`,
		`dcs_dashboard_task_status{status="FULLMIGRATING",target="bj",task_id="t-1"} 1`,
		`dcs_dashboard_task_full_sync_percent{target="bj",task_id="t-1"} 40`,
		`dcs_dashboard_task_source_keys{target="bj",task_id="t-1"} 1000`,
		`dcs_dashboard_task_target_keys{target="bj",task_id="t-1"} 400`,
		`dcs_dashboard_task_ops_per_second{target="bj",task_id="t-1"} 250`,
		`dcs_dashboard_task_info{target="bj",task_id="t-2",task_name="sessions"} 1`,
		`dcs_dashboard_task_status{status="INCRMIGRATING",target="bj",task_id="t-2"} 1`,
		`dcs_dashboard_task_full_sync_percent{target="bj",task_id="t-2"} 100`,
		`dcs_dashboard_task_replication_lag{target="bj",task_id="t-2"} 1200`,
		`dcs_dashboard_task_source_keys{target="bj",task_id="t-2"} 50`,
		`dcs_dashboard_task_target_keys{target="bj",task_id="t-2"} 49`,
	}
	// A task with no figures at all has its name and status, nothing else.
	sh := []string{
		`dcs_dashboard_task_info{target="sh",task_id="t-9",task_name="cart"} 1`,
		`dcs_dashboard_task_status{status="RUNNING",target="sh",task_id="t-9"} 1`,
	}
	wantSamples(t, "first round", samples(t, m, perTask...), slices.Concat(bjFirst, sh))

	counts := func(bj ...string) []string {
		return slices.Concat(bj,
			[]string{`dcs_dashboard_tasks_in_progress{status="RUNNING",target="sh"} 1`}, inProgressZeros("sh", "RUNNING"),
			[]string{
				`dcs_dashboard_task_metrics_dropped{target="bj"} 0`,
				`dcs_dashboard_task_metrics_dropped{target="sh"} 0`,
				`dcs_dashboard_task_metrics_limit 500`,
			})
	}
	wantSamples(t, "first round counts",
		samples(t, m, "dcs_dashboard_tasks_in_progress", "dcs_dashboard_task_metrics_dropped", "dcs_dashboard_task_metrics_limit"),
		counts(slices.Concat([]string{
			`dcs_dashboard_tasks_in_progress{status="FULLMIGRATING",target="bj"} 1`,
			`dcs_dashboard_tasks_in_progress{status="INCRMIGRATING",target="bj"} 1`,
		}, inProgressZeros("bj", "FULLMIGRATING", "INCRMIGRATING"))...))

	// Next round on bj: t-1 moves on into the incremental phase and loses
	// its source figure, t-2 has finished, t-3 is new. sh is untouched.
	m.ObserveTasks("bj", []TaskFigures{
		{TaskID: "t-3", TaskName: "carts", Status: "MIGRATING", FullProgress: 5, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
		{TaskID: "t-1", TaskName: "orders-renamed", Status: "INCRMIGEATING", FullProgress: 100, Lag: 0, SourceKeys: nan, TargetKeys: 1000, Ops: 30},
	})
	wantSamples(t, "second round", samples(t, m, perTask...), slices.Concat([]string{
		`dcs_dashboard_task_info{target="bj",task_id="t-1",task_name="orders-renamed"} 1`,
		`dcs_dashboard_task_status{status="INCRMIGEATING",target="bj",task_id="t-1"} 1`,
		`dcs_dashboard_task_full_sync_percent{target="bj",task_id="t-1"} 100`,
		`dcs_dashboard_task_replication_lag{target="bj",task_id="t-1"} 0`,
		`dcs_dashboard_task_target_keys{target="bj",task_id="t-1"} 1000`,
		`dcs_dashboard_task_ops_per_second{target="bj",task_id="t-1"} 30`,
		`dcs_dashboard_task_info{target="bj",task_id="t-3",task_name="carts"} 1`,
		`dcs_dashboard_task_status{status="MIGRATING",target="bj",task_id="t-3"} 1`,
		`dcs_dashboard_task_full_sync_percent{target="bj",task_id="t-3"} 5`,
	}, sh))
	wantSamples(t, "second round counts",
		samples(t, m, "dcs_dashboard_tasks_in_progress", "dcs_dashboard_task_metrics_dropped", "dcs_dashboard_task_metrics_limit"),
		counts(slices.Concat([]string{
			`dcs_dashboard_tasks_in_progress{status="MIGRATING",target="bj"} 1`,
			`dcs_dashboard_tasks_in_progress{status="INCRMIGEATING",target="bj"} 1`,
		}, inProgressZeros("bj", "MIGRATING", "INCRMIGEATING"))...))

	// Nothing left in progress on bj: its task series go, its counts stay at 0.
	m.ObserveTasks("bj", nil)
	wantSamples(t, "bj finished", samples(t, m, perTask...), sh)
	wantSamples(t, "bj finished counts",
		samples(t, m, "dcs_dashboard_tasks_in_progress", "dcs_dashboard_task_metrics_dropped", "dcs_dashboard_task_metrics_limit"),
		counts(inProgressZeros("bj")...))
}

func TestObserveTasksHelpAndType(t *testing.T) {
	m := New("v", "r", "go")
	m.ObserveTasks("bj", []TaskFigures{{TaskID: "t-1", Status: "MIGRATING", FullProgress: 12.5, Lag: 1, SourceKeys: 2, TargetKeys: 3, Ops: 4}})
	want := `
# HELP dcs_dashboard_task_full_sync_percent Percent of a migration task's full sync done, 0 to 100.
# TYPE dcs_dashboard_task_full_sync_percent gauge
dcs_dashboard_task_full_sync_percent{target="bj",task_id="t-1"} 12.5
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "dcs_dashboard_task_full_sync_percent"); err != nil {
		t.Error(err)
	}
	body := scrape(t, m)
	for _, family := range taskFamilies {
		if !strings.Contains(body, "# TYPE "+family+" gauge\n") {
			t.Errorf("exposition lacks the gauge %s", family)
		}
	}
}

func TestObserveTasksLabelsBounded(t *testing.T) {
	m := New("v", "r", "go")
	long := strings.Repeat("é", 100) // 200 bytes
	m.ObserveTasks("bj", []TaskFigures{
		{TaskID: "a", TaskName: "bad\xffname", Status: "PAUSED", FullProgress: nan, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
		{TaskID: "b", Status: "<html>oops</html>", FullProgress: nan, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
		{TaskID: "c", Status: "", FullProgress: nan, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
		{TaskID: long, Status: "FAILED", FullProgress: nan, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
		// The same id again counts once, with its first figures.
		{TaskID: "a", TaskName: "again", Status: "MIGRATING", FullProgress: 1, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
		// No id: no series, counted as dropped.
		{TaskID: "", Status: "MIGRATING", FullProgress: 1, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan},
	})
	cut := strings.Repeat("é", 64) // 128 bytes, cut on a character
	wantSamples(t, "statuses", samples(t, m, "dcs_dashboard_task_status", "dcs_dashboard_task_info"), []string{
		`dcs_dashboard_task_info{target="bj",task_id="a",task_name="bad` + "\uFFFD" + `name"} 1`,
		`dcs_dashboard_task_info{target="bj",task_id="b",task_name=""} 1`,
		`dcs_dashboard_task_info{target="bj",task_id="c",task_name=""} 1`,
		`dcs_dashboard_task_info{target="bj",task_id="` + cut + `",task_name=""} 1`,
		`dcs_dashboard_task_status{status="PAUSED",target="bj",task_id="a"} 1`,
		`dcs_dashboard_task_status{status="other",target="bj",task_id="b"} 1`,
		`dcs_dashboard_task_status{status="none",target="bj",task_id="c"} 1`,
		`dcs_dashboard_task_status{status="FAILED",target="bj",task_id="` + cut + `"} 1`,
	})
	// The counts keep only statuses the dcs package knows: a new one is "other".
	wantSamples(t, "counts", samples(t, m, "dcs_dashboard_tasks_in_progress", "dcs_dashboard_task_metrics_dropped"),
		slices.Concat([]string{
			`dcs_dashboard_tasks_in_progress{status="other",target="bj"} 2`,
			`dcs_dashboard_tasks_in_progress{status="none",target="bj"} 1`,
			`dcs_dashboard_tasks_in_progress{status="FAILED",target="bj"} 1`,
			`dcs_dashboard_tasks_in_progress{status="MIGRATING",target="bj"} 1`,
			`dcs_dashboard_task_metrics_dropped{target="bj"} 1`,
		}, inProgressZeros("bj", "MIGRATING")))
	if got := len(series(t, m, "dcs_dashboard_task_full_sync_percent")); got != 0 {
		t.Errorf("%d full_sync series: the duplicate's or the id-less task's figure leaked", got)
	}
}

// exportedIDs lists target:task_id of every task that has series, sorted.
func exportedIDs(t *testing.T, m *Metrics) []string {
	t.Helper()
	var ids []string
	for _, s := range series(t, m, "dcs_dashboard_task_status") {
		var target, id string
		for _, lp := range s.GetLabel() {
			switch lp.GetName() {
			case "target":
				target = lp.GetValue()
			case "task_id":
				id = lp.GetValue()
			}
		}
		ids = append(ids, target+":"+id)
	}
	slices.Sort(ids)
	return ids
}

func dropped(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, s := range series(t, m, "dcs_dashboard_task_metrics_dropped") {
		out[s.GetLabel()[0].GetValue()] = s.GetGauge().GetValue()
	}
	return out
}

func tasksOf(ids ...string) []TaskFigures {
	out := make([]TaskFigures, len(ids))
	for i, id := range ids {
		out[i] = TaskFigures{TaskID: id, TaskName: "n-" + id, Status: "MIGRATING", FullProgress: 50, Lag: 7, SourceKeys: 10, TargetKeys: 5, Ops: 3}
	}
	return out
}

func TestTaskLimit(t *testing.T) {
	m := New("v", "r", "go")
	m.SetTaskLimit(3)
	check := func(step string, wantIDs []string, wantDropped map[string]float64) {
		t.Helper()
		if got := exportedIDs(t, m); !slices.Equal(got, wantIDs) {
			t.Errorf("%s: tasks with series %v, want %v", step, got, wantIDs)
		}
		if got := dropped(t, m); fmt.Sprint(got) != fmt.Sprint(wantDropped) {
			t.Errorf("%s: dropped %v, want %v", step, got, wantDropped)
		}
		// Every series of a task goes with it: seven per task here.
		n := 0
		for _, f := range perTask {
			n += len(series(t, m, f))
		}
		if n != 7*len(wantIDs) {
			t.Errorf("%s: %d per-task series, want %d", step, n, 7*len(wantIDs))
		}
	}

	m.ObserveTasks("a", tasksOf("a1", "a2"))
	// b's three tasks are first seen together: the lowest id gets the place.
	m.ObserveTasks("b", tasksOf("b3", "b1", "b2"))
	check("b over the limit", []string{"a:a1", "a:a2", "b:b1"}, map[string]float64{"a": 0, "b": 2})

	// A new task, even with a lower id, takes no place from one that has it.
	m.ObserveTasks("b", tasksOf("b0", "b1", "b2", "b3"))
	check("no eviction", []string{"a:a1", "a:a2", "b:b1"}, map[string]float64{"a": 0, "b": 3})

	// a2 finishes: its place goes to the waiting task seen first (b2, then
	// b3, both before b0), even though the call is a's.
	m.ObserveTasks("a", tasksOf("a1"))
	check("a place frees", []string{"a:a1", "b:b1", "b:b2"}, map[string]float64{"a": 0, "b": 2})
	if got := samples(t, m, "dcs_dashboard_tasks_in_progress"); !slices.Contains(got, `dcs_dashboard_tasks_in_progress{status="MIGRATING",target="b"} 4`) {
		t.Errorf("tasks_in_progress must count every task whatever the limit: %v", got)
	}

	// A lower limit takes the places of the tasks seen last first.
	m.SetTaskLimit(1)
	check("limit 1", []string{"a:a1"}, map[string]float64{"a": 0, "b": 4})
	m.SetTaskLimit(0)
	check("limit 0", nil, map[string]float64{"a": 1, "b": 4})
	if got := samples(t, m, "dcs_dashboard_task_metrics_limit"); !slices.Equal(got, []string{"dcs_dashboard_task_metrics_limit 0"}) {
		t.Errorf("limit series %v", got)
	}
	m.SetTaskLimit(-5)
	check("negative limit", nil, map[string]float64{"a": 1, "b": 4})

	// A higher one gives the waiting tasks places at once, in line.
	m.SetTaskLimit(4)
	check("limit 4", []string{"a:a1", "b:b1", "b:b2", "b:b3"}, map[string]float64{"a": 0, "b": 1})
	m.SetTaskLimit(100)
	check("limit 100", []string{"a:a1", "b:b0", "b:b1", "b:b2", "b:b3"}, map[string]float64{"a": 0, "b": 0})

	// A task that finishes and comes back queues anew.
	m.SetTaskLimit(2)
	check("limit 2", []string{"a:a1", "b:b1"}, map[string]float64{"a": 0, "b": 3})
	m.ObserveTasks("a", nil)
	m.ObserveTasks("a", tasksOf("a1"))
	check("a1 back", []string{"b:b1", "b:b2"}, map[string]float64{"a": 1, "b": 2})
}

func TestTaskLimitDefault(t *testing.T) {
	m := New("v", "r", "go")
	ids := make([]string, 600)
	for i := range ids {
		ids[i] = fmt.Sprintf("task-%04d", 599-i) // listed newest first, as the API does
	}
	m.ObserveTasks("bj", tasksOf(ids...))
	got := exportedIDs(t, m)
	if len(got) != DefaultTaskLimit || got[0] != "bj:task-0000" || got[len(got)-1] != "bj:task-0499" {
		t.Errorf("%d tasks with series, from %s to %s; want the 500 lowest ids", len(got), got[0], got[len(got)-1])
	}
	if d := dropped(t, m)["bj"]; d != 100 {
		t.Errorf("dropped = %v, want 100", d)
	}
	wantSamples(t, "limit", samples(t, m, "dcs_dashboard_task_metrics_limit"), []string{"dcs_dashboard_task_metrics_limit 500"})
}

func TestWatchRound(t *testing.T) {
	m := New("v", "r", "go")
	t0 := time.Unix(1_700_000_000, 500_000_000)
	value := func(name, target string) (float64, bool) {
		t.Helper()
		for _, s := range series(t, m, name) {
			if labelsEqual(s.GetLabel(), map[string]string{"target": target}) {
				return s.GetGauge().GetValue(), true
			}
		}
		return 0, false
	}
	const last, success = "dcs_dashboard_watch_last_round_timestamp_seconds", "dcs_dashboard_watch_last_success_timestamp_seconds"

	m.WatchRound("bj", t0, false)
	if v, ok := value(last, "bj"); !ok || v != 1_700_000_000.5 {
		t.Errorf("last round = %v (%v), want 1700000000.5", v, ok)
	}
	if _, ok := value(success, "bj"); ok {
		t.Error("a success timestamp before any successful round")
	}
	m.WatchRound("bj", t0.Add(time.Minute), true)
	m.WatchRound("sh", t0.Add(2*time.Minute), true)
	m.WatchRound("bj", t0.Add(2*time.Minute), false)
	if v, _ := value(last, "bj"); v != 1_700_000_120.5 {
		t.Errorf("last round = %v, want 1700000120.5", v)
	}
	if v, _ := value(success, "bj"); v != 1_700_000_060.5 {
		t.Errorf("last success = %v, want the ok round's 1700000060.5", v)
	}
	if v, _ := value(success, "sh"); v != 1_700_000_120.5 {
		t.Errorf("sh last success = %v, want 1700000120.5", v)
	}
	// A round reported late does not turn the clock back.
	m.WatchRound("bj", t0, true)
	if v, _ := value(last, "bj"); v != 1_700_000_120.5 {
		t.Errorf("last round went back to %v", v)
	}

	if got := samples(t, m, "dcs_dashboard_watch_interval_seconds"); len(got) != 0 {
		t.Errorf("interval before SetWatchInterval: %v", got)
	}
	m.SetWatchInterval(30 * time.Second)
	wantSamples(t, "interval", samples(t, m, "dcs_dashboard_watch_interval_seconds"), []string{"dcs_dashboard_watch_interval_seconds 30"})
	m.SetWatchInterval(0)
	wantSamples(t, "interval withdrawn", samples(t, m, "dcs_dashboard_watch_interval_seconds"), nil)

	body := scrape(t, m)
	if !strings.Contains(body, `dcs_dashboard_watch_last_round_timestamp_seconds{target="sh"} 1.7000001205e+09`) {
		t.Errorf("exposition lacks sh's last round:\n%s", body)
	}
}

func TestTaskStatePerInstance(t *testing.T) {
	a, b := New("v", "r", "go"), New("v", "r", "go")
	a.ObserveTasks("bj", tasksOf("t-1"))
	b.SetTaskLimit(0)
	if got := exportedIDs(t, a); !slices.Equal(got, []string{"bj:t-1"}) {
		t.Errorf("a's tasks %v after b.SetTaskLimit(0)", got)
	}
	if got := exportedIDs(t, b); len(got) != 0 {
		t.Errorf("b has a's tasks: %v", got)
	}
}

// TestObserveTasksConcurrent runs the watcher's calls for many targets at
// once, with scrapes and limit changes among them; run it with -race.
func TestObserveTasksConcurrent(t *testing.T) {
	m := New("v", "r", "go")
	const targets, rounds, perTarget = 8, 40, 30
	var wg sync.WaitGroup
	for i := range targets {
		target := fmt.Sprintf("target-%d", i)
		wg.Go(func() {
			for r := range rounds {
				ids := make([]string, 0, perTarget)
				for k := range perTarget {
					ids = append(ids, fmt.Sprintf("%s-task-%d", target, k+r%3)) // tasks come and go
				}
				m.ObserveTasks(target, tasksOf(ids...))
				m.WatchRound(target, time.Now(), r%2 == 0)
			}
		})
	}
	wg.Go(func() {
		for r := range rounds {
			m.SetTaskLimit(50 + r*5)
			m.SetWatchInterval(time.Duration(r+1) * time.Second)
		}
	})
	for range 4 {
		wg.Go(func() {
			for range rounds / 4 {
				body := scrape(t, m)
				if n := strings.Count(body, "\ndcs_dashboard_task_status{"); n > 250 {
					t.Errorf("a scrape showed %d tasks, over any limit set", n)
				}
			}
		})
	}
	wg.Wait()

	m.SetTaskLimit(100)
	if got := len(exportedIDs(t, m)); got != 100 {
		t.Errorf("%d tasks with series under a limit of 100, with %d in progress", got, targets*perTarget)
	}
	total := 0.0
	for _, d := range dropped(t, m) {
		total += d
	}
	if total != targets*perTarget-100 {
		t.Errorf("dropped sums to %v, want %d", total, targets*perTarget-100)
	}
	if got := len(series(t, m, "dcs_dashboard_watch_last_round_timestamp_seconds")); got != targets {
		t.Errorf("%d last-round series, want %d", got, targets)
	}
}

func TestTaskMetricsLint(t *testing.T) {
	m := New("v", "r", "go")
	m.ObserveTasks("bj", tasksOf("t-1"))
	m.WatchRound("bj", time.Now(), true)
	m.SetWatchInterval(time.Minute)
	problems, err := testutil.GatherAndLint(m.Registry, taskFamilies...)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	more, err := testutil.GatherAndLint(m.Registry, "dcs_dashboard_watch_last_round_timestamp_seconds",
		"dcs_dashboard_watch_last_success_timestamp_seconds", "dcs_dashboard_watch_interval_seconds")
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range append(problems, more...) {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
