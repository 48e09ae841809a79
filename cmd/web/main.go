// Command web is the DCS migration-task dashboard: an HTTP server for
// operations staff to see every migration task and stop a running one.
//
// With no DCS endpoint or region configured it runs in demo mode against the
// built-in simulator. Every flag and environment variable is listed once, in
// settings.go; `web -help` and README.md show them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// main turns SIGINT and SIGTERM into a graceful shutdown and an error into
// the exit status: 2 for a configuration mistake, 1 for anything else.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "web:", err)
		os.Exit(exitCode(err))
	}
}
