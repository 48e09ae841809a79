package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// TestSIGTERMDuringSlowStop sends a real SIGTERM to the real binary while a
// stop waits on a slow (simulated) DCS API, and reads the audit trail after
// the process has exited:
//   - with the derived grace (twice -dcs-timeout plus 10s) the stop finishes,
//     its outcome is written, and the process exits 0;
//   - with a grace too short for the stop, the process still exits 0 and the
//     stop's outcome is recorded as unknown rather than lost.
func TestSIGTERMDuringSlowStop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "web")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var id string
	for _, task := range dcssim.Seed(time.Now()) {
		if task.Status == "MIGRATING" {
			id = task.TaskID
			break
		}
	}
	for _, tc := range []struct {
		name    string
		args    []string
		outcome string
		status  int // what the stop's client gets; -1: whatever comes before exit
	}{
		{"derived grace lets the stop finish", []string{"-dcs-timeout", "3s",
			"-sim-faults", "task:" + id + "=delay:1500ms@StopMigrationTask"}, audit.OutcomeAccepted, http.StatusOK},
		{"short grace records unknown", []string{"-dcs-timeout", "5s", "-shutdown-grace", "300ms",
			"-sim-faults", "task:" + id + "=delay:3s@StopMigrationTask"}, audit.OutcomeUnknown, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
			cmd := exec.Command(bin, append([]string{"-listen", "127.0.0.1:0", "-insecure-cookies", "-audit-log", auditPath,
				"-db", "sqlite:" + filepath.Join(t.TempDir(), "dashboard.db")}, tc.args...)...)
			cmd.Env = []string{"HUAWEICLOUD_SDK_CREDENTIALS_FILE=" + filepath.Join(t.TempDir(), "none")}
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("no start-up line: %v\n%s", err, stderr.String())
			}
			base := regexp.MustCompile(`(http://\S+/)`).FindString(line)

			answered := postStop(t, base, id)
			time.Sleep(500 * time.Millisecond) // the stop now waits on the slow API
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if status := <-answered; tc.status >= 0 && status != tc.status {
				t.Errorf("the stop in flight was answered %d, want %d", status, tc.status)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit: %v\n%s", err, stderr.String())
			}
			if strings.Contains(stderr.String(), "file already closed") {
				t.Errorf("an audit write met a closed file:\n%s", stderr.String())
			}
			if got := outcomeIn(t, auditPath); got != tc.outcome {
				t.Errorf("audited outcome %q, want %q\n%s", got, tc.outcome, stderr.String())
			}
		})
	}
}

// postStop stops task id through the page's own form, as htmx would, and
// reports the answer's status (0 when the connection closed without one).
func postStop(t *testing.T, base, id string) <-chan int {
	t.Helper()
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
	return answered
}

// outcomeIn is the outcome of the one attempt in the audit file at path.
func outcomeIn(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var outcome string
	intents := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		switch r.Event {
		case audit.EventIntent:
			intents++
		case audit.EventOutcome:
			if outcome != "" {
				t.Errorf("two outcomes for one attempt:\n%s", b)
			}
			outcome = r.Outcome
		}
	}
	if intents != 1 {
		t.Errorf("%d intents, want 1:\n%s", intents, b)
	}
	return outcome
}
