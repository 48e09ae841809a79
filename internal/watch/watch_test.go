package watch

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
)

// step is one round of w and the sends it leads to.
func step(ctx context.Context, ws ...*Watcher) {
	for _, w := range ws {
		w.round(ctx)
		w.sendDue(ctx)
	}
}

// TestEvents: each kind of event is noticed once, when it happens (the
// first sight of the tasks tells nothing), and delivered once to each
// channel that wants it, signed, with what it is about; a restart on the
// same database tells nothing again, and tells what changed while no
// watcher ran.
func TestEvents(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{lagging: true})
	lag := w.lag()
	all := newReceiver(t, "whsec-all", w.clock.Now)
	prod := newReceiver(t, "whsec-prod", w.clock.Now)
	prodChannel := prod.channel("prod-alerts")
	prodChannel.Targets = []string{prodTarget}
	prodChannel.Events = []string{notify.EventFailed, notify.EventStopUnfinished, notify.EventStuck}
	cfg := Config{Channels: []notify.Channel{all.channel("everything"), prodChannel}, LagThreshold: 500}
	r := w.replica()
	wt := w.watcher(r, cfg)

	// First sight: nothing is told.
	step(ctx, wt)
	if got := all.got(); len(got) != 0 {
		t.Fatalf("first sight told %+v", got)
	}
	watched, err := r.notes.Watched(ctx, prodTarget)
	if err != nil {
		t.Fatal(err)
	}
	if len(watched) != 5 {
		t.Errorf("watching %d prod tasks, want the 5 not finished: %+v", len(watched), watched)
	}

	// A stop confirmed in the dashboard; a task fails, another succeeds.
	start := w.clock.Now()
	stopInDashboard(t, r, prodTarget, w.id(nameStop), "olga", "maintenance window closed")
	failing, _ := w.sim.Task(w.id(nameFail))
	failing.Status, failing.ErrorMessage = "FAILED", "Source Redis connection failed: NOAUTH Authentication required."
	w.sim.Put(failing)
	if err := w.sim.SetStatus(w.id(nameDone), "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(30 * time.Second)
	step(ctx, wt)
	w.clock.Advance(30 * time.Second) // the lag has lasted a minute
	step(ctx, wt)
	w.clock.Advance(9 * time.Minute) // the stop was accepted 10 minutes ago
	step(ctx, wt)
	w.clock.Advance(5 * time.Minute) // the full sync has not moved for 15 minutes
	step(ctx, wt)
	if err := w.sim.SetStatus(idDR, "TERMINATED"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(30 * time.Second)
	step(ctx, wt)
	w.clock.Advance(30 * time.Second)
	step(ctx, wt) // nothing new

	got := once(t, "everything", all.got())
	if len(got) != 6 {
		t.Errorf("everything got %d events, want 6: %+v", len(got), got)
	}
	link := func(target, id string) string { return publicURL + routes.TaskURL(target, id) }
	for key, check := range map[string]func(p notify.WebhookPayload) bool{
		"failed " + w.id(nameFail): func(p notify.WebhookPayload) bool {
			return p.OldStatus == "MIGRATING" && p.NewStatus == "FAILED" && p.TaskName == nameFail &&
				p.ErrorMessage == failing.ErrorMessage && p.Target == prodTarget && p.TargetLabel == "Beijing production" &&
				p.Link == link(prodTarget, w.id(nameFail)) && strings.Contains(p.Text, "NOAUTH")
		},
		"finished " + w.id(nameDone): func(p notify.WebhookPayload) bool {
			return p.OldStatus == "RUNNING" && p.NewStatus == "SUCCESS" && p.At == start.Add(30*time.Second).Format(time.RFC3339)
		},
		"lagging " + w.id(nameIncr): func(p notify.WebhookPayload) bool {
			return p.Detail == lag.Raw && p.NewStatus == "INCRMIGRATING" && p.At == start.Add(time.Minute).Format(time.RFC3339)
		},
		"stop_unfinished " + w.id(nameStop): func(p notify.WebhookPayload) bool {
			return p.StoppedBy == "olga" && p.StopReason == "maintenance window closed" && p.Detail == "10m" &&
				p.NewStatus == "TERMINATING" && p.Link == link(prodTarget, w.id(nameStop))
		},
		"stuck " + w.id(nameFull): func(p notify.WebhookPayload) bool {
			return p.Detail == "15m" && p.NewStatus == "FULLMIGRATING" && p.At == start.Add(15*time.Minute).Format(time.RFC3339)
		},
		"finished " + idDR: func(p notify.WebhookPayload) bool {
			return p.Target == drTarget && p.TargetLabel == drTarget && p.OldStatus == "RUNNING" && p.NewStatus == "TERMINATED" &&
				p.Link == link(drTarget, idDR)
		},
	} {
		p, ok := got[key]
		if !ok {
			t.Errorf("no %s", key)
			continue
		}
		if !check(p) {
			t.Errorf("%s: %+v", key, p)
		}
	}
	// The filtered channel got its kinds of its target only.
	pgot := once(t, "prod-alerts", prod.got())
	if len(pgot) != 3 {
		t.Errorf("prod-alerts got %d events, want 3: %+v", len(pgot), pgot)
	}
	for _, key := range []string{"failed " + w.id(nameFail), "stop_unfinished " + w.id(nameStop), "stuck " + w.id(nameFull)} {
		if pgot[key].ID != got[key].ID {
			t.Errorf("prod-alerts: %s is %q, everything's %q", key, pgot[key].ID, got[key].ID)
		}
	}
	ds, err := r.notes.RecentDeliveries(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != store.DeliverySent || d.Attempts != 1 || d.LastStatus != 204 {
			t.Errorf("delivery %+v", d)
		}
	}
	if len(ds) != 9 {
		t.Errorf("%d deliveries, want 9", len(ds))
	}

	// A restart, on the same database: nothing is told again...
	r2 := w.replica()
	wt2 := w.watcher(r2, cfg)
	w.clock.Advance(30 * time.Second)
	step(ctx, wt2)
	w.clock.Advance(30 * time.Minute)
	step(ctx, wt2)
	if n := len(all.got()); n != 6 {
		t.Errorf("after a restart everything has %d events, want still 6", n)
	}
	// ...and what changed while no watcher ran is told.
	if err := w.sim.SetStatus(w.id(nameFull), "MIGRATION_FAILED"); err != nil {
		t.Fatal(err)
	}
	r3 := w.replica()
	wt3 := w.watcher(r3, cfg)
	w.clock.Advance(30 * time.Second)
	step(ctx, wt3, wt3)
	got = once(t, "everything", all.got())
	if p := got["failed "+w.id(nameFull)]; p.OldStatus != "FULLMIGRATING" || p.NewStatus != "MIGRATION_FAILED" || len(got) != 7 {
		t.Errorf("the change while down: %+v (%d events)", p, len(got))
	}
	// The stop that ends is told as finished, once.
	w.simClock.Advance(dcssim.DefaultStopDelay + time.Second)
	w.clock.Advance(30 * time.Second)
	step(ctx, wt3, wt3)
	got = once(t, "everything", all.got())
	if p := got["finished "+w.id(nameStop)]; p.OldStatus != "TERMINATING" || p.NewStatus != "TERMINATED" {
		t.Errorf("the stop's end: %+v", p)
	}
	if n := len(prod.got()); n != 4 {
		t.Errorf("prod-alerts has %d events, want 4", n)
	}
}

// TestRetries: a receiver that answers 500 gets the event again after the
// backoff, and accepts it once; one that refuses (400) is not asked again;
// one that is down for good is given up after MaxAttempts; none of them
// holds up another.
func TestRetries(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{})
	flaky := newReceiver(t, "s1", w.clock.Now)
	flaky.setAnswer(func(n int) int {
		if n == 1 {
			return 500
		}
		return 0
	})
	refusing := newReceiver(t, "s2", w.clock.Now)
	refusing.setAnswer(func(int) int { return 400 })
	down := newReceiver(t, "s3", w.clock.Now)
	down.setAnswer(func(int) int { return 503 })
	fine := newReceiver(t, "s4", w.clock.Now)
	r := w.replica()
	wt := w.watcher(r, Config{Channels: []notify.Channel{flaky.channel("flaky"), refusing.channel("refusing"),
		down.channel("down"), fine.channel("fine")}, MaxAttempts: 3, LagThreshold: 1e12})
	step(ctx, wt)
	if err := w.sim.SetStatus(w.id(nameDone), "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(30 * time.Second)
	step(ctx, wt)
	if n := len(fine.got()); n != 1 {
		t.Fatalf("fine got %d", n)
	}
	if flaky.requestCount() != 1 || refusing.requestCount() != 1 || down.requestCount() != 1 {
		t.Fatalf("first attempts: %d %d %d", flaky.requestCount(), refusing.requestCount(), down.requestCount())
	}
	// Not again before the backoff has passed.
	w.clock.Advance(9 * time.Second)
	if n := wt.sendDue(ctx); n != 0 {
		t.Errorf("%d attempts before the backoff passed", n)
	}
	w.clock.Advance(time.Second)
	if n := wt.sendDue(ctx); n != 2 {
		t.Errorf("%d attempts after 10s, want 2 (flaky, down)", n)
	}
	if len(flaky.got()) != 1 || flaky.requestCount() != 2 {
		t.Errorf("flaky: %d accepted of %d", len(flaky.got()), flaky.requestCount())
	}
	// The next wait is twice as long; then down is given up.
	w.clock.Advance(19 * time.Second)
	if n := wt.sendDue(ctx); n != 0 {
		t.Errorf("%d attempts before the second backoff passed", n)
	}
	w.clock.Advance(time.Second)
	if n := wt.sendDue(ctx); n != 1 {
		t.Errorf("%d attempts after 20s more, want 1 (down)", n)
	}
	w.clock.Advance(time.Hour)
	if n := wt.sendDue(ctx); n != 0 || down.requestCount() != 3 || refusing.requestCount() != 1 {
		t.Errorf("after giving up: %d attempts; down asked %d times, refusing %d", n, down.requestCount(), refusing.requestCount())
	}
	ds, err := r.notes.RecentDeliveries(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		state    string
		attempts int
		status   int
	}{"flaky": {store.DeliverySent, 2, 204}, "refusing": {store.DeliveryFailed, 1, 400},
		"down": {store.DeliveryFailed, 3, 503}, "fine": {store.DeliverySent, 1, 204}}
	for _, d := range ds {
		wd := want[d.Channel]
		if d.State != wd.state || d.Attempts != wd.attempts || d.LastStatus != wd.status {
			t.Errorf("%s: %s after %d attempts (HTTP %d), want %+v", d.Channel, d.State, d.Attempts, d.LastStatus, wd)
		}
		if d.State == store.DeliveryFailed && (d.LastError == "" || strings.Contains(d.LastError, "tok123456789") ||
			strings.Contains(d.LastError, "127.0.0.1")) {
			t.Errorf("%s: last error %q", d.Channel, d.LastError)
		}
	}
	if len(ds) != 4 {
		t.Errorf("%d deliveries", len(ds))
	}
}

// TestTestMessage: a test message goes to its one channel, whatever its
// filters.
func TestTestMessage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{})
	a, b := newReceiver(t, "s1", w.clock.Now), newReceiver(t, "s2", w.clock.Now)
	ca := a.channel("a")
	ca.Events = []string{notify.EventFailed}
	ca.Targets = []string{"elsewhere"}
	wt := w.watcher(w.replica(), Config{Channels: []notify.Channel{ca, b.channel("b")}})
	if _, err := wt.SendTest(ctx, "nobody"); err == nil {
		t.Error("a test to no channel")
	}
	ev, err := wt.SendTest(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	wt.sendDue(ctx)
	got := a.got()
	if len(got) != 1 || got[0].ID != ev.ID || got[0].Event != notify.EventTest || !strings.Contains(got[0].Text, "a") {
		t.Errorf("a got %+v", got)
	}
	if n := len(b.got()); n != 0 {
		t.Errorf("b got %d", n)
	}
}

// TestFigures: each round reports each target's tasks in progress, with
// the figures read (NaN for those not read), and finished tasks drop out.
func TestFigures(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{})
	sink := &figureSink{}
	wt := w.watcher(w.replica(), Config{Figures: sink})
	wt.round(ctx)
	calls := sink.take()
	if len(calls) != 2 {
		t.Fatalf("%d reports, want one per target: %+v", len(calls), calls)
	}
	byTarget := map[string]map[string]bool{}
	for _, c := range calls {
		byTarget[c.target] = map[string]bool{}
		for _, f := range c.tasks {
			byTarget[c.target][f.TaskName] = true
			if f.Target != c.target || f.TaskID == "" || f.Status == "" {
				t.Errorf("figures %+v", f)
			}
			switch f.TaskName {
			case nameFull:
				if math.IsNaN(f.FullProgress) || math.IsNaN(f.SourceKeys) || f.Status != "FULLMIGRATING" {
					t.Errorf("full sync's figures %+v", f)
				}
			case nameIncr:
				if math.IsNaN(f.Lag) || f.FullProgress != 100 {
					t.Errorf("incremental migration's figures %+v", f)
				}
			case nameDone, nameStop:
				if !math.IsNaN(f.FullProgress) || !math.IsNaN(f.Lag) || !math.IsNaN(f.Ops) {
					t.Errorf("a task waiting for configuration has figures: %+v", f)
				}
			}
		}
	}
	if len(byTarget[prodTarget]) != 5 || byTarget[prodTarget][nameEnded] || len(byTarget[drTarget]) != 1 {
		t.Errorf("tasks reported: %v", byTarget)
	}
	if err := w.sim.SetStatus(w.id(nameDone), "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	// The round that sees it finish reports it once more, with its final
	// status (so monitoring sees the end); the next one no longer does.
	w.clock.Advance(30 * time.Second)
	wt.round(ctx)
	final := false
	for _, c := range sink.take() {
		for _, f := range c.tasks {
			final = final || (f.TaskName == nameDone && f.Status == "SUCCESS")
		}
	}
	if !final {
		t.Error("the round that saw the task finish did not report its final status")
	}
	w.clock.Advance(30 * time.Second)
	wt.round(ctx)
	for _, c := range sink.take() {
		for _, f := range c.tasks {
			if f.TaskName == nameDone {
				t.Error("a finished task still reported")
			}
		}
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if !sink.rounds[prodTarget] || !sink.rounds[drTarget] {
		t.Errorf("rounds told: %v", sink.rounds)
	}
}

// TestSharedReads: the watcher reads through the same cache calls the
// list page makes, so while someone looks at the list (within the cache's
// time), watching costs no upstream call, and the other way round.
func TestSharedReads(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{})
	r := w.replica()
	wt := w.watcher(r, Config{})
	// A viewer of the list: every target's first page of 1000, and the
	// progress of the tasks that report it.
	view := func() {
		for _, tg := range r.set.All() {
			page, err := tg.Tasks.List(ctx, dcs.ListOptions{Offset: 0, Limit: 1000, Name: ""})
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range page.Tasks {
				if task.ReportsProgress() {
					if _, err := tg.Tasks.Stats(ctx, task.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	view()
	first := w.sim.CallCounts()
	if first[dcssim.OpList] != 2 || first[dcssim.OpStats] != 3 {
		t.Fatalf("the viewer's calls: %v", first)
	}
	w.sim.ResetCalls()
	wt.round(ctx)
	if c := w.sim.CallCounts(); c[dcssim.OpList] != 0 || c[dcssim.OpStats] != 0 {
		t.Errorf("the watcher's calls while a viewer looks: %v", c)
	}
	// Past the cache's period but within the watcher's interval, what the
	// viewer read still serves the watcher (dcs.MaxAge); past the
	// interval, the watcher alone reads.
	w.clock.Advance(cacheTTL + time.Second)
	wt.round(ctx)
	if c := w.sim.CallCounts(); c[dcssim.OpList] != 0 || c[dcssim.OpStats] != 0 {
		t.Errorf("the watcher, a page's read %s old: %v, want no call", cacheTTL+time.Second, c)
	}
	w.clock.Advance(DefaultInterval)
	wt.round(ctx)
	if c := w.sim.CallCounts(); c[dcssim.OpList] != first[dcssim.OpList] || c[dcssim.OpStats] != first[dcssim.OpStats] {
		t.Errorf("the watcher alone: %v, want the viewer's %v", c, first)
	}
	w.sim.ResetCalls()
	view()
	if c := w.sim.CallCounts(); c[dcssim.OpList] != 0 || c[dcssim.OpStats] != 0 {
		t.Errorf("the viewer's calls after the watcher: %v", c)
	}
}

// TestRunSQLite: Run watches and sends by itself; ending it returns.
func TestRunSQLite(t *testing.T) {
	w := newWorld(t, worldOptions{realTime: true})
	rcv := newReceiver(t, "s", time.Now)
	wt := w.watcher(w.replica(), Config{Channels: []notify.Channel{rcv.channel("c")},
		Interval: 50 * time.Millisecond, SendEvery: 10 * time.Millisecond, LagThreshold: 1e12})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { wt.Run(ctx); close(done) }()
	time.Sleep(150 * time.Millisecond) // a few rounds: the first sight
	if err := w.sim.SetStatus(w.id(nameDone), "FAILED"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "told", func() bool { return len(rcv.got()) == 1 })
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if p := rcv.got()[0]; p.Event != notify.EventFailed || p.TaskName != nameDone {
		t.Errorf("got %+v", p)
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 15 * time.Minute: "15m", 15*time.Minute + 59*time.Second: "15m",
		time.Hour: "1h", 90 * time.Minute: "1h30m", 26 * time.Hour: "26h", -time.Second: "0s",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestConfig: channels are checked, and named once.
func TestConfig(t *testing.T) {
	w := newWorld(t, worldOptions{})
	r := w.replica()
	good := notify.Channel{Name: "a", Kind: notify.KindSlack, URL: "https://hooks.example.com/x", Lang: "en"}
	for name, chans := range map[string][]notify.Channel{
		"twice":   {good, good},
		"invalid": {{Name: "b", Kind: "pager", URL: "https://hooks.example.com/x", Lang: "en"}},
	} {
		if _, err := New(Config{Targets: r.set, Store: r.notes, Channels: chans}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(Config{Store: r.notes}); err == nil {
		t.Error("no targets: accepted")
	}
	wt, err := New(Config{Targets: r.set, Store: r.notes, Channels: []notify.Channel{good}})
	if err != nil {
		t.Fatal(err)
	}
	if wt.cfg.Interval != DefaultInterval || wt.cfg.StuckAfter != DefaultStuckAfter || wt.cfg.TargetTimeout != DefaultTargetTimeout ||
		wt.backoff(1) != 10*time.Second || wt.backoff(2) != 20*time.Second || wt.backoff(20) != 30*time.Minute {
		t.Errorf("defaults: %+v", wt.cfg)
	}
}

// TestHangingReceiver: a receiver that does not answer holds only its own
// deliveries: rounds go on, and another channel is told at once.
func TestHangingReceiver(t *testing.T) {
	w := newWorld(t, worldOptions{realTime: true})
	release := make(chan struct{})
	hang := &receiver{t: t, secret: "s1", now: time.Now}
	hang.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.srv.Close)
	fine := newReceiver(t, "s2", time.Now)
	r := w.replica()
	wt := w.watcher(r, Config{Channels: []notify.Channel{hang.channel("hang"), fine.channel("fine")},
		Interval: 50 * time.Millisecond, SendEvery: 10 * time.Millisecond, SendTimeout: 3 * time.Second, LagThreshold: 1e12})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { wt.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	defer close(release) // first: Run waits for the attempts under way
	waitFor(t, 5*time.Second, "first seen", func() bool {
		ws, _ := r.notes.Watched(ctx, drTarget)
		return len(ws) == 1
	})
	if err := w.sim.SetStatus(w.id(nameDone), "FAILED"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "told the first", func() bool { return len(fine.got()) == 1 })
	began := time.Now()
	if err := w.sim.SetStatus(idDR, "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "told the second", func() bool { return len(fine.got()) == 2 })
	if took := time.Since(began); took > time.Second {
		t.Errorf("the second event took %s while a receiver hangs", took)
	}
}

// TestFollow: stuck and lagging are told once a spell, and again after the
// figure has moved (or dropped) and stalled (or risen) again; a figure not
// read changes nothing.
func TestFollow(t *testing.T) {
	w := &Watcher{cfg: Config{StuckAfter: 15 * time.Minute, LagThreshold: 100, LagFor: time.Minute}}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	full := dcs.Task{ID: "t", Type: dcs.TypeOnlineMigration, Status: dcs.StatusFullMigrating}
	incr := full
	incr.Status = dcs.StatusIncrMigrating
	stats := func(progress, lag string) dcs.Stats {
		return dcs.Stats{FullProgress: dcs.ParseNumber(progress), Offset: dcs.ParseNumber(lag)}
	}
	var cur store.WatchedTask
	type look struct {
		task       dcs.Task
		at         time.Duration
		st         dcs.Stats
		read       bool
		kind, deta string
	}
	for i, l := range []look{
		{full, 0, stats("10", ""), true, "", ""},
		{full, 10 * time.Minute, stats("10", ""), true, "", ""},
		{full, 20 * time.Minute, dcs.Stats{}, false, "", ""}, // not read: the clock runs on
		{full, 25 * time.Minute, stats("10", ""), true, notify.EventStuck, "25m"},
		{full, 50 * time.Minute, stats("10", ""), true, "", ""}, // told once
		{full, 51 * time.Minute, stats("11", ""), true, "", ""}, // moved
		{full, 66 * time.Minute, stats("11", ""), true, notify.EventStuck, "15m"},
		{incr, 67 * time.Minute, stats("100", "150"), true, "", ""},
		{incr, 67*time.Minute + 30*time.Second, stats("100", "abc"), true, "", ""}, // unreadable figure
		{incr, 68 * time.Minute, stats("100", "180"), true, notify.EventLagging, "180"},
		{incr, 70 * time.Minute, stats("100", "180"), true, "", ""},
		{incr, 71 * time.Minute, stats("100", "100"), true, "", ""}, // caught up (not above)
		{incr, 72 * time.Minute, stats("100", "101"), true, "", ""},
		{incr, 73 * time.Minute, stats("100", "5000"), true, notify.EventLagging, "5000"},
	} {
		kind, detail := w.follow(&cur, l.task, l.st, l.read, t0.Add(l.at))
		if kind != l.kind || detail != l.deta {
			t.Errorf("look %d: %q %q, want %q %q (state %+v)", i, kind, detail, l.kind, l.deta, cur)
		}
		if l.task.Status.Incremental() && (cur.HasProgress || cur.StuckTold) {
			t.Errorf("look %d: incremental keeps the full sync's state: %+v", i, cur)
		}
	}
}
