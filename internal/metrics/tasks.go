package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// TaskFigures is what the watcher last read of one task in progress, for
// the per-task gauges. A figure the API did not give is NaN.
type TaskFigures struct {
	Target, TaskID, TaskName string
	Status                   string // the raw API status
	FullProgress             float64
	Lag                      float64
	SourceKeys, TargetKeys   float64
	Ops                      float64
}

// DefaultTaskLimit is how many tasks, across all targets, have per-task
// series until SetTaskLimit says otherwise. At the seven series a task can
// have, it keeps the per-task part of a scrape under 3,500 series.
const DefaultTaskLimit = 500

// StatusNone is the status label of a task the API sent no status for
// (Prometheus reads an empty label as an absent one).
const StatusNone = "none"

// maxLabelBytes caps the task_id and task_name label values (and target's):
// they come from the API, which must not choose how big a scrape is.
const maxLabelBytes = 128

// statusShape is what a DCS status looks like (FULLMIGRATING,
// MIGRATION_FAILED). A status of that shape the dashboard does not know yet
// is still shown raw on its task's series; anything else becomes "other".
var statusShape = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,39}$`)

// The per-task series and the watcher's, described once. Every name is in
// namespace like the rest of the package's.
var (
	taskLabels = []string{"target", "task_id"}

	descTaskInfo = newDesc("task_info",
		"A migration task the watcher reads, with its name; the value is always 1. "+
			"Join on target and task_id to name the other task series.",
		"target", "task_id", "task_name")
	descTaskStatus = newDesc("task_status",
		"Current status of a migration task, as the DCS API sent it; the value is always 1.",
		"target", "task_id", "status")
	descTaskFullSync = newDesc("task_full_sync_percent",
		"Percent of a migration task's full sync done, 0 to 100.", taskLabels...)
	descTaskLag = newDesc("task_replication_lag",
		"Replication offset a migration task has still to apply; 0 means caught up.", taskLabels...)
	descTaskSourceKeys = newDesc("task_source_keys",
		"Keys in a migration task's source instance.", taskLabels...)
	descTaskTargetKeys = newDesc("task_target_keys",
		"Keys in a migration task's target instance.", taskLabels...)
	descTaskOps = newDesc("task_ops_per_second",
		"Operations per second a migration task applies to its target instance.", taskLabels...)

	descTasksInProgress = newDesc("tasks_in_progress",
		"Migration tasks the watcher last read, by target and status, "+
			"counting those the task limit leaves without series.",
		"target", "status")
	descTasksDropped = newDesc("task_metrics_dropped",
		"Tasks the watcher last read that have no per-task series, by target: "+
			"left out by the task limit, or sent without an id.",
		"target")
	descTaskLimit = newDesc("task_metrics_limit",
		"Most tasks, across all targets, that have per-task series.")

	descWatchLastRound = newDesc("watch_last_round_timestamp_seconds",
		"Unix time the watcher last finished a round for the target, whatever its outcome.", "target")
	descWatchLastSuccess = newDesc("watch_last_success_timestamp_seconds",
		"Unix time the watcher last finished a round for the target that read its tasks.", "target")
	descWatchInterval = newDesc("watch_interval_seconds",
		"Time the watcher waits between two rounds.")
)

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
}

// ObserveTasks replaces target's per-task series with tasks, what the
// watcher read of that target's tasks in progress this round:
//
//   - dcs_dashboard_task_info{target,task_id,task_name} 1 and
//     dcs_dashboard_task_status{target,task_id,status} 1, one series each
//     per task (a task's name and status are labels of these only, so a
//     rename or a new status replaces one series, not seven);
//   - dcs_dashboard_task_full_sync_percent, _replication_lag,
//     _source_keys, _target_keys and _ops_per_second{target,task_id}, each
//     only when its figure is not NaN;
//   - dcs_dashboard_tasks_in_progress{target,status}, counts over all of
//     tasks whatever the task limit, and dcs_dashboard_task_metrics_dropped.
//
// A task of target's that is not in tasks has finished: all its series go.
// ObserveTasks(target, nil) therefore clears the target (its counts stay,
// at 0). The target argument labels the series; TaskFigures.Target is not
// read. A task without a TaskID cannot have series and is counted as
// dropped; a TaskID given twice counts once, with its first figures.
//
// The status label is the raw API status when it has a status's shape
// (upper-case letters, digits and underscores), StatusNone when empty, and
// "other" otherwise. tasks_in_progress is stricter, to stay bounded whatever
// the API sends: a status the dcs package does not know counts as "other".
//
// The task limit (SetTaskLimit) bounds the tasks with series across all
// targets. A task that has series keeps them for as long as it is in
// progress: it is never dropped for another one. Free places go to the
// waiting tasks seen first (the earliest ObserveTasks call, for any
// target, that listed them and that they have stayed in since), ties broken
// by target then lowest task id. So which tasks have series depends only on
// the sequence of calls, not on the order of tasks within one.
//
// Safe for concurrent use, for the same target or different ones.
func (m *Metrics) ObserveTasks(target string, tasks []TaskFigures) {
	target = labelValue(target)
	s := m.taskState()
	s.mu.Lock()
	defer s.mu.Unlock()

	s.call++
	prev := s.targets[target]
	cur := &targetTasks{tasks: make(map[string]*trackedTask, len(tasks)), statuses: map[string]int{}}
	for _, f := range tasks {
		status := statusLabel(f.Status)
		id := labelValue(f.TaskID)
		if id == "" {
			cur.noID++
			cur.statuses[statusGroup(status)]++
			continue
		}
		if _, dup := cur.tasks[id]; dup {
			continue
		}
		cur.statuses[statusGroup(status)]++
		f.Target, f.TaskID, f.TaskName = target, id, labelValue(f.TaskName)
		t := &trackedTask{fig: f, status: status, firstSeen: s.call}
		if prev != nil {
			if p, ok := prev.tasks[id]; ok {
				t.firstSeen, t.exported = p.firstSeen, p.exported
			}
		}
		cur.tasks[id] = t
	}
	s.targets[target] = cur
	s.rebalance()
}

// SetTaskLimit sets how many tasks, across all targets, may have per-task
// series (DefaultTaskLimit until called); n <= 0 leaves every task without
// them, while the counts per status go on. It takes effect at once: past a
// lower limit, the tasks seen last lose their series first; under a higher
// one, waiting tasks get theirs with the figures of their target's last
// round. Safe for concurrent use.
func (m *Metrics) SetTaskLimit(n int) {
	s := m.taskState()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = max(n, 0)
	s.rebalance()
}

// WatchRound records that the watcher finished a round for target at at:
// dcs_dashboard_watch_last_round_timestamp_seconds{target} always, and
// dcs_dashboard_watch_last_success_timestamp_seconds{target} when ok (the
// round read the target's tasks). A time earlier than the one recorded is
// ignored, so rounds reported out of order cannot turn the clock back.
// Safe for concurrent use.
func (m *Metrics) WatchRound(target string, at time.Time, ok bool) {
	target = labelValue(target)
	s := m.taskState()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.watch[target]
	if w == nil {
		w = &watchTimes{}
		s.watch[target] = w
	}
	if at.After(w.last) {
		w.last = at
	}
	if ok && at.After(w.lastOK) {
		w.lastOK = at
	}
}

// SetWatchInterval publishes the watcher's interval (-watch-interval) as
// dcs_dashboard_watch_interval_seconds, which the watcher-silent alert
// measures the last round's age against; d <= 0 withdraws it. The watcher
// calls it once, when it starts. Safe for concurrent use.
func (m *Metrics) SetWatchInterval(d time.Duration) {
	s := m.taskState()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval = max(d.Seconds(), 0)
}

// taskMetrics is the collector behind ObserveTasks and WatchRound. It keeps
// what the watcher handed over and builds the series at each scrape, so a
// scrape sees one call's result whole, never half of it.
type taskMetrics struct {
	mu       sync.RWMutex
	limit    int
	call     uint64 // numbers the ObserveTasks calls, for first-seen order
	targets  map[string]*targetTasks
	watch    map[string]*watchTimes
	interval float64 // seconds; 0 when not set
}

// targetTasks is one target's last ObserveTasks call.
type targetTasks struct {
	tasks    map[string]*trackedTask // by task id
	noID     int                     // tasks without an id
	statuses map[string]int          // tasks by statusGroup
}

type trackedTask struct {
	fig       TaskFigures // with label-safe Target, TaskID and TaskName
	status    string      // the status label
	firstSeen uint64      // the call that first listed the task
	exported  bool        // has series
}

type watchTimes struct{ last, lastOK time.Time }

func newTaskMetrics() *taskMetrics {
	return &taskMetrics{
		limit:   DefaultTaskLimit,
		targets: map[string]*targetTasks{},
		watch:   map[string]*watchTimes{},
	}
}

// taskState returns m's task collector, registering it in m.Registry on
// first use. The registry is where it is found again: registering an equal
// collector fails with the one already there.
func (m *Metrics) taskState() *taskMetrics {
	s := newTaskMetrics()
	err := m.Registry.Register(s)
	if err == nil {
		return s
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*taskMetrics); ok {
			return existing
		}
	}
	panic(fmt.Sprintf("metrics: registering the task metrics: %v", err))
}

// rebalance restores the limit: past it, the tasks last in line lose their
// series; under it, the first waiting tasks get theirs. s.mu must be held.
func (s *taskMetrics) rebalance() {
	var exported, waiting []*trackedTask
	for _, tt := range s.targets {
		for _, t := range tt.tasks {
			if t.exported {
				exported = append(exported, t)
			} else {
				waiting = append(waiting, t)
			}
		}
	}
	if over := len(exported) - s.limit; over > 0 {
		slices.SortFunc(exported, inLine)
		for _, t := range exported[len(exported)-over:] {
			t.exported = false
		}
		return
	}
	free := min(s.limit-len(exported), len(waiting))
	if free <= 0 {
		return
	}
	slices.SortFunc(waiting, inLine)
	for _, t := range waiting[:free] {
		t.exported = true
	}
}

// inLine orders tasks for a place under the limit: first seen first, then
// by target and task id.
func inLine(a, b *trackedTask) int {
	return cmp.Or(
		cmp.Compare(a.firstSeen, b.firstSeen),
		strings.Compare(a.fig.Target, b.fig.Target),
		strings.Compare(a.fig.TaskID, b.fig.TaskID),
	)
}

// Describe sends every descriptor, so the registry checks the names once.
func (s *taskMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descTaskInfo, descTaskStatus, descTaskFullSync, descTaskLag, descTaskSourceKeys, descTaskTargetKeys,
		descTaskOps, descTasksInProgress, descTasksDropped, descTaskLimit,
		descWatchLastRound, descWatchLastSuccess, descWatchInterval,
	} {
		ch <- d
	}
}

// Collect builds the series under the read lock and sends them after it, so
// a slow scrape does not hold up the watcher.
func (s *taskMetrics) Collect(ch chan<- prometheus.Metric) {
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	figure := func(d *prometheus.Desc, v float64, f *TaskFigures) {
		if !math.IsNaN(v) {
			gauge(d, v, f.Target, f.TaskID)
		}
	}

	s.mu.RLock()
	gauge(descTaskLimit, float64(s.limit))
	if s.interval > 0 {
		gauge(descWatchInterval, s.interval)
	}
	for target, w := range s.watch {
		if !w.last.IsZero() {
			gauge(descWatchLastRound, unixSeconds(w.last), target)
		}
		if !w.lastOK.IsZero() {
			gauge(descWatchLastSuccess, unixSeconds(w.lastOK), target)
		}
	}
	for target, tt := range s.targets {
		// The statuses of tasks in progress are always there, 0 or not, so
		// a graph shows 0 rather than a gap; others only while they count.
		for _, st := range inProgressStatuses {
			if tt.statuses[st] == 0 {
				gauge(descTasksInProgress, 0, target, st)
			}
		}
		for st, n := range tt.statuses {
			gauge(descTasksInProgress, float64(n), target, st)
		}
		dropped := tt.noID
		for _, t := range tt.tasks {
			if !t.exported {
				dropped++
				continue
			}
			f := &t.fig
			gauge(descTaskInfo, 1, f.Target, f.TaskID, f.TaskName)
			gauge(descTaskStatus, 1, f.Target, f.TaskID, t.status)
			figure(descTaskFullSync, f.FullProgress, f)
			figure(descTaskLag, f.Lag, f)
			figure(descTaskSourceKeys, f.SourceKeys, f)
			figure(descTaskTargetKeys, f.TargetKeys, f)
			figure(descTaskOps, f.Ops, f)
		}
		gauge(descTasksDropped, float64(dropped), target)
	}
	s.mu.RUnlock()

	for _, m := range out {
		ch <- m
	}
}

// inProgressStatuses are the statuses the dcs package counts as in progress.
var inProgressStatuses = func() []string {
	var out []string
	for _, st := range dcs.KnownStatuses() {
		if st.InProgress() {
			out = append(out, string(st))
		}
	}
	return out
}()

// statusLabel is a task_status series' status label for a raw API status.
func statusLabel(raw string) string {
	switch {
	case raw == "":
		return StatusNone
	case statusShape.MatchString(raw):
		return raw
	}
	return other
}

// statusGroup is tasks_in_progress' status label for a status label: only
// the statuses the dcs package knows are kept, so the count stays bounded.
func statusGroup(label string) string {
	if label == StatusNone || dcs.Status(label).Known() {
		return label
	}
	return other
}

// labelValue makes s fit to be a label value: valid UTF-8 (the client
// library refuses anything else) and at most maxLabelBytes long.
func labelValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLabelBytes {
		return s
	}
	cut := maxLabelBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}
