package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
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
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-insecure-cookies", "-audit-log", auditPath,
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

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + strings.TrimPrefix(routes.TaskURL(demoTargets[0].Name, id), "/"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatal("no CSRF token on the page")
	}

	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+strings.TrimPrefix(routes.TaskStopURL(demoTargets[0].Name, id), "/"),
			strings.NewReader(url.Values{"_csrf": {string(token[1])}, "reason": {"shutdown test"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		r, err := client.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		r.Body.Close()
		answered <- r.StatusCode
	}()
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
