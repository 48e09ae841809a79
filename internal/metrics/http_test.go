package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

const httpMetric = "dcs_dashboard_http_request_duration_seconds"

// errUpstream stands for an error only the application's error handler
// knows the status of, like handlers' upstreamStatus.
var errUpstream = errors.New("upstream failed")

// newTestEcho mirrors handlers.New's shape: Recover, then the metrics, a
// group with middleware (which registers RouteNotFound "/*" and ""), routes
// with parameters, and an error handler that picks its own statuses.
// handled, if not nil, counts the error handler's calls.
func newTestEcho(m *Metrics, handled *atomic.Int32) *echo.Echo {
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if handled != nil {
			handled.Add(1)
		}
		if c.Response().Committed {
			return
		}
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		switch {
		case errors.As(err, &he):
			status = he.Code
		case errors.Is(err, errUpstream):
			status = http.StatusBadGateway
		}
		_ = c.String(status, "error page")
	}
	e.Use(middleware.Recover(), m.EchoMiddleware())

	pass := func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	pages := e.Group("", pass)
	read := []string{http.MethodGet, http.MethodHead}
	pages.Match(read, routes.List, func(c echo.Context) error { return c.String(http.StatusOK, "list") })
	pages.Match(read, routes.Task, func(c echo.Context) error {
		switch c.Param("id") {
		case "missing":
			return echo.NewHTTPError(http.StatusNotFound, "no such task")
		case "upstream":
			return fmt.Errorf("show: %w", errUpstream)
		}
		return c.String(http.StatusOK, "task")
	})
	pages.POST(routes.TaskStop, func(c echo.Context) error { return c.NoContent(http.StatusSeeOther) })
	e.GET("/panic", func(echo.Context) error { panic("handler bug") })
	e.GET("/inflight", func(c echo.Context) error {
		return c.String(http.StatusOK, fmt.Sprint(testutil.ToFloat64(m.httpInFlight)))
	})
	return e
}

func serve(e *echo.Echo, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func httpLabels(route, method, status string) map[string]string {
	return map[string]string{"route": route, "method": method, "status": status}
}

func TestMiddlewareRecordsRoutePattern(t *testing.T) {
	m := New("v", "r", "go")
	e := newTestEcho(m, nil)
	for _, target := range []string{routes.TaskURL(targets.DefaultName, "abc-123"), routes.TaskURL(targets.DefaultName, "def-456"), routes.TaskURL(targets.DefaultName, "abc-123") + "?tab=logs"} {
		if rec := serve(e, http.MethodGet, target); rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", target, rec.Code)
		}
	}
	serve(e, http.MethodHead, routes.TaskURL(targets.DefaultName, "abc-123"))
	serve(e, http.MethodPost, routes.TaskStopURL(targets.DefaultName, "abc-123"))
	serve(e, http.MethodGet, routes.List)

	for _, c := range []struct {
		labels map[string]string
		want   uint64
	}{
		{httpLabels(routes.Task, "GET", "200"), 3},
		{httpLabels(routes.Task, "HEAD", "200"), 1},
		{httpLabels(routes.TaskStop, "POST", "303"), 1},
		{httpLabels(routes.List, "GET", "200"), 1},
	} {
		if got := histogramCount(t, m, httpMetric, c.labels); got != c.want {
			t.Errorf("%v: %d observations, want %d", c.labels, got, c.want)
		}
	}
	for _, route := range labelValues(t, m, httpMetric, "route") {
		if strings.Contains(route, "abc") || strings.Contains(route, "def") {
			t.Errorf("route label %q holds a raw path", route)
		}
	}
}

func TestMiddlewareUnmatchedIsBounded(t *testing.T) {
	m := New("v", "r", "go")
	e := newTestEcho(m, nil)
	// Scanners' probes: each distinct, none routed. The group's RouteNotFound
	// "/*" answers them, which must not be mistaken for a route.
	for i := range 50 {
		serve(e, http.MethodGet, fmt.Sprintf("/wp-admin/%d/x.php", i))
	}
	serve(e, http.MethodGet, "/tasks")
	serve(e, http.MethodGet, routes.TaskURL(targets.DefaultName, "abc")+"/nope")
	if got := histogramCount(t, m, httpMetric, httpLabels(Unmatched, "GET", "404")); got != 52 {
		t.Errorf("unmatched 404s: %d observations, want 52", got)
	}

	// A known path with a method it does not take is unmatched too.
	rec := serve(e, http.MethodDelete, routes.TaskURL(targets.DefaultName, "abc"))
	status := fmt.Sprint(rec.Code)
	if got := histogramCount(t, m, httpMetric, httpLabels(Unmatched, "DELETE", status)); got != 1 {
		t.Errorf("DELETE %s (%s): %d unmatched observations, want 1", routes.TaskURL(targets.DefaultName, "abc"), status, got)
	}

	// Made-up methods collapse into "other".
	for _, method := range []string{"BREW", "PROPFIND", "X-" + strings.Repeat("A", 40)} {
		serve(e, method, routes.TaskURL(targets.DefaultName, "abc"))
	}
	for _, method := range labelValues(t, m, httpMetric, "method") {
		if method != "GET" && method != "DELETE" && method != "other" {
			t.Errorf("method label %q, want GET, DELETE or other", method)
		}
	}
	if n := testutil.CollectAndCount(m.httpDuration); n > 4 {
		t.Errorf("%d HTTP series after 56 junk requests, want at most 4", n)
	}
}

func TestMiddlewareStatusFromErrorHandler(t *testing.T) {
	m := New("v", "r", "go")
	var handled atomic.Int32
	e := newTestEcho(m, &handled)

	// A real route answering 404 itself keeps its pattern.
	if rec := serve(e, http.MethodGet, routes.TaskURL(targets.DefaultName, "missing")); rec.Code != http.StatusNotFound {
		t.Fatalf("GET %s = %d, want 404", routes.TaskURL(targets.DefaultName, "missing"), rec.Code)
	}
	if got := histogramCount(t, m, httpMetric, httpLabels(routes.Task, "GET", "404")); got != 1 {
		t.Errorf("route 404: %d observations, want 1", got)
	}

	// The status only the error handler knows is the one recorded, and the
	// error is handled exactly once.
	handled.Store(0)
	if rec := serve(e, http.MethodGet, routes.TaskURL(targets.DefaultName, "upstream")); rec.Code != http.StatusBadGateway {
		t.Fatalf("GET %s = %d, want 502", routes.TaskURL(targets.DefaultName, "upstream"), rec.Code)
	}
	if n := handled.Load(); n != 1 {
		t.Errorf("error handler ran %d times, want 1", n)
	}
	if got := histogramCount(t, m, httpMetric, httpLabels(routes.Task, "GET", "502")); got != 1 {
		t.Errorf("502: %d observations, want 1", got)
	}
}

func TestMiddlewarePanicAndInFlight(t *testing.T) {
	m := New("v", "r", "go")
	e := newTestEcho(m, nil)

	if rec := serve(e, http.MethodGet, "/inflight"); rec.Body.String() != "1" {
		t.Errorf("in flight during a request = %s, want 1", rec.Body.String())
	}
	if rec := serve(e, http.MethodGet, "/panic"); rec.Code != http.StatusInternalServerError {
		t.Fatalf("GET /panic = %d, want 500 from Recover", rec.Code)
	}
	if got := histogramCount(t, m, httpMetric, httpLabels("/panic", "GET", "500")); got != 1 {
		t.Errorf("panic: %d observations, want 1", got)
	}
	if got := testutil.ToFloat64(m.httpInFlight); got != 0 {
		t.Errorf("in flight after the requests = %v, want 0", got)
	}
}

func TestMiddlewareUnmatchedWithoutGroups(t *testing.T) {
	// Without a group there is no RouteNotFound: Echo leaves the path empty
	// (404) or sets the pattern of the route that lacks the method (405).
	m := New("v", "r", "go")
	e := echo.New()
	e.Use(m.EchoMiddleware())
	e.GET(routes.Task, func(c echo.Context) error { return c.NoContent(http.StatusOK) })

	if rec := serve(e, http.MethodGet, "/nope"); rec.Code != http.StatusNotFound {
		t.Fatalf("GET /nope = %d, want 404", rec.Code)
	}
	if rec := serve(e, http.MethodDelete, routes.TaskURL(targets.DefaultName, "abc")); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE %s = %d, want 405", routes.TaskURL(targets.DefaultName, "abc"), rec.Code)
	}
	for _, l := range []map[string]string{httpLabels(Unmatched, "GET", "404"), httpLabels(Unmatched, "DELETE", "405")} {
		if got := histogramCount(t, m, httpMetric, l); got != 1 {
			t.Errorf("%v: %d observations, want 1", l, got)
		}
	}
	if n := testutil.CollectAndCount(m.httpDuration); n != 2 {
		t.Errorf("%d HTTP series, want 2", n)
	}
}
