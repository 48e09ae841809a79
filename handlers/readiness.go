package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

const (
	// readyTTL is how long a readiness answer is reused: probes every few
	// seconds from several places then cost one DCS call per half minute.
	readyTTL = 30 * time.Second
	// readyTimeout bounds one check. It is the check's own deadline, not
	// the probe's: a probe that hangs up early must not decide the answer.
	readyTimeout = 10 * time.Second
)

// readiness answers /readyz: whether the DCS API answered a cheap call
// recently. The answer is cached, so probes do not load the API.
//
// The check runs detached from the probe that started it, with its own
// deadline, and concurrent probes share it. Only the check's own result is
// cached: a client that sends GET /readyz and hangs up at once (over and
// over) gets nothing for it, and cannot take a healthy replica out of a
// load balancer by making it cache its own cancellation.
type readiness struct {
	tasks   dcs.TaskService
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	metrics Instrumentation // optional
	flight  singleflight.Group

	mu      sync.Mutex
	checked time.Time
	err     error
}

// check returns the cached answer, or waits for a fresh one for as long as
// the probe waits.
func (r *readiness) check(ctx context.Context) error {
	if fresh, err := r.cached(); fresh {
		return err
	}
	// Detached: the probe's values (request id) but not its cancellation.
	detachedCtx := context.WithoutCancel(ctx)
	answer := r.flight.DoChan("ready", func() (any, error) {
		ctx, cancel := context.WithTimeout(detachedCtx, r.timeout)
		defer cancel()
		_, err := r.tasks.List(ctx, dcs.ListOptions{Limit: 1})
		r.mu.Lock()
		r.checked, r.err = r.now(), err
		r.mu.Unlock()
		if r.metrics != nil {
			r.metrics.Readiness(err == nil)
		}
		return nil, err
	})
	select {
	case res := <-answer:
		return res.Err
	case <-ctx.Done():
		return ctx.Err() // the probe left; the check goes on and is cached
	}
}

// cached is the last answer, if it is recent enough to reuse.
func (r *readiness) cached() (fresh bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.checked.IsZero() && r.now().Sub(r.checked) < r.ttl {
		return true, r.err
	}
	return false, nil
}

// Ready answers 200 when the DCS API answered recently, 503 with the reason otherwise.
func (s *Server) Ready(c echo.Context) error {
	if err := s.ready.check(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
