// Package watch reads every target's migration tasks in the background,
// notices what people want to be told about, and tells them.
//
// Every Config.Interval the Watcher reads each target's tasks (all targets
// at once, each with its own deadline) through the same calls the list
// page makes: List in pages of 1000 from offset 0 with no name filter (up
// to 5000 tasks), and Stats of each task whose progress the API reports.
// The targets' task services are the task cache's, and the watcher takes
// answers up to its interval old (dcs.MaxAge): whatever the pages read
// since its last round serves it, so what people look at costs it no call
// of its own. The progress of tasks no page shows is its own to read, one
// call a round each (economy_test.go measures both).
//
// It compares what it read with what it remembers of each task (in the
// database, so a restart neither tells a change twice nor misses one) and
// finds these events:
//
//   - finished: a task it saw not finished is now SUCCESS, TERMINATED or
//     RELEASED; failed: FAILED or MIGRATION_FAILED. A task first seen
//     finished is not told, nor a change from one finished status to
//     another (it is no longer watched once finished).
//   - stuck: an online migration's full sync (FULLMIGRATING, MIGRATING)
//     whose progress figure has not moved for Config.StuckAfter. Told once
//     until it moves again.
//   - lagging: an incremental migration whose replication lag (the
//     API's offset figure) has been above Config.LagThreshold for
//     Config.LagFor. Told once until it drops to the threshold or below.
//   - stop_unfinished: a stop accepted by the API and recorded in the
//     audit trail, whose task is still not finished Config.StopUnfinishedAfter
//     later; it names who asked and why. Each stop is told once.
//
// The first sight of a task records its state and tells nothing: the
// timers of stuck and lagging start then. A figure that could not be read
// changes nothing. A stop is the exception: its time is the audit trail's,
// so one accepted long enough ago is told even at the task's first sight.
//
// A round's new state, its events and their deliveries (one per channel
// that wants the event) are committed together, so an event is recorded
// with its deliveries or not at all. The sender, another goroutine,
// claims due deliveries and sends them with notify.Send, retrying with
// exponential backoff the failures that retrying can help; a receiver
// that is down delays only its own deliveries, never a round or a page.
//
// With replicas sharing PostgreSQL, one replica leads (store.Leadership):
// only it reads, records and sends. The others try to take the lead every
// interval, so one takes over within an interval of the leader's end.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// Defaults of Config's zero values.
const (
	DefaultInterval   = 30 * time.Second
	DefaultStuckAfter = 15 * time.Minute
	// DefaultLagThreshold is in the API's units of the offset figure (the
	// list's "Replication lag (offset)"): how far the target is behind.
	DefaultLagThreshold     = 10000
	DefaultLagFor           = time.Minute
	DefaultStopUnfinished   = 10 * time.Minute
	DefaultStopLookback     = 24 * time.Hour
	DefaultTargetTimeout    = 20 * time.Second
	DefaultSendTimeout      = 10 * time.Second
	DefaultRetryFirst       = 10 * time.Second
	DefaultRetryMax         = 30 * time.Minute
	DefaultMaxAttempts      = 12
	DefaultSendEvery        = 2 * time.Second
	DefaultKeep             = 30 * 24 * time.Hour
	defaultStatsConcurrency = 4
)

// sendSlots is how many deliveries the sender sends at once.
const sendSlots = 8

// FiguresSink receives each round's figures of one target's tasks in
// progress (per-task gauges). It is called once per target per round
// whose list could be read, and with nil for every target when this
// replica stops leading (another one reports them then).
type FiguresSink interface {
	ObserveTasks(target string, tasks []metrics.TaskFigures)
	// WatchRound says a round of target ended at at, its tasks read (ok)
	// or not, so monitoring can tell a watcher that stopped.
	WatchRound(target string, at time.Time, ok bool)
}

// StopTrail is where accepted stops are read: *store.Audit.
type StopTrail interface {
	Attempts(q audit.Query) (audit.AttemptPage, error)
}

// Config is what a Watcher watches, whom it tells, and how.
type Config struct {
	Targets  *targets.Set
	Channels []notify.Channel // each validated; names unique
	Store    *store.Notifications
	// Lead is the replicas' leadership (store.DB.WatchLeadership); nil
	// means this process always leads.
	Lead *store.Leadership
	// Stops is the audit trail, for stop_unfinished; nil tells no stops.
	Stops StopTrail
	// PublicURL is the dashboard's address as people reach it, for task
	// links ("" for none).
	PublicURL string

	Interval   time.Duration // between rounds; 0 means DefaultInterval
	StuckAfter time.Duration // 0 means DefaultStuckAfter
	// LagThreshold is the offset figure (dcs.Stats.Offset, in the API's
	// units) above which an incremental migration's lag counts. It is
	// taken as given: 0 counts any lag; DefaultLagThreshold is the
	// product's default.
	LagThreshold float64
	LagFor       time.Duration // how long lag must last; 0 means DefaultLagFor
	// StopUnfinishedAfter is how long after an accepted stop a task still
	// not finished is told; 0 means DefaultStopUnfinished.
	StopUnfinishedAfter time.Duration
	// StopLookback is how far back the audit trail is read for accepted
	// stops; 0 means DefaultStopLookback.
	StopLookback time.Duration
	// TargetTimeout bounds reading one target in a round; 0 means
	// DefaultTargetTimeout (at most Interval).
	TargetTimeout time.Duration

	// Client sends the notifications; nil means one with SendTimeout.
	// Redirects are never followed whatever it says.
	Client      *http.Client
	SendTimeout time.Duration // bounds one attempt; 0 means DefaultSendTimeout
	// RetryFirst is the wait after a first failed attempt, doubling after
	// each one up to RetryMax; MaxAttempts attempts in all, then the
	// delivery has failed. Zeros mean the defaults.
	RetryFirst, RetryMax time.Duration
	MaxAttempts          int
	// SendEvery is how often the sender looks for due deliveries (it also
	// looks at once after a round found events); 0 means DefaultSendEvery.
	SendEvery time.Duration
	// Keep is how long settled deliveries and their events are kept; 0
	// means DefaultKeep.
	Keep time.Duration

	Now     func() time.Time // nil means time.Now
	Log     *slog.Logger     // nil discards
	Figures FiguresSink      // nil reports none
}

// Watcher watches tasks and tells people. Run it once.
type Watcher struct {
	cfg      Config
	channels map[string]notify.Channel
	client   *http.Client
	wake     chan struct{}

	// Run's own: whether this replica led at the last round, and when
	// settled notifications were last pruned.
	leading    bool
	lastPruned time.Time
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Watcher, error) {
	switch {
	case cfg.Targets == nil || cfg.Targets.Len() == 0:
		return nil, errors.New("watch: no targets")
	case cfg.Store == nil:
		return nil, errors.New("watch: no store")
	}
	w := &Watcher{cfg: cfg, channels: map[string]notify.Channel{}, wake: make(chan struct{}, 1)}
	var errs []error
	for _, c := range cfg.Channels {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
		if _, dup := w.channels[c.Name]; dup {
			errs = append(errs, fmt.Errorf("watch: channel %q is configured twice", c.Name))
		}
		w.channels[c.Name] = c
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c := &w.cfg
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Interval, DefaultInterval)
	def(&c.StuckAfter, DefaultStuckAfter)
	def(&c.LagFor, DefaultLagFor)
	def(&c.StopUnfinishedAfter, DefaultStopUnfinished)
	def(&c.StopLookback, DefaultStopLookback)
	def(&c.TargetTimeout, min(DefaultTargetTimeout, c.Interval))
	def(&c.SendTimeout, DefaultSendTimeout)
	def(&c.RetryFirst, DefaultRetryFirst)
	def(&c.RetryMax, DefaultRetryMax)
	def(&c.SendEvery, DefaultSendEvery)
	def(&c.Keep, DefaultKeep)
	c.StopLookback = max(c.StopLookback, c.StopUnfinishedAfter+time.Hour)
	c.LagThreshold = max(c.LagThreshold, 0)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	w.client = statusClient(c.Client, c.SendTimeout)
	return w, nil
}

func (w *Watcher) now() time.Time { return w.cfg.Now() }

// leads asks whether this replica leads now.
func (w *Watcher) leads(ctx context.Context) bool {
	if w.cfg.Lead == nil {
		return true
	}
	ok, err := w.cfg.Lead.Lead(ctx)
	if err != nil && ctx.Err() == nil {
		w.cfg.Log.Warn("watch: cannot tell whether this replica leads; not watching this round", "err", err.Error())
	}
	return ok
}

// held reports whether this replica led when last asked.
func (w *Watcher) held() bool { return w.cfg.Lead == nil || w.cfg.Lead.Held() }

// Run watches and sends until ctx ends: a round every Interval while this
// replica leads, and the sender beside it. When ctx ends it lets the
// sends under way finish (each within SendTimeout), gives the lead up, and
// returns.
func (w *Watcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { w.sendLoop(ctx) })
	tick := time.NewTicker(w.cfg.Interval)
	defer tick.Stop()
	for {
		w.tick(ctx)
		select {
		case <-ctx.Done():
			wg.Wait()
			if w.cfg.Lead != nil {
				w.cfg.Lead.Release()
			}
			if w.leading {
				w.clearFigures()
			}
			return
		case <-tick.C:
		}
	}
}

// tick takes (or keeps) the lead and, leading, runs a round.
func (w *Watcher) tick(ctx context.Context) {
	leading := w.leads(ctx)
	if ctx.Err() != nil {
		return
	}
	if leading != w.leading {
		w.leading = leading
		if leading {
			w.cfg.Log.Info("watch: this replica watches the tasks and sends the notifications")
		} else {
			w.cfg.Log.Info("watch: another replica watches the tasks and sends the notifications")
			w.clearFigures()
		}
	}
	if !leading {
		return
	}
	if w.round(ctx) > 0 {
		w.kick()
	}
	if now := w.now(); now.Sub(w.lastPruned) >= time.Hour {
		w.lastPruned = now
		if n, err := w.cfg.Store.Prune(ctx, now.Add(-w.cfg.Keep)); err != nil {
			w.cfg.Log.Warn("watch: old notifications not pruned", "err", err.Error())
		} else if n > 0 {
			w.cfg.Log.Info("watch: old notifications pruned", "events", n)
		}
	}
}

// kick wakes the sender.
func (w *Watcher) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Watcher) clearFigures() {
	if w.cfg.Figures == nil {
		return
	}
	for _, name := range w.cfg.Targets.Names() {
		w.cfg.Figures.ObserveTasks(name, nil)
	}
}

// SendTest records a test message to the channel named channel, which the
// leading replica's sender delivers like any other (within SendEvery when
// this replica leads). It returns the event, its id filled in.
func (w *Watcher) SendTest(ctx context.Context, channel string) (notify.Event, error) {
	if _, ok := w.channels[channel]; !ok {
		return notify.Event{}, fmt.Errorf("watch: no channel is named %q", channel)
	}
	ev, err := w.cfg.Store.RecordTest(ctx, channel, notify.Event{Kind: notify.EventTest, At: w.now()})
	if err != nil {
		return ev, err
	}
	w.kick()
	return ev, nil
}

// Channels are the configured channels, in configured order.
func (w *Watcher) Channels() []notify.Channel {
	return append([]notify.Channel(nil), w.cfg.Channels...)
}

// round reads every target at once and records what it found; it returns
// how many events were recorded.
func (w *Watcher) round(ctx context.Context) int {
	now := w.now()
	stops := w.acceptedStops(now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	told := 0
	for _, t := range w.cfg.Targets.All() {
		wg.Go(func() {
			n := w.watchTarget(ctx, t, now, stops[t.Name])
			mu.Lock()
			told += n
			mu.Unlock()
		})
	}
	wg.Wait()
	return told
}

// stop is the newest accepted stop of a task.
type stop struct {
	attemptID, user, reason string
	at                      time.Time // when the API accepted it
}

// acceptedStops are the newest accepted stop of each task, by target and
// task id, within StopLookback.
func (w *Watcher) acceptedStops(now time.Time) map[string]map[string]stop {
	out := map[string]map[string]stop{}
	if w.cfg.Stops == nil {
		return out
	}
	only := ""
	if t, ok := w.cfg.Targets.Only(); ok {
		only = t.Name
	}
	q := audit.Query{Outcome: audit.OutcomeAccepted, Since: now.Add(-w.cfg.StopLookback), Limit: audit.MaxLimit}
	for range 10 { // at most 10000 stops a day are looked at
		page, err := w.cfg.Stops.Attempts(q)
		if err != nil {
			w.cfg.Log.Warn("watch: the audit trail cannot be read; no stop is told unfinished this round", "err", err.Error())
			return out
		}
		for _, a := range page.Attempts {
			target := a.Intent.Target
			if target == "" {
				target = only // a record from before tasks carried their target
			}
			if out[target] == nil {
				out[target] = map[string]stop{}
			}
			if _, newer := out[target][a.Intent.TaskID]; newer {
				continue
			}
			at := a.Intent.Time
			if a.Outcome != nil {
				at = a.Outcome.Time
			}
			out[target][a.Intent.TaskID] = stop{attemptID: a.Intent.AttemptID, user: a.Intent.User, reason: a.Intent.Reason, at: at}
		}
		if page.Next == "" {
			break
		}
		q.Before = page.Next
	}
	return out
}

// watchTarget reads t, records what changed and reports its figures; it
// returns how many events were recorded.
func (w *Watcher) watchTarget(ctx context.Context, t *targets.Target, now time.Time, stops map[string]stop) int {
	rctx, cancel := context.WithTimeout(ctx, w.cfg.TargetTimeout)
	defer cancel()
	// What a page read since the last round is as good as a new read: the
	// cache serves it (dcs.MaxAge), so watching while people look costs the
	// API nothing, whatever the phase of their refreshes and the rounds.
	rctx = dcs.MaxAge(rctx, w.cfg.Interval)
	tasks, complete, err := readTasks(rctx, t.Tasks)
	if err != nil {
		if ctx.Err() == nil {
			w.cfg.Log.Warn("watch: tasks not read", "target", t.Name, "err", err.Error())
		}
		if w.cfg.Figures != nil {
			w.cfg.Figures.WatchRound(t.Name, now, false)
		}
		return 0
	}
	stats := readStats(rctx, t.Tasks, tasks)
	state, err := w.cfg.Store.Watched(ctx, t.Name)
	if err != nil {
		w.cfg.Log.Warn("watch: state not read", "target", t.Name, "err", err.Error())
		return 0
	}
	r := w.detect(t, tasks, complete, stats, state, stops, now)
	if w.cfg.Figures != nil {
		w.cfg.Figures.ObserveTasks(t.Name, figures(t.Name, tasks, stats, ended(r.Events)))
		w.cfg.Figures.WatchRound(t.Name, now, true)
	}
	if len(r.Put) == 0 && len(r.Drop) == 0 && len(r.Events) == 0 {
		return 0
	}
	told, err := w.cfg.Store.CommitRound(ctx, r, w.cfg.Channels)
	if err != nil {
		if errors.Is(err, store.ErrStale) {
			w.cfg.Log.Info("watch: another replica recorded this target's tasks first; reading again next round", "target", t.Name)
		} else if ctx.Err() == nil {
			w.cfg.Log.Warn("watch: round not recorded", "target", t.Name, "err", err.Error())
		}
		return 0
	}
	for _, ev := range r.Events {
		w.cfg.Log.Info("watch: event", "kind", ev.Kind, "target", ev.Target, "task_id", ev.TaskID, "status", ev.NewStatus)
	}
	for _, ev := range told {
		w.cfg.Log.Debug("watch: event to send", "event_id", ev.ID, "kind", ev.Kind)
	}
	return len(told)
}

// readTasks reads a target's tasks as the list page does, in the pages
// they share (taskcache.ReadByName), up to taskcache.ReadCap; complete is
// false when there were more. The tasks are copied: the pages are shared.
func readTasks(ctx context.Context, ts dcs.TaskService) (tasks []dcs.Task, complete bool, err error) {
	read, _, complete, err := taskcache.ReadByName(ctx, ts, "", taskcache.ReadCap)
	if err != nil {
		return nil, false, err
	}
	tasks = make([]dcs.Task, len(read))
	for i, t := range read {
		tasks[i] = *t
	}
	return tasks, complete, nil
}

// readStats reads the progress of each task that reports it, a few at a
// time; a task whose figures could not be read is left out.
func readStats(ctx context.Context, ts dcs.TaskService, tasks []dcs.Task) map[string]dcs.Stats {
	out := map[string]dcs.Stats{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, defaultStatsConcurrency)
	for _, t := range tasks {
		if !t.ReportsProgress() {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return out
		}
		wg.Go(func() {
			defer func() { <-sem }()
			st, err := ts.Stats(ctx, t.ID)
			if err != nil {
				return
			}
			mu.Lock()
			out[t.ID] = st
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// figures are the tasks in progress of target, with their figures (NaN
// for one not read).
// ended are the tasks this round saw finish or fail: their figures are
// reported once more, with the final status, so monitoring sees a failure
// the watcher saw (a status series that lasts one round).
func ended(events []notify.Event) map[string]bool {
	out := map[string]bool{}
	for _, ev := range events {
		if ev.Kind == notify.EventFailed || ev.Kind == notify.EventFinished {
			out[ev.TaskID] = true
		}
	}
	return out
}

func figures(target string, tasks []dcs.Task, stats map[string]dcs.Stats, ended map[string]bool) []metrics.TaskFigures {
	nan := math.NaN()
	num := func(n dcs.Number) float64 {
		if !n.Valid {
			return nan
		}
		return n.Value
	}
	out := []metrics.TaskFigures{}
	for _, t := range tasks {
		if !t.Status.InProgress() && !ended[t.ID] {
			continue
		}
		f := metrics.TaskFigures{Target: target, TaskID: t.ID, TaskName: t.Name, Status: string(t.Status),
			FullProgress: nan, Lag: nan, SourceKeys: nan, TargetKeys: nan, Ops: nan}
		if st, ok := stats[t.ID]; ok {
			f.FullProgress, f.Lag, f.SourceKeys, f.TargetKeys, f.Ops =
				num(st.FullProgress), num(st.Offset), num(st.SourceKeys), num(st.TargetKeys), num(st.Ops)
		}
		out = append(out, f)
	}
	return out
}
