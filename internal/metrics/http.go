package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Unmatched is the route label of a request no registered route handled:
// unknown paths (404) and known paths with a method they do not accept (405).
const Unmatched = "unmatched"

// knownMethods bounds the method label: net/http accepts any token as a
// method, so a client could otherwise mint a series per request.
var knownMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// EchoMiddleware records dcs_dashboard_http_request_duration_seconds and
// dcs_dashboard_http_requests_in_flight for every request.
//
// The route label is the route pattern (c.Path(), e.g. /tasks/:id), never the
// raw URL, so task ids and scanners' probes do not each become a series;
// requests no route handled get "unmatched". Register it with e.Use (not
// e.Pre, which runs before routing and sees no pattern), ideally right after
// middleware.Recover so a panic is still counted, as a 500.
//
// When the handler chain returns an error, the middleware hands it to Echo's
// HTTPErrorHandler itself (c.Error) and returns nil, so the status recorded is
// the one the error handler actually sent rather than a guess; this is what
// Echo's RequestLogger does with HandleError. The side effect is that
// middleware outside this one sees no error and a committed response.
func (m *Metrics) EchoMiddleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			m.httpInFlight.Inc()
			finished := false
			defer func() {
				m.httpInFlight.Dec()
				if !finished {
					// A panic is unwinding: Recover, outside, will answer 500.
					m.observeHTTP(c, http.StatusInternalServerError, start)
				}
			}()

			if err := next(c); err != nil {
				c.Error(err)
			}
			finished = true
			m.observeHTTP(c, c.Response().Status, start)
			return nil
		}
	}
}

func (m *Metrics) observeHTTP(c echo.Context, status int, start time.Time) {
	req := c.Request()
	m.httpDuration.WithLabelValues(
		routeOf(c, status),
		oneOf(req.Method, knownMethods),
		strconv.Itoa(status),
	).Observe(time.Since(start).Seconds())
}

// routeOf is the route label of a finished request.
//
// c.Path() alone is not enough: for a path that matches nothing Echo may
// still set it, to a RouteNotFound pattern such as "/*" (which every Group
// with middleware registers) or to the pattern of a route registered for
// other methods (the 405 case). Only those fallbacks answer 404 or 405, so
// only then is the pattern checked against the routes really registered for
// this method; other requests skip that lookup.
func routeOf(c echo.Context, status int) string {
	p := c.Path()
	if p == "" {
		return Unmatched
	}
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		return p
	}
	if !registered(c, c.Request().Method, p) {
		return Unmatched
	}
	// A real route answered 404 itself (e.g. the task does not exist).
	return p
}

// registered reports whether a route for method and pattern exists in the
// router that served c (per-host routers included).
func registered(c echo.Context, method, pattern string) bool {
	e := c.Echo()
	routes := e.Routes
	if r, ok := e.Routers()[c.Request().Host]; ok {
		routes = r.Routes
	}
	for _, r := range routes() {
		if r.Method == method && r.Path == pattern {
			return true
		}
	}
	return false
}
