package main

import (
	"context"
	"math"
	"sync"
	"time"
)

// phase is what one timed run measured.
type phase struct {
	requests int
	errors   int
	elapsed  time.Duration
	// latencies are those of successful requests only: a request refused in
	// a microsecond would otherwise pull the percentiles down.
	latencies []time.Duration
	firstErr  error
}

// rps is successful requests per second of wall time: errors are left out
// so that a target failing fast cannot look fast.
func (p phase) rps() float64 {
	if p.elapsed <= 0 {
		return 0
	}
	return float64(p.requests-p.errors) / p.elapsed.Seconds()
}

// add merges q, measured in another slice of time, into p. The latencies
// need sorting again before percentile is asked.
func (p *phase) add(q phase) {
	p.requests += q.requests
	p.errors += q.errors
	p.elapsed += q.elapsed
	p.latencies = append(p.latencies, q.latencies...)
	if p.firstErr == nil {
		p.firstErr = q.firstErr
	}
}

// percentile is the nearest-rank percentile (0 < q ≤ 1) of the latencies,
// which must be sorted.
func (p phase) percentile(q float64) time.Duration {
	n := len(p.latencies)
	if n == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(n))) - 1
	return p.latencies[min(max(i, 0), n-1)]
}

// request is one call made by worker w (workers are numbered from 0, so a
// caller can keep per-worker state such as a session cookie).
type request func(ctx context.Context, w int) error

// drive runs do from conc workers, each sending its next request as soon as
// the previous one answered (a closed loop: throughput is what the system
// sustains at that concurrency, not an offered rate), until d has passed.
// Requests still in flight at the deadline finish and count: cutting them
// off would record errors the system under test never made. If ctx ends
// first, drive returns early with what it measured.
func drive(ctx context.Context, d time.Duration, conc int, do request) phase {
	type workerResult struct {
		lat      []time.Duration
		errors   int
		firstErr error
	}
	results := make([]workerResult, conc)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			r := &results[w]
			// Sized for a few thousand requests per second per worker, so
			// appending does not reallocate while the clock runs.
			r.lat = make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				err := do(ctx, w)
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
					continue
				}
				r.lat = append(r.lat, time.Since(t0))
			}
		})
	}
	wg.Wait()
	p := phase{elapsed: time.Since(start)}
	for _, r := range results {
		p.add(phase{requests: len(r.lat) + r.errors, errors: r.errors, latencies: r.lat, firstErr: r.firstErr})
	}
	return p
}
