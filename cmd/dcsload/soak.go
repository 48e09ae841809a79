package main

// The soak mode (`make loadtest`): -clients browser-like clients read the
// list and detail pages for -duration while the simulator injects
// -sim-faults. What it checks, beyond throughput and latency:
//
//   - every answer is either a working page or an error the upstream caused,
//     shown as the dashboard's error banner with the upstream's HTTP status;
//     anything else is the dashboard's own failure (target: none);
//   - the upstream errors the banners claim are ones the simulator really
//     answered (per status, claims never exceed answers);
//   - no goroutines are left behind once the clients are gone;
//   - peak resident memory stays within its target.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/hostload"
)

// Soak targets (README, Performance).
const (
	targetSoakHWMMB = 80.0 // MB of 10^6 bytes, like targetHWMMB
	// goroutineSlack is how many more goroutines than before the load may
	// remain after it: runtime and library helpers come and go (a timer, a
	// finaliser, the HTTP server's connection for the scrape itself), a leak
	// of one or more per request would be thousands.
	goroutineSlack = 10
)

// runSoak does the whole soak run.
func runSoak(ctx context.Context, o options, out io.Writer) error {
	faults, err := dcssim.ParseFaults(o.simFaults)
	if err != nil {
		return err
	}
	return withDashboard(ctx, true, func(sim *simServer, dash *dashboard) error {
		return soakRun(ctx, o, out, faults, sim, dash)
	})
}

// soakRun soaks the dashboard under faults and reports what it saw.
func soakRun(ctx context.Context, o options, out io.Writer, faults dcssim.Faults, sim *simServer, dash *dashboard) error {
	s := newSoak(o.clients, dash.url, sim)
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("%w\ndashboard output:\n%s", err, dash.logs)
	}
	load := hostload.Average()
	fmt.Fprintf(stderr, "dcsload: dashboard at %s; warming up %d clients for %s without faults\n", dash.url, o.clients, o.warmup)
	// The warm-up runs without faults: sessions are minted, pools and heaps
	// grow, and the goroutine baseline is taken from a dashboard that has
	// already served this many clients.
	if o.warmup > 0 {
		s.run(ctx, o.warmup)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	before, err := s.settledGoroutines(ctx, dash.url)
	if err != nil {
		return err
	}

	sim.sim.SetFaults(faults)
	sim.resetErrorAnswers()
	calls0, conns0 := simCalls(sim), sim.conns.Load()
	fmt.Fprintf(stderr, "dcsload: %d goroutines; soaking for %s with faults %q\n", before, o.duration, faults.String())
	res := s.run(ctx, o.duration)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted while soaking: %w", err)
	}
	simRes := soakSim{calls: simCalls(sim) - calls0, conns: sim.conns.Load() - conns0, errors: sim.errorAnswers()}
	// Faults off before the goroutine count: nothing should be waiting on
	// the simulator then, and the scrape must not be slowed by it.
	sim.sim.SetFaults(dcssim.Faults{})

	after, err := s.settledGoroutines(ctx, dash.url)
	if err != nil {
		return err
	}
	mem, err := dash.finish()
	if err != nil {
		return err
	}
	reportSoak(out, o, faults, load, res, simRes, before, after, mem)
	if res.total().counts[outDashboard] > 0 {
		fmt.Fprintf(stderr, "dcsload: the dashboard's last output:\n%s\n", dash.logs)
	}
	return nil
}

// soakSim is what the simulator saw during the soak.
type soakSim struct {
	calls  int           // API calls of every operation
	conns  int64         // TCP connections the dashboard opened to it
	errors map[int]int64 // error answers by HTTP status
}

// settledGoroutines closes every idle connection on both sides of the
// dashboard (the load clients' and the dashboard's own to the simulator),
// then reads go_goroutines until three readings in a row agree: goroutines
// of closed connections take a moment to notice and exit, and a leak does
// not go away by waiting.
func (s *soak) settledGoroutines(ctx context.Context, dashURL string) (int, error) {
	s.b.client.CloseIdleConnections()
	fmt.Fprintf(stderr, "dcsload: closed %d idle upstream connections; counting goroutines\n", s.sim.closeIdleConns())
	const (
		poll  = 500 * time.Millisecond
		limit = 15 * time.Second
	)
	last, same := -1, 0
	for start := time.Now(); ; {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(poll):
		}
		n, err := scrapeGoroutines(ctx, dashURL)
		if err != nil {
			return 0, err
		}
		if n == last {
			same++
		} else {
			last, same = n, 1
		}
		if same >= 3 || time.Since(start) > limit {
			return n, nil
		}
	}
}

// scrapeGoroutines reads go_goroutines from the dashboard's /metrics. The
// scrape uses a connection of its own that is closed afterwards, so it adds
// nothing that outlives it.
func scrapeGoroutines(ctx context.Context, dashURL string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(dashURL, "/")+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("/metrics go_goroutines %q: %v", v, err)
			}
			return int(f), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("GET /metrics: %w", err)
	}
	return 0, fmt.Errorf("/metrics has no go_goroutines")
}
