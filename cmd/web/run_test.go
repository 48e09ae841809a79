package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// TestRunDemoMode starts the real server in demo mode on a free port, reads a
// page, and shuts it down through the context as a signal would.
func TestRunDemoMode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-insecure-cookies", "-audit-log", t.TempDir() + "/audit.jsonl",
			"-db", "sqlite:" + t.TempDir() + "/dashboard.db"}, envOf(map[string]string{
			"HUAWEICLOUD_SDK_CREDENTIALS_FILE": t.TempDir() + "/none",
		}), pw, io.Discard)
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no start-up line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	m := regexp.MustCompile(`listening on (http://\S+/) \(demo mode`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("start-up line %q does not give the URL and demo mode", line)
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="demo-banner"`) ||
		!strings.Contains(string(body), `<tr id="row-`) {
		t.Fatalf("list page: status %d, demo banner or rows missing", resp.StatusCode)
	}

	for path, want := range map[string]string{
		"readyz":  "ready",
		"metrics": "dcs_dashboard_upstream_request_duration_seconds_count{code=\"none\",operation=\"ListMigrationTask\",outcome=\"ok\",target=\"bj-prod\"}",
	} {
		resp, err := http.Get(m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("/%s: status %d, %q not found", path, resp.StatusCode, want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not shut down")
	}
}

// TestRunRefusesBadConfig: a configuration mistake stops start-up with its message.
func TestRunRefusesBadConfig(t *testing.T) {
	err := run(context.Background(), []string{"-dcs-endpoint", "http://127.0.0.1:9"}, envOf(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "project id") {
		t.Fatalf("err = %v, want the missing project id named", err)
	}
}

// TestVersion: -version prints the build and starts nothing.
func TestVersion(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-version"}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "dcs-dashboard ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("-version printed %q", out.String())
	}
}

// TestRunMetricsListen: with -metrics-listen, /metrics is served on its own
// address and not with the pages, which a proxy may expose to anyone.
func TestRunMetricsListen(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-metrics-listen", "127.0.0.1:0", "-insecure-cookies",
			"-audit-log", t.TempDir() + "/audit.jsonl", "-db", "sqlite:" + t.TempDir() + "/dashboard.db"},
			envOf(map[string]string{"HUAWEICLOUD_SDK_CREDENTIALS_FILE": t.TempDir() + "/none"}), pw, io.Discard)
		pw.Close()
	}()
	out := bufio.NewReader(pr)
	first, _ := out.ReadString('\n')
	second, _ := out.ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	pages := regexp.MustCompile(`listening on (http://\S+/) `).FindStringSubmatch(first)
	scrape := regexp.MustCompile(`Metrics on (http://\S+)`).FindStringSubmatch(second)
	if pages == nil || scrape == nil {
		t.Fatalf("start-up lines %q, %q do not give both addresses", first, second)
	}
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(scrape[1]); got != http.StatusOK {
		t.Errorf("metrics address: %d, want 200", got)
	}
	if got := get(pages[1] + strings.TrimPrefix(routes.Metrics, "/")); got != http.StatusNotFound {
		t.Errorf("/metrics beside the pages: %d, want 404", got)
	}
	if got := get(pages[1] + strings.TrimPrefix(routes.Ready, "/")); got != http.StatusOK {
		t.Errorf("/readyz stays with the pages for probes: %d", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// TestAuditImportCommand: `web audit-import` adds an old JSON-lines trail
// to the database, and a second run adds nothing.
func TestAuditImportCommand(t *testing.T) {
	dir := t.TempDir()
	file, err := audit.Open(filepath.Join(dir, "audit.jsonl"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := file.Intent(audit.Record{Action: audit.ActionStop, User: "olga", TaskID: "task-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Outcome(in, audit.Record{Outcome: audit.OutcomeAccepted}); err != nil {
		t.Fatal(err)
	}
	_ = file.Close()
	args := []string{"audit-import", "-db", "sqlite:" + filepath.Join(dir, "dashboard.db"), filepath.Join(dir, "audit.jsonl")}
	for _, want := range []string{"2 records read, 1 attempts added, 1 outcomes completed", "2 records read, 0 attempts added, 0 outcomes completed"} {
		var out strings.Builder
		if err := run(context.Background(), args, envOf(nil), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("%q does not say %q", out.String(), want)
		}
	}
	if err := run(context.Background(), []string{"audit-import"}, envOf(nil), io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("no file: %v", err)
	}
}
