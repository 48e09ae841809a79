package handlers

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// readyTTL is how long a readiness answer is reused: probes every few
// seconds from several places then cost one DCS call per target per half
// minute. readyTimeout bounds one check: it is the check's own deadline,
// not the probe's, since a probe that hangs up early must not decide the
// answer.
const readyTTL, readyTimeout = 30 * time.Second, 10 * time.Second

// readiness answers /readyz: whether each target's DCS API answered a cheap
// call recently. The answer is cached, so probes do not load the API.
//
// The check runs detached from the probe that started it, with its own
// deadline, and concurrent probes share it. Only the check's own result is
// cached: a client that sends GET /readyz and hangs up at once (over and
// over) gets nothing for it, and cannot take a healthy replica out of a
// load balancer by making it cache its own cancellation.
type readiness struct {
	targets  *targets.Set
	database interface{ Ping(context.Context) error } // optional
	ttl      time.Duration
	timeout  time.Duration
	now      func() time.Time
	metrics  Instrumentation // optional
	flight   singleflight.Group

	mu      sync.Mutex
	checked time.Time
	errs    map[string]error // by target name; nil entries are ready
}

// check returns the cached answers, or waits for fresh ones for as long as
// the probe waits.
func (r *readiness) check(ctx context.Context) (map[string]error, error) {
	if fresh, errs := r.cached(); fresh {
		return errs, nil
	}
	// Detached: the probe's values (request id) but not its cancellation.
	detachedCtx := context.WithoutCancel(ctx)
	answer := r.flight.DoChan("ready", func() (any, error) {
		errs := r.checkAll(detachedCtx)
		r.mu.Lock()
		r.checked, r.errs = r.now(), errs
		r.mu.Unlock()
		return errs, nil
	})
	select {
	case res := <-answer:
		return res.Val.(map[string]error), nil
	case <-ctx.Done():
		return nil, ctx.Err() // the probe left; the check goes on and is cached
	}
}

// checkAll asks every target at the same time, each on the check's deadline.
func (r *readiness) checkAll(ctx context.Context) map[string]error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	errs := make(map[string]error, r.targets.Len())
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range r.targets.All() {
		wg.Go(func() {
			_, err := t.Tasks.List(ctx, dcs.ListOptions{Limit: 1})
			mu.Lock()
			defer mu.Unlock()
			errs[t.Name] = err
		})
	}
	if r.database != nil {
		wg.Go(func() {
			err := r.database.Ping(ctx)
			mu.Lock()
			defer mu.Unlock()
			errs[databaseLine] = err
		})
	}
	wg.Wait()
	if r.metrics != nil {
		for name, err := range errs {
			if name != databaseLine {
				r.metrics.Readiness(name, err == nil)
			}
		}
	}
	return errs
}

// cached is the last answers, if they are recent enough to reuse.
func (r *readiness) cached() (fresh bool, errs map[string]error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.checked.IsZero() && r.now().Sub(r.checked) < r.ttl {
		return true, r.errs
	}
	return false, nil
}

// databaseLine is the database's line in /readyz (no target is named so:
// a target's name has no spaces).
const databaseLine = "the database"

// Ready answers 200 while at least one target's DCS API answered recently
// (a page with one target down still serves the others), 503 when none did,
// with a line per target either way.
func (s *Server) Ready(c echo.Context) error {
	errs, err := s.ready.check(c.Request().Context())
	if err != nil {
		return c.String(http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
	}
	var b strings.Builder
	ready := 0
	for _, t := range s.cfg.Targets.All() {
		if e := errs[t.Name]; e != nil {
			b.WriteString(t.Name + ": not ready: " + e.Error() + "\n")
		} else {
			ready++
			b.WriteString(t.Name + ": ready\n")
		}
	}
	if e, checked := errs[databaseLine]; checked {
		if e != nil {
			b.WriteString(databaseLine + ": not ready (stops are refused): " + e.Error() + "\n")
		} else {
			b.WriteString(databaseLine + ": ready\n")
		}
	}
	status, head := http.StatusOK, "ready\n"
	if ready == 0 {
		status, head = http.StatusServiceUnavailable, "not ready\n"
	}
	return c.String(status, head+b.String())
}
