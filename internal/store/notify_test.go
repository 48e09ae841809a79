package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

// The channels most tests record deliveries for: one for everything, one
// for failures of bj-prod only.
var testChannels = []notify.Channel{
	{Name: "all", Kind: notify.KindWebhook, URL: "https://hooks.example.com/a", Lang: "en"},
	{Name: "prod-failures", Kind: notify.KindSlack, URL: "https://hooks.example.com/b", Lang: "en",
		Targets: []string{"bj-prod"}, Events: []string{notify.EventFailed}},
}

func failed(target, task string, at time.Time) notify.Event {
	return notify.Event{Kind: notify.EventFailed, Target: target, TaskID: task, TaskName: "orders", OldStatus: "FULLMIGRATING",
		NewStatus: "FAILED", ErrorMessage: "NOAUTH", At: at}
}

// TestWatchRounds: a round's state, events and deliveries are recorded
// together, for the channels that want each event; the state reads back;
// a round worked out from state read before another watcher's commit is
// refused whole, so no event is recorded twice.
func TestWatchRounds(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			clk := &clock{t: time.Unix(1_800_000_000, 0).UTC()}
			a, b := store.NewNotifications(open(t, d), clk.now), store.NewNotifications(open(t, d), clk.now)
			ctx := context.Background()

			// First sight: two tasks, no event.
			since := clk.now()
			_, err := a.CommitRound(ctx, store.Round{Target: "bj-prod", Put: []store.WatchedTask{
				{TaskID: "t1", Name: "orders", Status: "FULLMIGRATING", Progress: 40, HasProgress: true, ProgressSince: since},
				{TaskID: "t2", Name: "carts", Status: "INCRMIGRATING", LagSince: since},
			}}, testChannels)
			if err != nil {
				t.Fatal(err)
			}
			w, err := b.Watched(ctx, "bj-prod")
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != 2 || !w["t1"].Stored() || w["t1"].Progress != 40 || !w["t1"].HasProgress || !w["t1"].ProgressSince.Equal(since) ||
				w["t2"].HasProgress || !w["t2"].LagSince.Equal(since) || w["t1"].Seen.IsZero() {
				t.Fatalf("watched: %+v", w)
			}
			if other, _ := b.Watched(ctx, "sh-dr"); len(other) != 0 {
				t.Errorf("another target's tasks: %+v", other)
			}

			// Two watchers work out the next round from the same state.
			clk.advance(30 * time.Second)
			t1 := w["t1"]
			t1.Status = "FAILED"
			t2 := w["t2"]
			t2.LagTold = true
			round := store.Round{Target: "bj-prod", Put: []store.WatchedTask{t2}, Drop: []store.WatchedTask{t1},
				Events: []notify.Event{failed("bj-prod", "t1", clk.now())}}
			var wg sync.WaitGroup
			results := make([]error, 2)
			told := make([][]notify.Event, 2)
			for i, n := range []*store.Notifications{a, b} {
				wg.Go(func() { told[i], results[i] = n.CommitRound(ctx, round, testChannels) })
			}
			wg.Wait()
			ok := 0
			for i, err := range results {
				switch {
				case err == nil:
					ok++
					if len(told[i]) != 1 || told[i][0].ID == "" {
						t.Errorf("told: %+v", told[i])
					}
				case !errors.Is(err, store.ErrStale):
					t.Errorf("the losing round: %v, want ErrStale", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d rounds committed, want 1: %v", ok, results)
			}
			ds, err := a.RecentDeliveries(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 2 {
				t.Fatalf("%d deliveries, want one per channel: %+v", len(ds), ds)
			}
			for _, d := range ds {
				if d.State != store.DeliveryPending || d.Attempts != 0 || d.Event.Kind != notify.EventFailed || d.Event.TaskID != "t1" ||
					d.Event.ErrorMessage != "NOAUTH" || !d.Event.At.Equal(clk.now()) || !d.NextAt.Equal(clk.now()) {
					t.Errorf("delivery: %+v", d)
				}
			}
			w, _ = a.Watched(ctx, "bj-prod")
			if _, still := w["t1"]; still || len(w) != 1 || !w["t2"].LagTold {
				t.Errorf("after the round: %+v", w)
			}

			// An event no channel wants is not recorded; a put of a task
			// first seen that another watcher has just stored is stale.
			_, err = a.CommitRound(ctx, store.Round{Target: "sh-dr", Events: []notify.Event{
				{Kind: notify.EventStuck, Target: "sh-dr", TaskID: "t9", At: clk.now()}}}, testChannels[1:])
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.CommitRound(ctx, store.Round{Target: "bj-prod", Put: []store.WatchedTask{{TaskID: "t2", Status: "RUNNING"}},
				Events: []notify.Event{failed("bj-prod", "t2", clk.now())}}, testChannels)
			if !errors.Is(err, store.ErrStale) {
				t.Errorf("a second first sight: %v, want ErrStale", err)
			}
			if ds, _ := a.RecentDeliveries(ctx, 10); len(ds) != 2 {
				t.Errorf("%d deliveries after rounds that record none, want 2", len(ds))
			}
		})
	}
}

// TestDeliveries: a due delivery is claimed by one sender at a time; its
// outcome is recorded under its claim; a retry waits for its time; a
// claim left to expire lets another sender take the delivery, and the
// first one's late outcome is refused; the newest deliveries read back
// newest first; a test message goes to its one channel.
func TestDeliveries(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			clk := &clock{t: time.Unix(1_800_000_000, 0).UTC()}
			a, b := store.NewNotifications(open(t, d), clk.now), store.NewNotifications(open(t, d), clk.now)
			ctx := context.Background()
			var events []notify.Event
			for i := range 3 {
				told, err := a.CommitRound(ctx, store.Round{Target: "sh-dr",
					Events: []notify.Event{failed("sh-dr", fmt.Sprintf("t%d", i), clk.now())}}, testChannels)
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, told...)
				clk.advance(time.Second)
			}
			got, err := a.Claim(ctx, 2, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Event.ID != events[0].ID || got[1].Event.ID != events[1].ID || got[0].Channel != "all" {
				t.Fatalf("claimed %+v", got)
			}
			rest, err := b.Claim(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(rest) != 1 || rest[0].Event.ID != events[2].ID {
				t.Fatalf("the other sender claimed %+v", rest)
			}
			if again, _ := b.Claim(ctx, 10, time.Minute); len(again) != 0 {
				t.Fatalf("claimed twice: %+v", again)
			}

			if err := a.Sent(ctx, got[0], 204); err != nil {
				t.Fatal(err)
			}
			if err := a.Sent(ctx, got[0], 204); !errors.Is(err, store.ErrClaimLost) {
				t.Errorf("recorded twice: %v", err)
			}
			retryAt := clk.now().Add(10 * time.Second)
			if err := a.Failed(ctx, got[1], 503, "HTTP 503", retryAt); err != nil {
				t.Fatal(err)
			}
			if err := b.Failed(ctx, rest[0], 404, "HTTP 404", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if due, _ := a.Claim(ctx, 10, time.Minute); len(due) != 0 {
				t.Fatalf("claimed before its retry time: %+v", due)
			}
			clk.advance(10 * time.Second)
			due, err := a.Claim(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(due) != 1 || due[0].ID != got[1].ID || due[0].Attempts != 1 || due[0].LastStatus != 503 || due[0].LastError != "HTTP 503" {
				t.Fatalf("retry: %+v", due)
			}
			// This sender dies holding the claim: after it expires, the
			// other takes it, and the first one's late word is refused.
			clk.advance(time.Minute)
			taken, err := b.Claim(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(taken) != 1 || taken[0].ID != due[0].ID {
				t.Fatalf("after the claim expired: %+v", taken)
			}
			if err := a.Sent(ctx, due[0], 200); !errors.Is(err, store.ErrClaimLost) {
				t.Errorf("an expired claim's outcome: %v, want ErrClaimLost", err)
			}
			if err := b.Unclaim(ctx, taken[0]); err != nil {
				t.Fatal(err)
			}
			if again, _ := a.Claim(ctx, 10, time.Minute); len(again) != 1 || again[0].Attempts != 1 {
				t.Fatalf("unclaimed: %+v", again)
			} else if err := a.Sent(ctx, again[0], 200); err != nil {
				t.Fatal(err)
			}

			test, err := b.RecordTest(ctx, "prod-failures", notify.Event{TaskID: "ignored-kind", Kind: notify.EventFailed})
			if err != nil {
				t.Fatal(err)
			}
			recent, err := b.RecentDeliveries(ctx, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(recent) != 3 || recent[0].Event.ID != test.ID || recent[0].Event.Kind != notify.EventTest ||
				recent[0].Channel != "prod-failures" || recent[0].Event.At.IsZero() {
				t.Fatalf("recent: %+v", recent)
			}
			for i := 1; i < len(recent); i++ {
				if recent[i].ID >= recent[i-1].ID {
					t.Errorf("not newest first: %d after %d", recent[i].ID, recent[i-1].ID)
				}
			}
			states := map[string]int{}
			all, _ := b.RecentDeliveries(ctx, 100)
			for _, d := range all {
				states[d.State]++
				if d.State == store.DeliverySent && (d.SentAt.IsZero() || d.LastError != "") {
					t.Errorf("sent: %+v", d)
				}
			}
			if states[store.DeliverySent] != 2 || states[store.DeliveryFailed] != 1 || states[store.DeliveryPending] != 1 {
				t.Errorf("states %v", states)
			}

			// Pruning forgets settled events only: not the test message.
			clk.advance(time.Hour)
			gone, err := a.Prune(ctx, clk.now())
			if err != nil {
				t.Fatal(err)
			}
			if gone != 3 {
				t.Errorf("pruned %d events, want the 3 settled ones", gone)
			}
			for {
				ds, err := a.Claim(ctx, 10, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if len(ds) == 0 {
					break
				}
				for _, d := range ds {
					if err := a.Failed(ctx, d, 410, "gone", time.Time{}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if gone, err := a.Prune(ctx, clk.now()); err != nil || gone != 1 {
				t.Errorf("pruned %d events, %v; want the test message's", gone, err)
			}
			if left, _ := a.RecentDeliveries(ctx, 100); len(left) != 0 {
				t.Errorf("left after pruning: %+v", left)
			}
		})
	}
}

// TestClaimRace: many senders on two replicas claiming at once take each
// due delivery exactly once.
func TestClaimRace(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			clk := &clock{t: time.Unix(1_800_000_000, 0).UTC()}
			replicas := []*store.Notifications{store.NewNotifications(open(t, d), clk.now), store.NewNotifications(open(t, d), clk.now)}
			ctx := context.Background()
			var evs []notify.Event
			for i := range 40 {
				evs = append(evs, failed("bj-prod", fmt.Sprintf("t%d", i), clk.now()))
			}
			if _, err := replicas[0].CommitRound(ctx, store.Round{Target: "bj-prod", Events: evs}, testChannels); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[int64]int{}
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					for {
						ds, err := replicas[i%2].Claim(ctx, 3, time.Minute)
						if err != nil {
							t.Error(err)
							return
						}
						if len(ds) == 0 {
							return
						}
						for _, d := range ds {
							mu.Lock()
							seen[d.ID]++
							mu.Unlock()
							if err := replicas[i%2].Sent(ctx, d, 200); err != nil {
								t.Error(err)
							}
						}
					}
				})
			}
			wg.Wait()
			if len(seen) != 80 {
				t.Errorf("%d deliveries claimed, want 80", len(seen))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("delivery %d claimed %d times", id, n)
				}
			}
		})
	}
}

// TestLeadershipSQLite: one process, always the leader.
func TestLeadershipSQLite(t *testing.T) {
	db := open(t, databases(t)["sqlite"](t))
	l := db.WatchLeadership()
	if ok, err := l.Lead(context.Background()); !ok || err != nil || !l.Held() {
		t.Fatalf("SQLite: lead %v, %v", ok, err)
	}
	l.Release()
	if !l.Held() {
		t.Error("SQLite: released")
	}
}

// TestLeadershipPostgres: of two replicas one leads; when the leader's
// connection dies the other leads at its next try, and the old leader
// learns it no longer does; a release hands over at once.
func TestLeadershipPostgres(t *testing.T) {
	dsn := pgtest.Shared(t)
	ctx := context.Background()
	dbA, dbB := open(t, dsn), open(t, dsn)
	a, b := dbA.WatchLeadership(), dbB.WatchLeadership()
	if a.Held() {
		t.Fatal("held before Lead")
	}
	if ok, err := a.Lead(ctx); !ok || err != nil {
		t.Fatalf("first: %v, %v", ok, err)
	}
	if ok, err := b.Lead(ctx); ok || err != nil {
		t.Fatalf("second leads too: %v, %v", ok, err)
	}
	if ok, _ := a.Lead(ctx); !ok {
		t.Fatal("the leader lost the lead by asking again")
	}
	// Another database of the same server has a lead of its own.
	other := open(t, pgtest.Shared(t)).WatchLeadership()
	if ok, err := other.Lead(ctx); !ok || err != nil {
		t.Errorf("another database: %v, %v", ok, err)
	}
	other.Release()

	// The leader's connection dies (as when its process is killed).
	if err := dbB.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := b.Lead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other replica did not take the lead after the leader's connection died")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ok, err := a.Lead(ctx); ok || a.Held() {
		t.Fatalf("the old leader still leads: %v, %v", ok, err)
	}
	b.Release()
	if b.Held() {
		t.Error("held after Release")
	}
	if ok, err := a.Lead(ctx); !ok || err != nil {
		t.Fatalf("after a release: %v, %v", ok, err)
	}
	a.Release()
	// Connections go back to the pool without the lock.
	if ok, _ := b.Lead(ctx); !ok {
		t.Fatal("the lock stayed with a pooled connection")
	}
	b.Release()
}
