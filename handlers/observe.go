package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

// requestLog writes one line per request, with the request id every error
// banner shows, so a user's screenshot leads to the line.
func requestLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURIPath: true, LogRoutePath: true, LogLatency: true,
		LogRequestID: true, LogRemoteIP: true,
		HandleError: false, // the error handler has already written the answer
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("request_id", v.RequestID), slog.String("method", v.Method),
				slog.String("path", v.URIPath), slog.String("route", v.RoutePath), slog.Int("status", v.Status),
				slog.Int64("duration_ms", v.Latency.Milliseconds()), slog.String("remote_ip", v.RemoteIP),
			}
			if id, ok := knownIdentity(c); ok {
				attrs = append(attrs, slog.String("user", id.User))
			}
			log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// requestIDOf is the id the RequestID middleware gave this request.
func requestIDOf(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// stopLimiter bounds how many stops one person may request per minute. It
// is keyed on the authenticated user, never on an address a client supplies.
type stopLimiter struct {
	perMinute int
	mu        sync.Mutex
	users     map[string]*rate.Limiter
}

func newStopLimiter(perMinute int) *stopLimiter {
	return &stopLimiter{perMinute: perMinute, users: map[string]*rate.Limiter{}}
}

// allow reports whether user may stop now, and if not, how long to wait.
func (l *stopLimiter) allow(user string, now time.Time) (bool, time.Duration) {
	if l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.users[user]
	if !ok {
		if len(l.users) >= 10000 { // bounded: forgetting resets budgets, never raises them above burst
			clear(l.users)
		}
		lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.users[user] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// readiness answers /readyz: whether the DCS API answered a cheap call
// recently. The answer is cached, so probes do not load the API.
type readiness struct {
	tasks   TaskService
	ttl     time.Duration
	now     func() time.Time
	metrics Instrumentation // optional

	mu      sync.Mutex
	checked time.Time
	err     error
}

func (r *readiness) check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock() // one probe at a time; the others wait for its answer
	if !r.checked.IsZero() && r.now().Sub(r.checked) < r.ttl {
		return r.err
	}
	_, r.err = r.tasks.List(ctx, dcs.ListOptions{Limit: 1})
	r.checked = r.now()
	if r.metrics != nil {
		r.metrics.Readiness(r.err == nil)
	}
	return r.err
}

// Ready answers 200 when the DCS API answered recently, 503 with the reason otherwise.
func (s *Server) Ready(c echo.Context) error {
	if err := s.ready.check(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

// withRequestID lets banners rendered during this request show its id.
func withRequestID(c echo.Context) context.Context {
	return views.WithRequestID(c.Request().Context(), requestIDOf(c))
}
