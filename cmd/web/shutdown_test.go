package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// TestShutdownLetsStopFinish: a stop in flight when SIGTERM arrives is
// answered, and its audit outcome written, before run returns.
func TestShutdownLetsStopFinish(t *testing.T) {
	var id string
	for _, task := range dcssim.Seed(time.Now()) {
		if task.Status == "MIGRATING" {
			id = task.TaskID
			break
		}
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-insecure-cookies", "-audit-log", auditPath, "-db", "sqlite:" + t.TempDir() + "/dashboard.db",
			"-sim-faults", "task:" + id + "=delay:1500ms@StopMigrationTask"},
			envOf(map[string]string{"HUAWEICLOUD_SDK_CREDENTIALS_FILE": t.TempDir() + "/none"}), pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := regexp.MustCompile(`(http://\S+/)`).FindString(line)

	answered := postStop(t, base, id)
	time.Sleep(300 * time.Millisecond) // the stop is now waiting on the slow API
	cancel()                           // what SIGTERM does

	if status := <-answered; status != http.StatusOK {
		t.Fatalf("the stop in flight was answered %d, want 200", status)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	b, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"event":"outcome"`) || !strings.Contains(string(b), `"outcome":"`+audit.OutcomeAccepted+`"`) {
		t.Fatalf("no accepted outcome in the audit log:\n%s", b)
	}
}
