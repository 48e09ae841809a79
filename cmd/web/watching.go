package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/watch"
)

// errWatchOff answers a test message asked for while nothing watches.
var errWatchOff = errors.New("notifications are off: -watch-interval is 0")

// demoChannel is the channel demo mode sends to: the dashboard's own demo
// receiver page, so `make run` shows notifications arriving.
const demoChannel = "demo-receiver"

// watching runs the watcher (internal/watch) once the dashboard knows its
// own address, and answers the notifications page meanwhile.
type watching struct {
	cfg     config
	set     *targets.Set
	db      *store.DB
	trail   *store.Audit
	store   *store.Notifications
	metrics *metrics.Metrics
	log     *slog.Logger
	// demoSecret signs what demo mode sends its own receiver.
	demoSecret string

	watcher atomic.Pointer[watch.Watcher]
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

func newWatching(cfg config, set *targets.Set, db *store.DB, trail *store.Audit, m *metrics.Metrics, log *slog.Logger) *watching {
	m.SetTaskLimit(cfg.TaskMetricsMax)
	m.SetWatchInterval(cfg.WatchInterval)
	w := &watching{cfg: cfg, set: set, db: db, trail: trail, store: store.NewNotifications(db, time.Now), metrics: m, log: log}
	if cfg.demo() {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		w.demoSecret = hex.EncodeToString(b)
	}
	return w
}

// start runs the watcher until stop, with links to base (the address it
// listens on) unless -public-url says how people reach it. -watch-interval
// 0 leaves it off.
func (w *watching) start(base string) error {
	if w.cfg.WatchInterval <= 0 {
		return nil
	}
	channels := w.cfg.Channels
	public := w.cfg.PublicURL
	if w.cfg.demo() {
		if public == "" {
			public = base
		}
		channels = append(channels, notify.Channel{Name: demoChannel, Kind: "webhook", URL: base + routes.DemoReceiver,
			Secret: w.demoSecret, Lang: w.cfg.DefaultLang})
	}
	wt, err := watch.New(watch.Config{Targets: w.set, Channels: channels, Store: w.store, Lead: w.db.WatchLeadership(),
		Stops: w.trail, PublicURL: public, Interval: w.cfg.WatchInterval, StuckAfter: w.cfg.StuckAfter,
		LagThreshold: float64(w.cfg.LagThreshold), Log: w.log, Figures: w.metrics})
	if err != nil {
		return err
	}
	w.watcher.Store(wt)
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.done.Go(func() { wt.Run(ctx) })
	w.log.Info("watching tasks", "interval", w.cfg.WatchInterval.String(), "channels", len(channels))
	return nil
}

// stop ends the watcher and waits for it (sends under way finish, the
// lead is given up) before the database closes.
func (w *watching) stop() {
	if w.cancel != nil {
		w.cancel()
	}
	w.done.Wait()
}

// Channels are the channels notifications go to (none before the
// watcher has started, or with watching off).
func (w *watching) Channels() []notify.Channel {
	if wt := w.watcher.Load(); wt != nil {
		return wt.Channels()
	}
	return nil
}

// RecentDeliveries are the newest deliveries, for the notifications page.
func (w *watching) RecentDeliveries(ctx context.Context, limit int) ([]store.Delivery, error) {
	return w.store.RecentDeliveries(ctx, limit)
}

// SendTest queues a test message to channel.
func (w *watching) SendTest(ctx context.Context, channel string) (notify.Event, error) {
	wt := w.watcher.Load()
	if wt == nil {
		return notify.Event{}, errWatchOff
	}
	return wt.SendTest(ctx, channel)
}
