package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dcs-dashboard/migrations/internal/store"
)

// auditImportCommand is `web audit-import [flags] FILE`: it adds a
// JSON-lines audit trail (the file the dashboard kept before its database,
// or a mirror) to the database -db names, so no history is lost on upgrade.
// Importing the same file twice adds nothing.
const auditImportCommand = "audit-import"

func runAuditImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[len(args)-1] == "" || args[len(args)-1][0] == '-' {
		return &usageError{"usage: web audit-import [-db DSN] [-config FILE] FILE.jsonl"}
	}
	path := args[len(args)-1]
	cfg, err := parseConfig(args[:len(args)-1], getenv, stderr)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return &usageError{"audit-import: " + err.Error()}
	}
	defer f.Close()
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := store.NewAudit(db, time.Now, nil).Import(ctx, f)
	fmt.Fprintf(stdout, "%s: %d records read, %d attempts added, %d outcomes completed, %d lines skipped, into %s\n",
		path, rep.Read, rep.Added, rep.Completed, rep.Skipped, db.Where())
	return err
}
