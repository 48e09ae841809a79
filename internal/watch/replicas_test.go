package watch

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

// countingTransport counts the requests one replica sends to receivers.
type countingTransport struct {
	n    *atomic.Int64
	base http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// node is one replica running its watcher.
type node struct {
	name   string
	r      *replica
	wt     *Watcher
	sends  atomic.Int64
	sink   *figureSink
	cancel context.CancelFunc
	done   chan struct{}
}

func (n *node) lists() int {
	total := 0
	for _, c := range n.r.lists {
		total += c.count()
	}
	return total
}

// stop ends the node's Run and waits for it.
func (n *node) stop(t *testing.T) {
	t.Helper()
	n.cancel()
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: Run did not return", n.name)
	}
}

// TestTakeoverPostgres: two replicas share PostgreSQL; one watches and
// sends, the other reads and sends nothing. When the leader stops, the
// other takes over within one interval, delivers what the leader could
// not, and tells what changed since, each event exactly once.
func TestTakeoverPostgres(t *testing.T) {
	w := newWorld(t, worldOptions{dsn: pgtest.Shared(t), realTime: true})
	rcv := newReceiver(t, "whsec", time.Now)
	const interval = 400 * time.Millisecond
	start := func(name string) *node {
		n := &node{name: name, r: w.replica(), sink: &figureSink{}, done: make(chan struct{})}
		n.wt = w.watcher(n.r, Config{Channels: []notify.Channel{rcv.channel("ops")}, Lead: n.r.db.WatchLeadership(),
			Interval: interval, SendEvery: 20 * time.Millisecond, RetryFirst: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond,
			Client:  &http.Client{Timeout: 5 * time.Second, Transport: countingTransport{n: &n.sends, base: http.DefaultTransport}},
			Figures: n.sink, LagThreshold: 1e12, Log: testLogger(t).With("replica", name)})
		ctx, cancel := context.WithCancel(context.Background())
		n.cancel = cancel
		go func() { n.wt.Run(ctx); close(n.done) }()
		t.Cleanup(func() { n.stop(t) })
		return n
	}
	a, b := start("a"), start("b")

	// One leads, and has seen every target's tasks once.
	var leader, follower *node
	waitFor(t, 10*time.Second, "led and first seen", func() bool {
		if a.wt.held() == b.wt.held() {
			return false
		}
		leader, follower = a, b
		if b.wt.held() {
			leader, follower = b, a
		}
		for _, target := range []string{prodTarget, drTarget} {
			if ws, err := leader.r.notes.Watched(context.Background(), target); err != nil || len(ws) == 0 {
				return false
			}
		}
		return true
	})
	if err := w.sim.SetStatus(w.id(nameDone), "FAILED"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "told the failure", func() bool { return len(rcv.got()) == 1 })
	if follower.sends.Load() != 0 || follower.lists() != 0 || follower.wt.held() {
		t.Errorf("the follower sent %d notifications and read %d lists", follower.sends.Load(), follower.lists())
	}

	// The receiver goes down; an event waits for it; the leader stops.
	rcv.setAnswer(func(int) int { return 503 })
	before := rcv.requestCount()
	if err := w.sim.SetStatus(idDR, "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	// Several retries, due while both replicas' senders look for work.
	waitFor(t, 10*time.Second, "retried the receiver that is down", func() bool { return rcv.requestCount() > before+5 })
	if follower.sends.Load() != 0 || follower.lists() != 0 || follower.wt.held() {
		t.Errorf("the follower sent %d notifications and read %d lists", follower.sends.Load(), follower.lists())
	}
	leader.stop(t)
	stopped := time.Now()
	if err := leader.r.db.Close(); err != nil {
		t.Fatal(err)
	}
	calls := leader.sink.take()
	if len(calls) < 2 {
		t.Fatalf("the leader reported %d times", len(calls))
	}
	for _, c := range calls[len(calls)-2:] {
		if c.tasks != nil {
			t.Errorf("the leader's last report of %s is not a clearing: %d tasks", c.target, len(c.tasks))
		}
	}

	// The receiver is back; another task ends.
	rcv.setAnswer(nil)
	if err := w.sim.SetStatus(w.id(nameStop), "SUCCESS"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "taken over", follower.wt.held)
	if took := time.Since(stopped); took > interval+300*time.Millisecond {
		t.Errorf("taken over after %s, more than an interval (%s)", took, interval)
	}
	waitFor(t, 10*time.Second, "told all three", func() bool { return len(rcv.got()) == 3 })
	time.Sleep(3 * interval) // time to send anything twice
	got := once(t, "ops", rcv.got())
	for _, key := range []string{"failed " + w.id(nameDone), "finished " + idDR, "finished " + w.id(nameStop)} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %s: %+v", key, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("%d events, want 3", len(got))
	}
	if follower.sends.Load() < 2 {
		t.Errorf("the new leader sent %d notifications, want the waiting one and the new one", follower.sends.Load())
	}
	ds, err := follower.r.notes.RecentDeliveries(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != store.DeliverySent {
			t.Errorf("delivery %+v", d)
		}
	}
	if len(ds) != 3 {
		t.Errorf("%d deliveries, want 3", len(ds))
	}
}
