package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dcs-dashboard/migrations/internal/routes"
)

// run builds the dashboard from its arguments and environment and serves
// until ctx ends. Tests call it to start the real server.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == auditImportCommand {
		return runAuditImport(ctx, args[1:], getenv, stdout, stderr)
	}
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
	stopTuning := tuneCollector(cfg.MemoryLimit, getenv, log)
	defer stopTuning()

	d, err := wire(ctx, cfg, build, log)
	if err != nil {
		return err
	}
	// Closed only after serve returns, so requests that finish during the
	// shutdown grace can still write their audit outcome.
	defer d.close()
	return serve(ctx, cfg, d, stdout, log)
}

// serve listens on -listen, says where, and serves d until ctx ends; then it
// lets requests in flight finish for up to the shutdown grace. Stops still
// unanswered then are recorded as unknown before run closes the audit log.
func serve(ctx context.Context, cfg config, d *dashboard, stdout io.Writer, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           d.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A page makes a few bounded DCS calls in sequence; leave room for them.
		WriteTimeout: 3*cfg.DCSTimeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := d.watching.start("http://" + ln.Addr().String()); err != nil {
		_ = ln.Close()
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	mode := "DCS API: " + d.where
	if cfg.demo() {
		mode = "demo mode: built-in DCS simulator, " + d.where
	}
	fmt.Fprintf(stdout, "Dashboard listening on %s (%s)\n", url, mode)
	log.Info("dashboard started", "url", url, "dcs", d.where, "demo", cfg.demo(), "auth", cfg.Auth)
	if !cfg.ShareReads {
		log.Warn("DCS reads are not shared (-share-reads=false): every page makes its own calls, for measurement only")
	}

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	if d.metrics != nil {
		stopMetrics, err := serveMetrics(cfg.MetricsListen, d.metrics, stdout, log, serveErr)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer stopMetrics()
	}
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	grace := cfg.shutdownGrace()
	log.Info("shutting down; waiting for in-flight requests", "grace", grace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("requests still in flight when the shutdown grace ran out", "err", err.Error())
	}
	// Shutdown returns once every handler has; if the grace ran out first,
	// the stops still waiting for the API are recorded now, as unknown.
	if !d.inflight.Wait(shutdownCtx) {
		n := d.inflight.Abandon()
		log.Warn("stops recorded as unknown at exit", "count", n)
		return nil
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// serveMetrics serves /metrics alone on addr (-metrics-listen), reporting a
// failure to serve on errs; the returned func stops it (scrapes need no grace).
func serveMetrics(addr string, h http.Handler, stdout io.Writer, log *slog.Logger, errs chan<- error) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("metrics: %w", err)
		}
	}()
	url := "http://" + ln.Addr().String() + routes.Metrics
	fmt.Fprintf(stdout, "Metrics on %s\n", url)
	log.Info("metrics served apart", "url", url)
	return func() { _ = srv.Close() }, nil
}
