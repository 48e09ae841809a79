package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// dashboard is the wired application, ready to serve.
type dashboard struct {
	handler http.Handler
	where   string // where DCS calls go, for the start-up line and log
	// inflight tracks stops between their audit intent and outcome, for
	// shutdown to wait for before the audit log closes.
	inflight *handlers.StopsInFlight
	// metrics is /metrics alone, when -metrics-listen serves it apart.
	metrics http.Handler
	// watching starts once serve knows the address (demo notifications
	// go to the dashboard's own receiver).
	watching *watching
	closers  []func() // what wire opened, in the order it opened them
}

// close releases what wire opened, newest first: the audit log before the
// simulator whose stops it records.
func (d *dashboard) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
}

// wire builds the handlers from the configuration: the DCS client (against
// the built-in simulator in demo mode), the audit trail, metrics, the task
// cache, identity and sessions. On an error it closes what it had opened.
func wire(ctx context.Context, cfg config, build buildInfo, log *slog.Logger) (_ *dashboard, err error) {
	d := &dashboard{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()

	specs := cfg.targetSpecs()
	if cfg.demo() {
		demoSpecs, stopSim, err := startSimulator(cfg, log)
		if err != nil {
			return nil, err
		}
		d.closers = append(d.closers, stopSim)
		specs = demoSpecs
	}
	trail, db, err := openAuditTrail(ctx, cfg, log, d)
	if err != nil {
		return nil, err
	}

	m := metrics.New(build.Version, build.Revision, build.GoVersion)
	set, caches, where, err := buildTargets(specs, cfg, m)
	if err != nil {
		return nil, err
	}
	// Another replica's stop drops this one's cached pages of its target.
	db.ListenForStops(ctx, log, func(target string) {
		if c, ok := caches[target]; ok {
			c.Invalidate()
		}
	})
	d.where = where
	// Stopped before the database closes (closers run newest first).
	d.watching = newWatching(cfg, set, db, trail, m, log)
	d.closers = append(d.closers, d.watching.stop)
	catalog, err := i18n.Load(cfg.DefaultLang)
	if err != nil {
		return nil, err
	}
	hc := handlers.Config{
		Targets: set,
		Catalog: catalog,
		Metrics: m,

		MetricsElsewhere: cfg.MetricsListen != "",
		Log:              log,
		Demo:             cfg.demo(),
		Refresh:          cfg.Refresh,
		Audit:            trail,
		Database:         db,
		StopNotifier:     db,
		Leases:           store.NewLeases(db, time.Now),
		Budgets:          store.NewBudgets(db, time.Now),
		StaleAfter:       cfg.shutdownGrace(),
		InFlight:         handlers.NewStopsInFlight(trail, log),
		ReadOnly:         cfg.ReadOnly,
		HSTS:             cfg.HSTS,

		StopsPerMinute: cfg.StopRate,
	}
	keys, err := buildAuth(ctx, cfg, &hc)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if hc.OIDC != nil {
		// Sign-outs are kept where every replica reads them.
		hc.OIDC.Revoked = store.NewRevocations(db, hc.OIDC.Max)
	}
	if hc.Sessions, err = handlers.NewSessions(keys, !cfg.InsecureCookies, log); err != nil {
		return nil, err
	}
	if cfg.WatchInterval > 0 {
		hc.Notifications = d.watching
		if cfg.demo() {
			hc.DemoReceiver = handlers.NewDemoReceiver(d.watching.demoSecret)
		}
	}
	if d.handler, err = handlers.New(hc); err != nil {
		return nil, err
	}
	d.inflight = hc.InFlight
	if cfg.MetricsListen != "" {
		mux := http.NewServeMux()
		mux.Handle("GET "+routes.Metrics, m.Handler())
		d.metrics = mux
	}
	return d, nil
}

// buildTargets makes each target's task service: the SDK client, its
// metrics (labelled with the target) and, in front, the cache that
// coalesces identical reads and keeps list pages for -list-cache, so the
// upstream rate grows with the number of targets, not of people watching
// (unless -share-reads=false, which makes every read its own call).
// where says, for the start-up line, where each target's calls go.
func buildTargets(specs []targetSpec, cfg config, m *metrics.Metrics) (*targets.Set, map[string]*taskcache.Cache, string, error) {
	var ts []*targets.Target
	var where []string
	caches := map[string]*taskcache.Cache{}
	for _, sp := range specs {
		client, err := dcs.NewClient(sp.dcs)
		if err != nil {
			return nil, nil, "", fmt.Errorf("DCS client for target %s: %w", sp.target.Name, err)
		}
		t := sp.target
		cache := taskcache.New(m.Instrument(client, t.Name),
			taskcache.Config{ListTTL: cfg.ListCache, NoSharing: !cfg.ShareReads, OnHit: m.CacheHit, OnMiss: m.CacheMiss})
		t.Tasks, caches[t.Name] = cache, cache
		ts = append(ts, &t)
		where = append(where, t.Name+" at "+client.Endpoint())
	}
	set, err := targets.NewSet(ts...)
	if err != nil {
		return nil, nil, "", &usageError{err.Error()}
	}
	return set, caches, strings.Join(where, ", "), nil
}

// openAuditTrail opens the database (-db) with its audit trail and, with
// -audit-log, the JSON-lines file it mirrors every committed record to.
// Both close after the server has shut down (d's closers run newest first,
// so the file closes before the database).
func openAuditTrail(ctx context.Context, cfg config, log *slog.Logger, d *dashboard) (*store.Audit, *store.DB, error) {
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	d.closers = append(d.closers, func() { _ = db.Close() })
	log.Info("database open", "db", db.Where())
	trail := store.NewAudit(db, time.Now, log)
	if cfg.AuditLog != "" {
		file, err := audit.Open(cfg.AuditLog, log, time.Now)
		if err != nil {
			return nil, nil, err
		}
		d.closers = append(d.closers, func() { _ = file.Close() })
		trail.MirrorTo(file)
	}
	return trail, db, nil
}
