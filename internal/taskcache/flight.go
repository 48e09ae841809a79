package taskcache

import (
	"context"
	"fmt"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// flightTimeout bounds a shared upstream call. The dcs.Client already gives
// up after its own timeout; this only keeps an Upstream without one from
// pinning a flight, and everyone waiting on it, forever.
const flightTimeout = time.Minute

// coalesce answers a read through one upstream call per key in flight.
//
// The call runs under a context detached from the caller who happened to
// start it: if that caller goes away, the others waiting on the same key
// must still get their answer (and a list page still gets cached). Each
// caller still returns as soon as its own ctx ends, with the same error the
// dcs.Client gives in that case.
//
// cached, if not nil, is asked again inside the flight before the upstream
// call: a caller that missed the cache just before another flight stored
// its answer and ended would otherwise make a second, needless call.
//
// Each caller gets clone(value): a copy it may modify, except for list
// pages, which are shared (sharePage) and only read.
//
// With Config.NoSharing there is no flight: each caller makes its own call
// (alone).
func coalesce[T any](c *Cache, ctx context.Context, cache, op, key string,
	cached func() (T, bool), fn func(context.Context) (T, error), clone func(T) T) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		// Starting a detached call for a caller already gone would be waste.
		return zero, &dcs.APIError{Op: op, Kind: dcs.KindTimeout,
			Message: "not sent: the request was cancelled first (" + err.Error() + ")"}
	}
	if c.unshared {
		return alone(c, ctx, cache, op, fn)
	}
	led := false // written by this caller's fn only if it leads the flight
	ch := c.flights.DoChan(key, func() (v any, err error) {
		led = true
		if cached != nil {
			if page, ok := cached(); ok {
				c.hit(cache)
				return page, nil
			}
		}
		c.miss(cache)
		defer func() {
			// DoChan re-panics on another goroutine, which would kill the
			// server; report a panicking Upstream as a failed call instead.
			if p := recover(); p != nil {
				v, err = zero, &dcs.APIError{Op: op, Kind: dcs.KindConfig,
					Message: fmt.Sprintf("the call failed unexpectedly: %v", p)}
			}
		}()
		detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), flightTimeout)
		defer cancel()
		return fn(detached)
	})
	select {
	case r := <-ch:
		// The flight's send on ch happens after fn returns, so led is settled.
		if !led {
			c.hit(cache)
		}
		if r.Err != nil {
			return zero, copyErr(r.Err)
		}
		return clone(r.Val.(T)), nil
	case <-ctx.Done():
		return zero, &dcs.APIError{Op: op, Kind: dcs.KindTimeout,
			Message: "gave up waiting for an answer: " + ctx.Err().Error()}
	}
}

// alone answers a read with an upstream call of its own (Config.NoSharing):
// nobody else waits on it, so it runs under the caller's ctx and its answer
// is the caller's alone, not a copy. A panicking Upstream is reported as a
// failed call, as in a shared flight, so both modes fail alike.
func alone[T any](c *Cache, ctx context.Context, cache, op string, fn func(context.Context) (T, error)) (v T, err error) {
	c.miss(cache)
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, &dcs.APIError{Op: op, Kind: dcs.KindConfig,
				Message: fmt.Sprintf("the call failed unexpectedly: %v", p)}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, flightTimeout)
	defer cancel()
	return fn(ctx)
}

// copyErr gives each caller its own *dcs.APIError, so one handler filling
// in a field cannot change what another one reports.
func copyErr(err error) error {
	if e, ok := err.(*dcs.APIError); ok && e != nil {
		cp := *e
		return &cp
	}
	return err
}
