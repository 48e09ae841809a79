package handlers_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestRequestLogHasTheRealStatus reproduces refusals that the request log
// wrote as status 200: each refused request's line must carry the status
// the client got, its request id and the client address, so an attack can
// be traced from the log alone.
func TestRequestLogHasTheRealStatus(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	id := e.idWith(dcs.StatusFullMigrating)
	cases := map[string]struct {
		r    func() *resp
		want int
	}{
		"not signed in":  {func() *resp { return e.get("/") }, http.StatusUnauthorized},
		"no such page":   {func() *resp { return e.get("/nope", operator...) }, http.StatusNotFound},
		"bad task id":    {func() *resp { return e.get(routes.TaskURL(targets.DefaultName, "bad$id"), operator...) }, http.StatusNotFound},
		"bad page":       {func() *resp { return e.get("/?page=abc", operator...) }, http.StatusBadRequest},
		"viewer's audit": {func() *resp { return e.get("/audit", viewer...) }, http.StatusForbidden},
		"csrf refused": {func() *resp {
			return e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("wrong", "", "/"), operator...)
		}, http.StatusForbidden},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := tc.r()
			wantStatus(t, r, tc.want)
			reqID := r.header.Get("X-Request-Id")
			var line string
			for l := range strings.SplitSeq(e.logs.String(), "\n") {
				if strings.Contains(l, "msg=request ") && strings.Contains(l, "request_id="+reqID) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no request line with request_id=%s", reqID)
			}
			for _, want := range []string{"status=" + strconv.Itoa(tc.want), "remote_ip=127.0.0.1"} {
				if !strings.Contains(line, want) {
					t.Errorf("request line lacks %q: %s", want, line)
				}
			}
		})
	}
}

// TestErrorBannerCarriesRequestID proves an error banner shows the
// dashboard's request id, the same as the response header and the log line.
func TestErrorBannerCarriesRequestID(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get(routes.TaskURL(targets.DefaultName, "bad$id"))
	wantStatus(t, r, http.StatusNotFound)
	id := r.header.Get("X-Request-Id")
	if id == "" || r.text("dashboard-request-id") != id {
		t.Fatalf("banner id %q, header %q", r.text("dashboard-request-id"), id)
	}
	if !strings.Contains(e.logs.String(), "request_id="+id) {
		t.Errorf("no log line with request_id=%s", id)
	}
}
