//go:build e2e

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store/pgtest"
)

// hook is a webhook receiver on loopback that checks every signature.
type hook struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    []notify.WebhookPayload
	bad    int
	srv    *httptest.Server
}

func newHook(t *testing.T, secret string) *hook {
	h := &hook{t: t, secret: secret}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var p notify.WebhookPayload
		h.mu.Lock()
		defer h.mu.Unlock()
		if notify.VerifyWebhook(h.secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute) != nil ||
			json.Unmarshal(body, &p) != nil {
			h.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		h.got = append(h.got, p)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// of are the deliveries of one task and kind.
func (h *hook) of(taskID, kind string) []notify.WebhookPayload {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []notify.WebhookPayload
	for _, p := range h.got {
		if p.TaskID == taskID && p.Event == kind {
			out = append(out, p)
		}
	}
	return out
}

// TestNotificationsDeliveredOnce: the real dashboard, watching every
// second, tells a signed webhook on loopback that a task failed, once,
// and once only after it is restarted on the same database; the
// notifications page shows the delivery.
func TestNotificationsDeliveredOnce(t *testing.T) {
	h := newHook(t, "e2e-secret")
	opts := envOptions{watch: time.Second,
		config: "notify:\n  - name: e2e-hook\n    kind: webhook\n    url_env: E2E_HOOK_URL\n    secret_env: E2E_HOOK_SECRET\n",
		env:    []string{"E2E_HOOK_URL=" + h.srv.URL + "/hook", "E2E_HOOK_SECRET=" + h.secret},
		db:     "sqlite:" + filepath.Join(t.TempDir(), "dashboard.db")}
	e := newEnv(t, opts)
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	time.Sleep(2500 * time.Millisecond) // the watcher's first sight of the task
	must(t, e.sim.SetStatus(task.TaskID, "FAILED"))
	waitUntil(t, 15*time.Second, "the failure told", func() bool { return len(h.of(task.TaskID, notify.EventFailed)) == 1 })
	p := h.of(task.TaskID, notify.EventFailed)[0]
	if p.NewStatus != "FAILED" || p.OldStatus != "MIGRATING" || p.TaskName != task.TaskName || p.ID == "" {
		t.Errorf("the delivery: %+v", p)
	}

	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.Notifications))
	must(t, expect.Locator(page.GetByText(task.TaskName).First()).ToBeVisible())
	// Closed before the dashboard stops: a read of the open page while it is
	// down would be a refused connection in the browser's console.
	must(t, page.Close())

	// Started again on the same database: nothing told twice.
	opts.replicaOf = e
	e.stop()
	again := newEnv(t, opts)
	time.Sleep(3 * time.Second)
	if n := len(h.of(task.TaskID, notify.EventFailed)); n != 1 {
		t.Errorf("after a restart the failure was told %d times, want once", n)
	}
	other := findTask(t, again.sim, withStatus("FULLMIGRATING"))
	must(t, again.sim.SetStatus(other.TaskID, "SUCCESS"))
	waitUntil(t, 15*time.Second, "the success told", func() bool { return len(h.of(other.TaskID, notify.EventFinished)) == 1 })
	time.Sleep(2 * time.Second)
	if n := len(h.of(other.TaskID, notify.EventFinished)); n != 1 {
		t.Errorf("the success was told %d times, want once", n)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.bad != 0 {
		t.Errorf("%d deliveries with a bad signature", h.bad)
	}
}

// waitUntil polls cond every 100 ms until it holds or d has passed.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNotificationsSurviveAKilledReplica: two dashboards share one
// PostgreSQL and watch every second; one of them watches and sends. A
// change is told once while both run; the watching one is killed (SIGKILL)
// and the other takes over: the next change is told, once.
func TestNotificationsSurviveAKilledReplica(t *testing.T) {
	dsn := pgtest.Shared(t)
	h := newHook(t, "e2e-secret")
	opts := envOptions{watch: time.Second, db: dsn,
		config: "notify:\n  - name: e2e-hook\n    kind: webhook\n    url_env: E2E_HOOK_URL\n    secret_env: E2E_HOOK_SECRET\n",
		env:    []string{"E2E_HOOK_URL=" + h.srv.URL + "/hook", "E2E_HOOK_SECRET=" + h.secret}}
	a := newEnv(t, opts)
	opts.replicaOf = a
	b := newEnv(t, opts)
	time.Sleep(2500 * time.Millisecond) // first sight of every task

	first := findTask(t, a.sim, withStatus("MIGRATING"))
	must(t, a.sim.SetStatus(first.TaskID, "FAILED"))
	waitUntil(t, 15*time.Second, "the failure told", func() bool { return len(h.of(first.TaskID, notify.EventFailed)) >= 1 })
	time.Sleep(2 * time.Second)
	if n := len(h.of(first.TaskID, notify.EventFailed)); n != 1 {
		t.Fatalf("with two replicas the failure was told %d times, want once", n)
	}

	// Kill whichever replica watches (the log says), then change a task.
	leader, other := a, b
	if !strings.Contains(a.log.String(), "this replica watches the tasks") {
		leader, other = b, a
	}
	leader.kill()
	second := findTask(t, other.sim, withStatus("FULLMIGRATING"))
	must(t, other.sim.SetStatus(second.TaskID, "SUCCESS"))
	waitUntil(t, 20*time.Second, "the success told by the other replica", func() bool {
		return len(h.of(second.TaskID, notify.EventFinished)) >= 1
	})
	time.Sleep(2 * time.Second)
	if n := len(h.of(second.TaskID, notify.EventFinished)); n != 1 {
		t.Errorf("after the takeover the success was told %d times, want once", n)
	}
	if n := len(h.of(first.TaskID, notify.EventFailed)); n != 1 {
		t.Errorf("after the takeover the first failure has been told %d times, want once", n)
	}
	if !strings.Contains(other.log.String(), "this replica watches the tasks") {
		t.Error("the surviving replica never said it took over")
	}
}
