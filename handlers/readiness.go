package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// readyTTL is how long a readiness answer is reused: probes every few
// seconds from several places then cost one DCS call per half minute.
const readyTTL = 30 * time.Second

// readiness answers /readyz: whether the DCS API answered a cheap call
// recently. The answer is cached, so probes do not load the API.
type readiness struct {
	tasks   dcs.TaskService
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
