package taskcache_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

const (
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testAK      = "TASKCACHETESTAK00001"
	testSK      = "taskcache-test-secret-key-not-real"
)

// firstPage is what a viewer of the dashboard's task list polls.
var firstPage = dcs.ListOptions{Limit: 10}

// clock is the fake clock shared by the cache and the simulator. It starts
// at the real time because the simulator rejects signatures dated more than
// 15 minutes away from its clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// counter counts hook calls per cache name.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

func (c *counter) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// env is a Cache over the real dcs.Client, which signs and sends real HTTP
// requests to a simulator behind httptest.
type env struct {
	sim          *dcssim.Simulator
	clock        *clock
	client       *dcs.Client
	cache        *taskcache.Cache
	hits, misses *counter
}

// newEnv builds an env whose cache keeps list pages for ttl. wrap, if not
// nil, goes between the cache and the client.
func newEnv(tb testing.TB, ttl time.Duration, wrap func(dcs.TaskService) dcs.TaskService) *env {
	tb.Helper()
	clk := &clock{t: time.Now().UTC()}
	sim := dcssim.New(dcssim.Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, Now: clk.Now})
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	client, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: testProject,
		AccessKey: testAK, SecretKey: testSK, Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatalf("dcs.NewClient: %v", err)
	}
	var up dcs.TaskService = client
	if wrap != nil {
		up = wrap(client)
	}
	e := &env{sim: sim, clock: clk, client: client,
		hits: &counter{n: map[string]int{}}, misses: &counter{n: map[string]int{}}}
	e.cache = taskcache.New(up, taskcache.Config{ListTTL: ttl, Now: clk.Now, OnHit: e.hits.add, OnMiss: e.misses.add})
	return e
}

// calls is the number of upstream calls of op the simulator received.
func (e *env) calls(op dcssim.Op) int { return e.sim.Calls(op) }

// wantCalls fails the test unless the simulator received want calls of op.
func (e *env) wantCalls(tb testing.TB, op dcssim.Op, want int) {
	tb.Helper()
	if got := e.calls(op); got != want {
		tb.Fatalf("%s: %d upstream calls, want %d", op, got, want)
	}
}

// waitCalls waits (in real time) until the simulator has received n calls of op.
func (e *env) waitCalls(tb testing.TB, op dcssim.Op, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.calls(op) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: still %d calls after 5s, want %d", op, e.calls(op), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// slowAll makes every upstream call take d, so that calls overlap.
func (e *env) slowAll(d time.Duration) { e.sim.SetFaults(dcssim.Faults{Latency: d}) }

// seedID returns the id of the seeded task called name.
func seedID(tb testing.TB, name string) string {
	tb.Helper()
	for i, t := range dcssim.Seed(time.Now()) {
		if t.TaskName == name {
			return dcssim.SeedID(i)
		}
	}
	tb.Fatalf("no seeded task named %q", name)
	return ""
}

// stoppable is a FULLMIGRATING task on the first page.
func stoppable(tb testing.TB) string { return seedID(tb, "订单缓存迁移-生产") }

// statusIn returns the status id has on page, or "" if it is not there.
func statusIn(page dcs.TaskPage, id string) dcs.Status {
	for _, t := range page.Tasks {
		if t.ID == id {
			return t.Status
		}
	}
	return ""
}

func mustList(tb testing.TB, c dcs.TaskService, opt dcs.ListOptions) dcs.TaskPage {
	tb.Helper()
	p, err := c.List(context.Background(), opt)
	if err != nil {
		tb.Fatalf("List(%+v): %v", opt, err)
	}
	return p
}

// holdList makes the next List, once the API has answered it, wait for
// release before returning: a read that is deterministically in flight
// across whatever the test does next.
type holdList struct {
	dcs.TaskService
	armed    atomic.Bool
	answered chan struct{}
	release  chan struct{}
}

func newHoldList(up dcs.TaskService) *holdList {
	h := &holdList{TaskService: up, answered: make(chan struct{}), release: make(chan struct{})}
	h.armed.Store(true)
	return h
}

func (h *holdList) List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	p, err := h.TaskService.List(ctx, opt)
	if h.armed.CompareAndSwap(true, false) {
		close(h.answered)
		<-h.release
	}
	return p, err
}
