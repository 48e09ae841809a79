package watch

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

const (
	prodProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	drProject   = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	prodTarget  = "bj-prod"
	drTarget    = "sh-dr"
	testAK      = "WATCHTESTAK000000001"
	testSK      = "watch-test-secret-key-not-real"
	publicURL   = "https://dcs.example.com/dashboard"
	cacheTTL    = 3 * time.Second
)

// clock is a settable clock. The simulator has one of its own, kept near
// the real time (it refuses signatures dated 15 minutes away from it) and
// still unless a test moves it, so figures stay put while the watcher's
// clock runs on past -stuck-after.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The tasks the tests watch, by the seed names they are taken from.
const (
	nameFull  = "订单缓存迁移-生产"             // FULLMIGRATING, online: its progress stalls while the simulator's clock stands
	nameIncr  = "用户画像增量同步"              // INCRMIGRATING: its lag stays put while the simulator's clock stands
	nameFail  = "cart-cache full copy"  // MIGRATING, made to fail
	nameDone  = "待配置：商品详情缓存"            // RUNNING, made to succeed
	nameStop  = "new-region-migration"  // RUNNING, stopped in the dashboard: TERMINATING while the clock stands
	nameEnded = "payment-cache nightly" // SUCCESS from the start: never told
	nameDR    = "obs import waiting"    // RUNNING, the DR project's one task
	idDR      = "5f0e4a1c-0000-4000-8000-00000000d001"
)

// tasks is the prod project's tasks (from the seed, by name) and the DR
// project's one, as they stand at now.
func tasks(t testing.TB, now time.Time) (prod, dr []dcssim.Task, ids map[string]string) {
	ids = map[string]string{}
	for _, task := range dcssim.Seed(now) {
		switch task.TaskName {
		case nameFull, nameIncr, nameFail, nameDone, nameStop, nameEnded:
			prod = append(prod, task)
			ids[task.TaskName] = task.TaskID
		case nameDR:
			task.TaskID = idDR
			dr = append(dr, task)
			ids[task.TaskName] = task.TaskID
		}
	}
	if len(prod) != 6 || len(dr) != 1 {
		t.Fatalf("seed: %d and %d tasks", len(prod), len(dr))
	}
	return prod, dr, ids
}

// world is a simulator with two projects behind httptest and a database:
// what watchers (and a viewer) share.
type world struct {
	t        *testing.T
	sim      *dcssim.Simulator
	simClock *clock
	clock    *clock           // the watchers', the caches', the database's, the audit trail's...
	now      func() time.Time // ...unless the world runs in real time
	ttl      time.Duration    // the caches' list time
	simURL   string
	dsn      string
	ids      map[string]string
}

// worldOptions vary a world; the zero value is a SQLite database and the
// fake clock.
type worldOptions struct {
	dsn      string // "" for a new SQLite file
	realTime bool   // the watchers, caches and database use time.Now
	// lagging starts the simulator at a moment when the incremental task
	// shows a lag (the simulator's lag wobbles, and is 0 at some moments).
	lagging bool
}

func newWorld(t *testing.T, opt worldOptions) *world {
	t.Helper()
	t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "no-such-credentials"))
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "")
	w := &world{t: t, simClock: newClock(), clock: newClock(), dsn: opt.dsn}
	w.now, w.ttl = w.clock.Now, cacheTTL
	if opt.realTime {
		w.now, w.ttl = time.Now, 100*time.Millisecond // changes are seen at once
	}
	for try := 0; ; try++ {
		prod, dr, ids := tasks(t, w.simClock.Now())
		w.ids = ids
		w.sim = dcssim.New(dcssim.Config{ProjectID: prodProject, AccessKey: testAK, SecretKey: testSK, Now: w.simClock.Now,
			Tasks: prod, Projects: []dcssim.Project{{ID: drProject, Tasks: dr}}})
		srv := httptest.NewServer(w.sim)
		w.simURL = srv.URL
		if !opt.lagging || w.lag().Value > 0 {
			t.Cleanup(srv.Close)
			break
		}
		srv.Close()
		if try == 50 {
			t.Fatal("the simulator never shows a lag")
		}
		w.simClock.Advance(2 * time.Second)
	}
	if w.dsn == "" {
		w.dsn = "sqlite:" + filepath.Join(t.TempDir(), "dashboard.db")
	}
	return w
}

// lag is the incremental task's lag, read from the API directly.
func (w *world) lag() dcs.Number {
	w.t.Helper()
	client, err := dcs.NewClient(dcs.Config{Endpoint: w.simURL, ProjectID: prodProject, AccessKey: testAK, SecretKey: testSK})
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := client.Stats(context.Background(), w.id(nameIncr))
	if err != nil {
		w.t.Fatal(err)
	}
	return st.Offset
}

func (w *world) id(name string) string { return w.ids[name] }

// replica is one dashboard process: its own database handle, task caches
// and leadership, over the world's simulator and database.
type replica struct {
	db     *store.DB
	notes  *store.Notifications
	audit  *store.Audit
	set    *targets.Set
	caches map[string]*taskcache.Cache
	lists  map[string]*countingTasks
}

// countingTasks counts the lists one replica reads (through its cache).
type countingTasks struct {
	dcs.TaskService
	mu    sync.Mutex
	lists int
}

func (c *countingTasks) List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.TaskService.List(ctx, opt)
}

func (c *countingTasks) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.lists }

func (w *world) replica() *replica {
	t := w.t
	t.Helper()
	db, err := store.Open(context.Background(), w.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	r := &replica{db: db, notes: store.NewNotifications(db, w.now), audit: store.NewAudit(db, w.now, nil),
		caches: map[string]*taskcache.Cache{}, lists: map[string]*countingTasks{}}
	var ts []*targets.Target
	for _, tg := range []struct{ name, label, project string }{{prodTarget, "Beijing production", prodProject}, {drTarget, "", drProject}} {
		client, err := dcs.NewClient(dcs.Config{Endpoint: w.simURL, ProjectID: tg.project, AccessKey: testAK, SecretKey: testSK,
			Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		cache := taskcache.New(client, taskcache.Config{ListTTL: w.ttl, Now: w.now})
		counted := &countingTasks{TaskService: cache}
		r.caches[tg.name], r.lists[tg.name] = cache, counted
		ts = append(ts, &targets.Target{Name: tg.name, DisplayName: tg.label, ProjectID: tg.project, Tasks: counted})
	}
	if r.set, err = targets.NewSet(ts...); err != nil {
		t.Fatal(err)
	}
	return r
}

// watcher is a Watcher of r, with cfg's settings over the defaults a
// test wants (the world's clock, a public URL, r's stores).
func (w *world) watcher(r *replica, cfg Config) *Watcher {
	w.t.Helper()
	cfg.Targets, cfg.Store, cfg.Stops = r.set, r.notes, r.audit
	if cfg.Now == nil {
		cfg.Now = w.now
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = publicURL + "/"
	}
	if cfg.Log == nil {
		cfg.Log = testLogger(w.t)
	}
	wt, err := New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	return wt
}

// testLogger logs to t while it runs.
func testLogger(t *testing.T) *slog.Logger {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Log(strings.TrimRight(string(p), "\n"))
		}
		return len(p), nil
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// receiver is a loopback webhook receiver that checks every request's
// signature, as a real one would, and keeps what it accepted.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	now    func() time.Time

	mu       sync.Mutex
	accepted []notify.WebhookPayload
	requests int
	refusals []string // why requests were refused for their signature or shape
	// answer, if set, is the status to answer instead of accepting: the
	// receiver is down (5xx) or refuses (4xx). It gets the request number.
	answer func(n int) int
}

func newReceiver(t *testing.T, secret string, now func() time.Time) *receiver {
	r := &receiver{t: t, secret: secret, now: now}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if err := notify.VerifyWebhook(r.secret, req.Header.Get(notify.SignatureHeader), body, r.now(), 5*time.Minute); err != nil {
		r.refusals = append(r.refusals, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p notify.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" || req.Header.Get(notify.EventIDHeader) != p.ID ||
		req.Header.Get(notify.EventHeader) != p.Event {
		r.refusals = append(r.refusals, "bad payload: "+string(body))
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if r.answer != nil {
		if code := r.answer(r.requests); code != 0 {
			http.Error(w, "not now", code)
			return
		}
	}
	r.accepted = append(r.accepted, p)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setAnswer(f func(n int) int) { r.mu.Lock(); r.answer = f; r.mu.Unlock() }

// got is what the receiver accepted, in order.
func (r *receiver) got() []notify.WebhookPayload {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.refusals) > 0 {
		r.t.Errorf("receiver refused requests: %q", r.refusals)
	}
	return slices.Clone(r.accepted)
}

func (r *receiver) requestCount() int { r.mu.Lock(); defer r.mu.Unlock(); return r.requests }

// channel is a webhook channel to r.
func (r *receiver) channel(name string) notify.Channel {
	return notify.Channel{Name: name, Kind: notify.KindWebhook, URL: r.srv.URL + "/hooks/" + name + "/tok123456789", Secret: r.secret, Lang: "en"}
}

// once fails unless every event id in got appears once, and returns the
// payloads by kind and task.
func once(t *testing.T, who string, got []notify.WebhookPayload) map[string]notify.WebhookPayload {
	t.Helper()
	ids := map[string]int{}
	out := map[string]notify.WebhookPayload{}
	for _, p := range got {
		ids[p.ID]++
		if ids[p.ID] > 1 {
			t.Errorf("%s: event %s (%s of %s) delivered %d times", who, p.ID, p.Event, p.TaskName, ids[p.ID])
		}
		k := p.Event + " " + p.TaskID
		if _, dup := out[k]; dup && ids[p.ID] == 1 {
			t.Errorf("%s: %s told twice (as two events)", who, k)
		}
		out[k] = p
	}
	return out
}

// figureSink keeps every report.
type figureSink struct {
	mu     sync.Mutex
	calls  []figureCall
	rounds map[string]bool // each target's last round: read or not
}

func (s *figureSink) WatchRound(target string, _ time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rounds == nil {
		s.rounds = map[string]bool{}
	}
	s.rounds[target] = ok
}

type figureCall struct {
	target string
	tasks  []metrics.TaskFigures
}

func (s *figureSink) ObserveTasks(target string, tasks []metrics.TaskFigures) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, figureCall{target, tasks})
}

func (s *figureSink) take() []figureCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = nil
	return out
}

// stopInDashboard stops task id of target as the dashboard's stop path
// does: the intent recorded, the stop sent (through the target's cache),
// the accepted outcome recorded.
func stopInDashboard(t *testing.T, r *replica, target, id, user, reason string) {
	t.Helper()
	in, err := r.audit.Intent(audit.Record{Action: audit.ActionStop, User: user, TaskID: id, Target: target, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := r.set.Get(target)
	ans, err := tg.Tasks.Stop(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.audit.Outcome(in, audit.Record{Outcome: audit.OutcomeAccepted, HTTPStatus: ans.Call.HTTPStatus,
		RequestID: ans.Call.RequestID}); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond (in real time) until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after %s", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
