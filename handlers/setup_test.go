package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

const (
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	drProject   = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	prodTarget  = "bj-prod"
	drTarget    = "sh-dr"
	testAK      = "HANDLERSTESTAK000001"
	testSK      = "handlers-test-secret-key-not-real"
	stopDelay   = 5 * time.Second
)

// clock is the simulator's settable clock. It starts at the real time,
// because the simulator checks the SDK's signature date against it (15 min).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// options vary the environment; the zero value is the demo dashboard.
type options struct {
	noDemo  bool
	timeout time.Duration // the DCS client's timeout; 0 means 10s
	// anonymous runs every request as a viewer named "anonymous" (who may
	// not stop tasks).
	anonymous bool
	// twoTargets watches two projects of the simulator: prodTarget (the
	// seeded project) and drTarget (drProject, with tasks of its own).
	twoTargets bool
	// drOperators, with twoTargets, are drTarget's own operator groups.
	drOperators []string
	// replicaOf makes this dashboard another replica of that one: the same
	// simulator, clock and database (its leases and stop budgets included).
	replicaOf *env
	// edit changes the Config (identity, OIDC, proxies, read-only, sessions)
	// before the server at baseURL, whose address OIDC needs, is built.
	edit func(t *testing.T, baseURL string, cfg *handlers.Config)
}

// env is one dashboard wired exactly like cmd/web: the real dcs.Client over
// the SDK, talking to a simulator over HTTP, behind the real Echo server.
type env struct {
	t      testing.TB
	sim    *dcssim.Simulator
	clock  *clock
	audit  *store.Audit
	url    string
	client *http.Client // cookie jar, redirects not followed
	logs   *logSink
	// simSrv and dbPath are what a replica of this dashboard shares.
	simSrv *httptest.Server
	dbPath string
}

// logSink keeps the server's log lines and echoes them to t.Log while the
// test runs (never after, which would panic).
type logSink struct {
	mu   sync.Mutex
	t    testing.TB
	buf  bytes.Buffer
	done bool
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.done {
		l.t.Helper()
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newEnv(t testing.TB, opt options) *env {
	t.Helper()
	t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "no-such-credentials"))
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "")
	sink := &logSink{t: t}
	t.Cleanup(func() { sink.mu.Lock(); sink.done = true; sink.mu.Unlock() })
	log := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))

	clk := &clock{t: time.Now().UTC()}
	simCfg := dcssim.Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, StopDelay: stopDelay, Now: clk.Now}
	if opt.twoTargets {
		simCfg.Projects = []dcssim.Project{{ID: drProject}}
	}
	sim := dcssim.New(simCfg)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	dbPath := filepath.Join(t.TempDir(), "dashboard.db")
	if r := opt.replicaOf; r != nil {
		clk, sim, simSrv, dbPath = r.clock, r.sim, r.simSrv, r.dbPath
	}

	timeout := opt.timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	clientOf := func(project string) dcs.TaskService {
		client, err := dcs.NewClient(dcs.Config{Endpoint: simSrv.URL, ProjectID: project,
			AccessKey: testAK, SecretKey: testSK, Timeout: timeout})
		if err != nil {
			t.Fatalf("dcs.NewClient: %v", err)
		}
		return client
	}
	set := targets.Single(clientOf(testProject))
	if opt.twoTargets {
		var err error
		set, err = targets.NewSet(
			&targets.Target{Name: prodTarget, DisplayName: "Beijing production", Region: "cn-north-4", ProjectID: testProject,
				Tasks: clientOf(testProject)},
			&targets.Target{Name: drTarget, Region: "cn-east-3", ProjectID: drProject, OperatorGroups: opt.drOperators,
				Tasks: clientOf(drProject)})
		if err != nil {
			t.Fatal(err)
		}
	}
	sessions, err := handlers.NewSessions([]handlers.SessionKey{handlers.RandomSessionKey()}, false, log)
	if err != nil {
		t.Fatalf("NewSessions: %v", err)
	}
	db, err := store.Open(context.Background(), "sqlite:"+dbPath)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	auditLog := store.NewAudit(db, clk.Now, log)
	identity := handlers.AuthenticateLocal()
	if opt.anonymous {
		identity = handlers.AuthenticateAs(handlers.Identity{Identity: auth.Identity{User: "anonymous"}, Role: auth.RoleViewer})
	}
	srv := httptest.NewUnstartedServer(nil) // listening, so its address is known
	t.Cleanup(srv.Close)
	cfg := handlers.Config{Targets: set, Sessions: sessions, Log: log,
		Leases: store.NewLeases(db, clk.Now), Budgets: store.NewBudgets(db, clk.Now),
		Authenticate: identity, Demo: !opt.noDemo, Refresh: time.Second, Now: clk.Now, Audit: auditLog}
	if opt.edit != nil {
		opt.edit(t.(*testing.T), "http://"+srv.Listener.Addr().String(), &cfg)
	}
	e, err := handlers.New(cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	srv.Config.Handler = e
	srv.Start()

	hc := &http.Client{Jar: newJar(), Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, sim: sim, clock: clk, audit: auditLog, url: srv.URL, client: hc, logs: sink, simSrv: simSrv, dbPath: dbPath}
}

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

// resp is an answer with its body read and parsed.
type resp struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

// find selects by data-testid.
func (r *resp) find(testID string) *goquery.Selection {
	return r.doc.Find(`[data-testid="` + testID + `"]`)
}

func (r *resp) text(testID string) string { return strings.TrimSpace(r.find(testID).First().Text()) }

// do sends req with the env's cookie jar and parses the answer.
func (e *env) do(req *http.Request) *resp {
	e.t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read %s: %v", req.URL, err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
	if err != nil {
		e.t.Fatalf("parse %s: %v", req.URL, err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: string(b), doc: doc}
}

// get fetches path; header pairs ("HX-Request", "true") are optional.
func (e *env) get(path string, header ...string) *resp {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

// post sends a form like a browser on the dashboard's own page would.
func (e *env) post(path string, form url.Values, header ...string) *resp {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

// htmx is the header htmx sends with every request it makes.
var htmx = []string{"HX-Request", "true"}

// token loads the no-JavaScript confirmation page of id (a GET that stops
// nothing) and returns the session's CSRF token from its hidden input.
func (e *env) token(id string) string {
	e.t.Helper()
	r := e.get(routes.TaskStopURL(targets.DefaultName, id))
	if r.status != http.StatusOK {
		e.t.Fatalf("confirmation page of %s: status %d", id, r.status)
	}
	tok, ok := r.doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if ok && tok != "" {
		return tok
	}
	// A task that cannot be stopped has no form; the session's token is the
	// same on every page, so take it from a task that can be.
	r = e.get(routes.TaskStopURL(targets.DefaultName, e.idWith(dcs.StatusFullMigrating)))
	tok, ok = r.doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok || tok == "" {
		e.t.Fatalf("no _csrf input on any confirmation page")
	}
	return tok
}

// stopForm is what the dialog's form posts.
func stopForm(token, reason, returnTo string) url.Values {
	return url.Values{"_csrf": {token}, "reason": {reason}, "return_to": {returnTo}}
}

// idWith returns the first task in status, failing the test if there is none.
func (e *env) idWith(status dcs.Status) string {
	e.t.Helper()
	ids := e.sim.IDsWithStatus(string(status))
	if len(ids) == 0 {
		e.t.Fatalf("the simulator has no %s task", status)
	}
	return ids[0]
}

// idNamed returns the id of the seeded task called name.
func (e *env) idNamed(name string) string {
	e.t.Helper()
	for _, task := range dcssim.Seed(e.clock.Now()) {
		if task.TaskName == name {
			return task.TaskID
		}
	}
	e.t.Fatalf("no seeded task named %q", name)
	return ""
}

// totalCalls is every upstream call so far, all operations together.
func (e *env) totalCalls() int {
	n := 0
	for _, c := range e.sim.CallCounts() {
		n += c
	}
	return n
}

func wantStatus(t testing.TB, r *resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, want, clipBody(r.body))
	}
}

var itoa = strconv.Itoa

func clipBody(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// tasksOf is the task service of the test environment's one target.
func tasksOf(cfg *handlers.Config) dcs.TaskService {
	t, _ := cfg.Targets.Only()
	return t.Tasks
}

// readyTTL is how long /readyz reuses an answer (readiness.go).
const readyTTL = 30 * time.Second

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}
