package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/metrics"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// shutdownGrace bounds how long in-flight requests (a stop among them) may
// take to finish after SIGINT or SIGTERM.
const shutdownGrace = 30 * time.Second

// run builds the dashboard from its arguments and environment and serves
// until ctx ends. Tests call it to start the real server.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	build := currentBuild()
	if cfg.Version {
		fmt.Fprintln(stdout, build)
		return nil
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	log.Info("starting", "version", build.Version, "revision", build.Revision, "go", build.GoVersion)

	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
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
			return err
		}
		closers = append(closers, stopSim)
		dcsCfg = simCfg
	}
	client, err := dcs.NewClient(dcsCfg)
	if err != nil {
		return fmt.Errorf("DCS client: %w", err)
	}

	auditLog, err := audit.Open(cfg.AuditLog, log, time.Now)
	if err != nil {
		return err
	}
	closers = append(closers, func() { _ = auditLog.Close() })

	m := metrics.New(build.Version, build.Revision, build.GoVersion)
	// Metrics measure the real upstream calls; the cache in front of them
	// coalesces identical reads and keeps list pages for -list-cache, so the
	// upstream rate does not grow with the number of people watching.
	tasks := taskcache.New(m.Instrument(client), taskcache.Config{ListTTL: cfg.ListCache, OnHit: m.CacheHit, OnMiss: m.CacheMiss})
	hc := handlers.Config{
		Tasks:    tasks,
		Metrics:  m,
		Log:      log,
		Demo:     cfg.demo(),
		Refresh:  cfg.Refresh,
		Audit:    auditLog,
		ReadOnly: cfg.ReadOnly,
		HSTS:     cfg.HSTS,

		StopsPerMinute: cfg.StopRate,
	}
	keys, err := buildAuth(ctx, cfg, &hc)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if hc.Sessions, err = handlers.NewSessions(keys, !cfg.InsecureCookies, log); err != nil {
		return err
	}
	e, err := handlers.New(hc)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A page makes a few bounded DCS calls in sequence; leave room for them.
		WriteTimeout: 3*cfg.DCSTimeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String() + "/"
	mode := "DCS API at " + client.Endpoint()
	if cfg.demo() {
		mode = "demo mode: built-in DCS simulator at " + client.Endpoint()
	}
	fmt.Fprintf(stdout, "Dashboard listening on %s (%s)\n", url, mode)
	log.Info("dashboard started", "url", url, "dcs_endpoint", client.Endpoint(), "demo", cfg.demo(), "auth", cfg.Auth)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down; waiting for in-flight requests", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
