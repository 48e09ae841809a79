package dcs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// These tests use small hand-written servers for answers the simulator
// does not give: redirects, 204, empty and oversized bodies.

const taskID = "11111111-2222-4333-8444-555555555555"

// taskBody is a valid detail answer: what a redirect target might serve.
const taskBody = `{"task_id":"` + taskID + `","status":"TERMINATING","migration_type":"online_migration"}`

// rawClient is a Client for a hand-written handler on loopback.
func rawClient(t *testing.T, h http.HandlerFunc) *dcs.Client {
	t.Helper()
	dcs.IsolateEnv(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: simProject,
		AccessKey: simAK, SecretKey: simSK, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientRedirectIsNeverSuccess(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(taskBody))
	}))
	defer target.Close()
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-302")
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	})

	_, err := c.Stop(context.Background(), taskID)
	e := wantAPIError(t, err, dcs.OpStop, dcs.KindResponse)
	if e.HTTPStatus != http.StatusFound || e.RequestID != "req-302" || !strings.Contains(e.Message, "redirect") {
		t.Errorf("302 = %#v", e)
	}
	if strings.Contains(e.Error(), target.URL) || strings.Contains(e.Error(), "<a href") {
		t.Errorf("the error shows the redirect body or target: %s", e)
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

func TestClientEmptyAnswers(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"204 No Content": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"200 empty":      func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) },
		"200 null":       func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("null")) },
	} {
		t.Run(name, func(t *testing.T) {
			c := rawClient(t, h)
			_, err := c.Stop(context.Background(), taskID)
			e := wantAPIError(t, err, dcs.OpStop, dcs.KindDecode)
			// A success status without a readable task: the stop may have
			// happened, so the answer must count as ambiguous.
			if e.HTTPStatus < 200 || e.HTTPStatus > 299 || !e.Ambiguous() {
				t.Errorf("%s = %#v", name, e)
			}
		})
	}
}

func TestClientOversizedBodies(t *testing.T) {
	big := `{"task_id":"` + strings.Repeat("x", 9<<20) + `"}`
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(big)) })
	_, err := c.Show(context.Background(), taskID)
	if e := wantAPIError(t, err, dcs.OpShow, dcs.KindDecode); !strings.Contains(e.Message, "larger") {
		t.Errorf("9 MiB body = %#v", e)
	}

	hugeError := `{"error_code":"DCS.5000","error_msg":"` + strings.Repeat("y", 100<<10) + `"}`
	c = rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(hugeError))
	})
	_, err = c.Show(context.Background(), taskID)
	e := wantAPIError(t, err, dcs.OpShow, dcs.KindResponse)
	if e.HTTPStatus != 500 || len(e.Message) > 2048 {
		t.Errorf("error body past the read limit = status %d, %d-byte message", e.HTTPStatus, len(e.Message))
	}
}

func TestClientRequestOnTheWire(t *testing.T) {
	var got http.Header
	var path, query string
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		got, path, query = r.Header.Clone(), r.URL.Path, r.URL.RawQuery
		_, _ = w.Write([]byte(`{"log_num": 0, "migration_logs": []}`))
	})
	if _, err := c.Logs(context.Background(), taskID, dcs.LogOptions{Offset: 20, Limit: 10, Level: "error"}); err != nil {
		t.Fatal(err)
	}
	if want := "/v2/" + simProject + "/migration-task/" + taskID + "/logs"; path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	for _, q := range []string{"offset=20", "limit=10", "log_level=ERROR"} {
		if !strings.Contains(query, q) {
			t.Errorf("query %q lacks %s", query, q)
		}
	}
	if !strings.HasPrefix(got.Get("Authorization"), "SDK-HMAC-SHA256 Access="+simAK) ||
		got.Get("X-Project-Id") != simProject || !strings.Contains(got.Get("User-Agent"), "dcs-dashboard") {
		t.Errorf("headers = %v", got)
	}
	for name := range got {
		if strings.Contains(strings.ToLower(name), "dashboard_call") {
			t.Errorf("the internal call header reached the server: %s", name)
		}
	}
}
