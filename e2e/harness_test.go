//go:build e2e

// Package e2e drives the real dashboard binary in Chromium with playwright-go.
// Each test starts its own simulator and its own dashboard process, so no test
// depends on another's state; the browser is shared, with a fresh context per
// test. Run with `make e2e` (it installs Chromium and the Playwright driver).
package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

const (
	projectID = "e2e-project"
	accessKey = "E2EACCESSKEY"
	secretKey = "e2e-secret-key-not-a-real-one"
)

var (
	webBinary string
	browser   playwright.Browser
	expect    = playwright.NewPlaywrightAssertions(10000)
)

func TestMain(m *testing.M) {
	code := runMain(m)
	pgtest.StopShared()
	os.Exit(code)
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "dcs-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	webBinary = filepath.Join(dir, "web")
	build := exec.Command("go", "build", "-o", webBinary, "../cmd/web")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the dashboard:", err)
		return 1
	}

	pw, err := playwright.Run(&playwright.RunOptions{SkipInstallBrowsers: true, Verbose: false})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting Playwright (run through `make e2e`, which installs the driver):", err)
		return 1
	}
	defer pw.Stop()
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	browser, err = pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromium),
		// Chromium's own background traffic would try to leave this machine.
		Args: []string{"--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "launching Chromium:", err)
		return 1
	}
	defer browser.Close()
	return m.Run()
}

// env is one simulator and one dashboard process serving it.
type env struct {
	sim     *dcssim.Simulator
	simURL  string
	baseURL string
	log     *syncBuffer
	// stop ends the dashboard (SIGTERM) before the test does.
	stop func()
	// kill ends it at once (SIGKILL), as a crash or a lost machine would.
	kill func()
}

type envOptions struct {
	stopDelay time.Duration
	timeout   time.Duration
	extraArgs []string
	// targets watches two projects of the simulator through a -config file:
	// prodTarget (projectID) and stagingTarget (stagingProject), whose
	// operators are stagingOperators alone.
	targets bool
	// db is the dashboard's -db; "" means a new SQLite file.
	db string
	// replicaOf runs this dashboard against that one's simulator: a
	// second replica, or the same dashboard started again.
	replicaOf *env
	// watch turns the task watcher on (-watch-interval); off by default,
	// so its reads never land in another test's count of calls.
	watch time.Duration
	// config is a -config file's text (targets, notify channels); with
	// targets it is appended to the targets' file.
	config string
	// env adds NAME=value entries to the dashboard's environment.
	env []string
}

// The targets of envOptions.targets.
const (
	prodTarget       = "bj-prod"
	stagingTarget    = "sh-staging"
	stagingProject   = "3d4e5f60718293a4b5c6d7e8f90a1b2c"
	stagingOperators = "dcs-staging-operators"
)

var listening = regexp.MustCompile(`listening on (http://\S+/)`)

// newEnv starts the simulator in this process (so the test can inject faults
// and count calls) and the real dashboard binary against it.
func newEnv(t *testing.T, opt envOptions) *env {
	t.Helper()
	if opt.stopDelay == 0 {
		opt.stopDelay = 1500 * time.Millisecond
	}
	if opt.timeout == 0 {
		opt.timeout = 5 * time.Second
	}
	simCfg := dcssim.Config{ProjectID: projectID, AccessKey: accessKey, SecretKey: secretKey, StopDelay: opt.stopDelay}
	if opt.targets {
		simCfg.Projects = []dcssim.Project{{ID: stagingProject}}
	}
	var sim *dcssim.Simulator
	var simURL string
	if r := opt.replicaOf; r != nil {
		sim, simURL = r.sim, r.simURL
	} else {
		sim = dcssim.New(simCfg)
		simSrv := httptest.NewServer(sim)
		t.Cleanup(simSrv.Close)
		simURL = simSrv.URL
	}
	if opt.db == "" {
		opt.db = "sqlite:" + filepath.Join(t.TempDir(), "dashboard.db")
	}

	where := []string{"-dcs-endpoint", simURL, "-dcs-project-id", projectID}
	switch {
	case opt.targets:
		where = []string{"-config", targetsFile(t, simURL, opt.config)}
	case opt.config != "":
		path := filepath.Join(t.TempDir(), "dashboard.yaml")
		if err := os.WriteFile(path, []byte(opt.config), 0o600); err != nil {
			t.Fatal(err)
		}
		where = append(where, "-config", path)
	}
	where = append(where, "-watch-interval", opt.watch.String())
	args := append(append(where, "-listen", "127.0.0.1:0", "-dcs-timeout", opt.timeout.String(), "-refresh", "400ms",
		"-audit-log", filepath.Join(t.TempDir(), "audit.jsonl"), "-db", opt.db), opt.extraArgs...)
	cmd := exec.Command(webBinary, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"HUAWEICLOUD_SDK_AK=" + accessKey,
		"HUAWEICLOUD_SDK_SK=" + secretKey,
		"HUAWEICLOUD_SDK_CREDENTIALS_FILE=" + filepath.Join(t.TempDir(), "no-credentials"),
		"E2E_AK=" + accessKey,
		"E2E_SK=" + secretKey,
	}
	cmd.Env = append(cmd.Env, opt.env...)
	logs := &syncBuffer{}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("dashboard log:\n%s", logs.String())
		}
	})

	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlCh <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-urlCh:
	case <-time.After(20 * time.Second):
		t.Fatalf("dashboard did not start; log:\n%s", logs.String())
	}
	waitHealthy(t, base)
	kill := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	return &env{sim: sim, simURL: simURL, baseURL: base, log: logs, stop: stop, kill: kill}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("dashboard never became healthy")
}

// newPage opens a fresh browser context. Console errors (CSP violations
// included) fail the test: the dashboard must run clean under its own policy.
func newPage(t *testing.T, javaScript bool) playwright.Page {
	t.Helper()
	return newPageAllowing(t, javaScript)
}

// newPageAllowing is newPage for a test that provokes console errors on
// purpose; each allowed entry is a substring of an expected message.
func newPageAllowing(t *testing.T, javaScript bool, allowed ...string) playwright.Page {
	t.Helper()
	return newPageWith(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(javaScript)}, allowed...)
}

// newPageWith is a page in a new browser context made with opts (headers
// every request sends, say).
func newPageWith(t *testing.T, opts playwright.BrowserNewContextOptions, allowed ...string) playwright.Page {
	t.Helper()
	ctx, err := browser.NewContext(opts)
	if err != nil {
		t.Fatal(err)
	}
	page, err := ctx.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var consoleErrors []string
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() == "error" {
			mu.Lock()
			consoleErrors = append(consoleErrors, m.Text())
			mu.Unlock()
		}
	})
	page.OnPageError(func(err error) {
		mu.Lock()
		consoleErrors = append(consoleErrors, "page error: "+err.Error())
		mu.Unlock()
	})
	t.Cleanup(func() {
		if t.Failed() {
			dir := filepath.Join("artifacts")
			_ = os.MkdirAll(dir, 0o755)
			name := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".png")
			if _, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(name), FullPage: playwright.Bool(true)}); err == nil {
				t.Logf("screenshot: e2e/%s", name)
			}
		}
		mu.Lock()
		errs := append([]string(nil), consoleErrors...)
		mu.Unlock()
		_ = ctx.Close()
	next:
		for _, e := range errs {
			if expectedConsoleError(e) {
				continue
			}
			for _, a := range allowed {
				if strings.Contains(e, a) {
					continue next
				}
			}
			t.Errorf("browser console error: %s", e)
		}
	})
	return page
}

// expectedConsoleError lets through the browser's own report of an HTTP error
// status that a test provoked on purpose (the page shows a banner for it).
func expectedConsoleError(msg string) bool {
	return strings.HasPrefix(msg, "Failed to load resource: the server responded with a status of")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func goTo(t *testing.T, page playwright.Page, url string) {
	t.Helper()
	resp, err := page.Goto(url)
	must(t, err)
	if resp == nil || resp.Status() >= 400 {
		t.Fatalf("GET %s: unexpected response", url)
	}
}

// syncBuffer collects the dashboard's log while the process writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// targetsFile writes the -config file of envOptions.targets: two targets on
// the one simulator, credentials named by environment variables.
func targetsFile(t *testing.T, simURL, more string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dashboard.yaml")
	text := "targets:\n" +
		"  - name: " + prodTarget + "\n    display_name: Beijing production\n    endpoint: " + simURL +
		"\n    project_id: " + projectID + "\n    ak_env: E2E_AK\n    sk_env: E2E_SK\n" +
		"  - name: " + stagingTarget + "\n    endpoint: " + simURL + "\n    project_id: " + stagingProject +
		"\n    ak_env: E2E_AK\n    sk_env: E2E_SK\n    operator_groups: [" + stagingOperators + "]\n" + more
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
