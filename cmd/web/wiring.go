package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// dashboard is the wired application, ready to serve.
type dashboard struct {
	handler     http.Handler
	dcsEndpoint string // where DCS calls go, for the start-up line and log
	// inflight tracks stops between their audit intent and outcome, for
	// shutdown to wait for before the audit log closes.
	inflight *handlers.StopsInFlight
	// metrics is /metrics alone, when -metrics-listen serves it apart.
	metrics http.Handler
	closers []func() // what wire opened, in the order it opened them
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

	dcsCfg := dcs.Config{
		Region:      cfg.DCSRegion,
		Endpoint:    cfg.DCSEndpoint,
		ProjectID:   cfg.DCSProjectID,
		Timeout:     cfg.DCSTimeout,
		UseMetadata: cfg.DCSMetadata,
	}
	if cfg.demo() {
		simCfg, stopSim, err := startSimulator(cfg, log)
		if err != nil {
			return nil, err
		}
		d.closers = append(d.closers, stopSim)
		dcsCfg = simCfg
	}
	client, err := dcs.NewClient(dcsCfg)
	if err != nil {
		return nil, fmt.Errorf("DCS client: %w", err)
	}
	d.dcsEndpoint = client.Endpoint()

	auditLog, err := audit.Open(cfg.AuditLog, log, time.Now)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, func() { _ = auditLog.Close() })

	m := metrics.New(build.Version, build.Revision, build.GoVersion)
	// Metrics measure the real upstream calls; the cache in front of them
	// coalesces identical reads and keeps list pages for -list-cache, so the
	// upstream rate does not grow with the number of people watching.
	tasks := taskcache.New(m.Instrument(client, targets.DefaultName),
		taskcache.Config{ListTTL: cfg.ListCache, OnHit: m.CacheHit, OnMiss: m.CacheMiss})
	hc := handlers.Config{
		Targets: targets.Single(tasks),
		Metrics: m,

		MetricsElsewhere: cfg.MetricsListen != "",
		Log:              log,
		Demo:             cfg.demo(),
		Refresh:          cfg.Refresh,
		Audit:            auditLog,
		InFlight:         handlers.NewStopsInFlight(auditLog, log),
		ReadOnly:         cfg.ReadOnly,
		HSTS:             cfg.HSTS,

		StopsPerMinute: cfg.StopRate,
	}
	keys, err := buildAuth(ctx, cfg, &hc)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if hc.Sessions, err = handlers.NewSessions(keys, !cfg.InsecureCookies, log); err != nil {
		return nil, err
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

// startSimulator serves the built-in DCS simulator on a loopback port with
// credentials made up for this process, and returns the client configuration
// that reaches it. Nothing in demo mode leaves the machine.
func startSimulator(cfg config, log *slog.Logger) (dcs.Config, func(), error) {
	faults, err := dcssim.ParseFaults(cfg.SimFaults)
	if err != nil {
		return dcs.Config{}, nil, &usageError{"-sim-faults: " + err.Error()}
	}
	ak, sk := randomHex(10), randomHex(20)
	sim := dcssim.New(dcssim.Config{ProjectID: "demo-project", AccessKey: ak, SecretKey: sk})
	sim.SetFaults(faults)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return dcs.Config{}, nil, fmt.Errorf("simulator listen: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("simulator stopped", "err", err.Error())
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return dcs.Config{
		Endpoint:  "http://" + ln.Addr().String(),
		ProjectID: "demo-project",
		AccessKey: ak,
		SecretKey: sk,
		Timeout:   cfg.DCSTimeout,
	}, stop, nil
}

// randomHex is n random bytes in hex: the demo simulator's made-up credentials.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
