// Command dcsload measures the dashboard under load against the DCS
// simulator: with -mode compare (the default) for `make bench`, with
// -mode soak for `make loadtest` (see soak.go).
//
// It starts the simulator in-process on a loopback port, builds cmd/web and
// runs it as child processes pointed at that simulator (so each dashboard's
// memory and CPU are measured alone), warms every target up for -warmup,
// then measures each for -duration with -concurrency closed-loop workers:
//
//   - dashboard_shared: GET -path (default /, the list page) over HTTP on a
//     dashboard with its defaults, sharing its upstream reads between
//     viewers (list pages kept for -list-cache, identical reads in flight
//     coalesced): what people get;
//   - dashboard_unshared: the same on a second dashboard started with
//     -share-reads=false, where every page makes its own upstream calls: the
//     dashboard's own cost per page, sharing aside;
//   - direct: ListMigrationTask, straight to the simulator through the real
//     dcs.Client (the SDK-backed client the dashboard uses upstream), so the
//     figure includes the SDK client's own cost: signing, reflective request
//     building and decoding.
//
// Both dashboards run throughout, against the same simulator. By default
// each target is measured in turn; with -rounds N the three alternate N
// times, which keeps the ratios steady when other jobs share the machine.
//
// It prints requests, errors, requests/s, p50 and p99 latency and the
// simulator's calls for each target; the ratios of each dashboard's
// requests/s to the direct calls' (rps_ratio_shared, informational, and
// rps_ratio_unshared, with its target); and each dashboard process's CPU per
// request and peak and current resident memory, with a PASS or MISS per
// target. The targets are informational: the exit status is 0 unless the
// run itself failed. Nothing is sent anywhere but loopback.
//
// -mode soak instead runs -clients browser-like clients on the list and
// detail pages of one dashboard (with its defaults) for -duration while the
// simulator injects -sim-faults, and reports throughput, latency, errors the
// upstream did not cause, the dashboard's goroutines before and after, and
// its peak memory.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/hostload"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// Targets, as the project states them.
const (
	// targetRatioUnshared is for the dashboard that shares nothing: its
	// list pages per second against direct SDK calls. The shared one's
	// ratio has no target: it says what sharing buys, not what a page costs.
	targetRatioUnshared = 0.6
	targetHWMMB         = 80.0 // MB of 10^6 bytes, under load, per dashboard
)

// listLimit is a list page's size: the handlers' default PageSize, which
// cmd/web keeps. The dashboard reads upstream in the API's largest pages
// (taskcache.PageSize) and shows the first listLimit tasks, plus the
// progress of those in progress; the direct phase makes the same calls
// (pageCalls). sim_calls per request shows what a page costs upstream.
const listLimit = 20

// stderr receives progress and warnings; results go to stdout only.
var stderr io.Writer = os.Stderr

type options struct {
	mode             string // "compare" or "soak"
	duration, warmup time.Duration
	concurrency      int
	rounds           int
	path             string
	clients          int    // soak only
	simFaults        string // soak only
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each target is measured")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent workers, each sending its next request when the last one answered")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "uncounted load on each target before measuring (connections open, heaps grow)")
	flag.IntVar(&o.rounds, "rounds", 1, "alternate the three targets (shared dashboard, unshared dashboard, direct) this many times, each measured for -duration/rounds per round")
	flag.StringVar(&o.path, "path", "/", "dashboard path to request")
	flag.StringVar(&o.mode, "mode", "compare", "compare: dashboards, sharing reads and not, vs direct throughput (make bench); soak: many clients under injected faults (make loadtest)")
	flag.IntVar(&o.clients, "clients", 200, "soak: concurrent browser-like clients")
	flag.StringVar(&o.simFaults, "sim-faults", "latency=100ms,error-rate=0.05", "soak: faults the simulator injects once warmed up\n"+dcssim.FaultSyntax)
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.mode == "soak" && !set["duration"] {
		o.duration = 60 * time.Second // the soak's stated length; 10s is the comparison's
	}
	if msg := o.invalid(set); msg != "" || flag.NArg() > 0 {
		fmt.Fprintln(stderr, "dcsload:", cmp.Or(msg, "no arguments expected"))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if o.mode == "soak" {
		err = runSoak(ctx, o, os.Stdout)
	} else {
		err = run(ctx, o, os.Stdout)
	}
	stop()
	if err != nil {
		fmt.Fprintln(stderr, "dcsload:", err)
		os.Exit(1)
	}
}

// invalid explains what is wrong with the flags, or returns "". Flags of
// the other mode are refused rather than ignored, so a typo in a Makefile
// cannot silently measure something else.
func (o options) invalid(set map[string]bool) string {
	switch o.mode {
	case "compare":
		if set["clients"] || set["sim-faults"] {
			return "-clients and -sim-faults apply to -mode soak only"
		}
		if o.concurrency < 1 || o.rounds < 1 || len(o.path) == 0 || o.path[0] != '/' {
			return "-concurrency and -rounds must be at least 1, -path start with /"
		}
	case "soak":
		if set["concurrency"] || set["rounds"] || set["path"] {
			return "-concurrency, -rounds and -path apply to -mode compare only (soak uses -clients)"
		}
		if o.clients < 1 {
			return "-clients must be at least 1"
		}
		if _, err := dcssim.ParseFaults(o.simFaults); err != nil {
			return "-sim-faults: " + err.Error()
		}
	default:
		return fmt.Sprintf("-mode %q: want compare or soak", o.mode)
	}
	if o.duration <= 0 || o.warmup < 0 {
		return "-duration must be positive, -warmup not negative"
	}
	return ""
}

// dashSpec is one dashboard to start: its name (which also names its files)
// and the flags it gets beyond the ones every dashboard gets.
type dashSpec struct {
	name  string
	flags []string
}

// The comparison's two dashboards.
var (
	sharedDash   = dashSpec{name: "dashboard_shared"} // the dashboard's defaults
	unsharedDash = dashSpec{name: "dashboard_unshared", flags: []string{"-share-reads=false"}}
)

// withDashboard starts the simulator and one dashboard with its defaults
// against it, and runs f with both (see withDashboards).
func withDashboard(ctx context.Context, observe bool, f func(*simServer, *dashboard) error) error {
	return withDashboards(ctx, observe, []dashSpec{{name: "dashboard"}}, func(sim *simServer, d []*dashboard) error {
		return f(sim, d[0])
	})
}

// withDashboards builds cmd/web into a temporary directory, starts the
// simulator and one dashboard per spec against it, and runs f with them, in
// the specs' order. Every resource it starts is released by a defer, so an
// error or a ^C in f still stops every dashboard with SIGTERM.
func withDashboards(ctx context.Context, observe bool, specs []dashSpec, f func(*simServer, []*dashboard) error) error {
	if runtime.GOOS != "linux" {
		return errors.New("dcsload reads /proc and runs on Linux only")
	}
	dir, err := os.MkdirTemp("", "dcsload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(stderr, "dcsload: building ./cmd/web")
	bin, err := buildDashboard(ctx, dir)
	if err != nil {
		return err
	}
	sim, err := startSim(observe)
	if err != nil {
		return err
	}
	defer sim.close()
	var dashes []*dashboard
	for _, sp := range specs {
		// The credentials file is inside dir and never created: the SDK's
		// profile provider must find nothing, whatever ~/.huaweicloud holds.
		// Each dashboard has files of its own in dir.
		dash, err := startDashboard(ctx, bin, filepath.Join(dir, "no-credentials"), filepath.Join(dir, sp.name), sim, sp.flags...)
		if err != nil {
			return fmt.Errorf("%s: %w", sp.name, err)
		}
		defer dash.stop()
		dashes = append(dashes, dash)
	}
	return f(sim, dashes)
}

// run does the whole measurement.
func run(ctx context.Context, o options, out io.Writer) error {
	return withDashboards(ctx, false, []dashSpec{sharedDash, unsharedDash}, func(sim *simServer, d []*dashboard) error {
		return compare(ctx, o, out, sim, d[0], d[1])
	})
}

// compare measures the two dashboards against direct calls to the simulator.
func compare(ctx context.Context, o options, out io.Writer, sim *simServer, shared, unshared *dashboard) error {
	dashes := []*dashboard{shared, unshared}
	names := []string{sharedDash.name, unsharedDash.name}
	startMem := make([]procMem, len(dashes))
	ts := make([]*target, 0, len(dashes)+1)
	for i, d := range dashes {
		var err error
		if startMem[i], err = readMem(d.pid()); err != nil { // before any request
			return err
		}
		t, err := dashboardTarget(ctx, o, d, names[i])
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	directT, err := directTarget(ctx, sim)
	if err != nil {
		return err
	}
	ts = append(ts, directT)

	load := hostload.Average()
	fmt.Fprintf(stderr, "dcsload: %s at %s, %s at %s; warming up, then %s per target in %d round(s)\n",
		names[0], shared.url, names[1], unshared.url, o.duration, o.rounds)
	for _, t := range ts {
		t.warm(ctx, o)
	}
	// Each round measures the shared dashboard, the unshared one, then the
	// direct calls, for an equal share of -duration. With one round that is
	// the whole duration of each in turn; more rounds interleave them, so
	// that other jobs on a shared machine slow all three alike instead of
	// whichever ran at the time.
	slice := o.duration / time.Duration(o.rounds)
	for range o.rounds {
		for _, t := range ts {
			if err := t.slice(ctx, slice, o.concurrency, sim); err != nil {
				return err
			}
		}
	}
	mem := make([]procMem, len(dashes))
	for i, d := range dashes {
		if mem[i], err = d.finish(); err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
	}
	for _, t := range ts {
		slices.Sort(t.m.latencies)
	}
	report(out, o, load, []dashResult{
		{measure: ts[0].m, startMem: startMem[0], mem: mem[0], suffix: "_shared"},
		{measure: ts[1].m, startMem: startMem[1], mem: mem[1], suffix: "_unshared", target: targetRatioUnshared},
	}, directT.m)
	return nil
}

// dashResult is one dashboard's figures for the report.
type dashResult struct {
	measure
	startMem, mem procMem
	suffix        string  // of its metric keys: "_shared", "_unshared"
	target        float64 // its rps_ratio target; 0: informational
}

// report prints the results as plain, whitespace-separated tables: every
// data line starts with its own key, so `grep '^rps_ratio_unshared'`
// finds one.
func report(out io.Writer, o options, load string, dashes []dashResult, direct measure) {
	fmt.Fprintf(out, "# dcsload concurrency=%d duration=%s warmup=%s rounds=%d path=%s cpus=%d loadavg_at_start=%q loadavg_at_end=%q\n",
		o.concurrency, o.duration, o.warmup, o.rounds, o.path, runtime.NumCPU(), load, hostload.Average())
	fmt.Fprintf(out, "# dashboard_*: GET %s on the cmd/web binary (two child processes, same simulator); the list page reads ListMigrationTask upstream (and the progress of tasks in progress)\n", o.path)
	fmt.Fprintln(out, "# dashboard_shared: the dashboard's defaults: pages kept for -list-cache, identical reads in flight shared")
	fmt.Fprintln(out, "# dashboard_unshared: -share-reads=false: every page makes its own upstream calls")
	fmt.Fprintf(out, "# direct: the calls an unshared list page makes (List(limit=%d), then the progress of the tasks in progress among the first %d, %d at a time), from this process through dcs.Client: the SDK client's own cost included (signing, reflection, decoding)\n", taskcache.PageSize, listLimit, handlers.ProgressLookups)
	fmt.Fprintln(out, "# sim_calls counts every upstream call the simulator answered during the phase (the idle dashboard's background watcher included)")
	fmt.Fprintln(out, "# the load generator, the simulator and both dashboards share the machine's CPUs; rps and latencies count successful requests only")
	if o.path != "/" {
		fmt.Fprintln(out, "# note: -path is not the list page, so the rps ratios compare different work")
	}
	phases := []measure{}
	for _, d := range dashes {
		phases = append(phases, d.measure)
	}
	phases = append(phases, direct)
	tw := newTable(out)
	tw.row("phase", "requests", "errors", "rps", "p50_ms", "p99_ms", "sim_calls", "sim_conns", "sim_calls_per_req")
	for _, m := range phases {
		perReq := "-"
		if m.requests > 0 {
			perReq = fmt.Sprintf("%.3f", float64(m.simCalls)/float64(m.requests))
		}
		tw.row(m.name, m.requests, m.errors, fmt.Sprintf("%.1f", m.rps()), ms(m.percentile(0.50)), ms(m.percentile(0.99)), m.simCalls, m.simConns, perReq)
	}
	tw.flush()

	mb := func(kib int64) float64 { return float64(kib) * 1024 / 1e6 }
	tw = newTable(out)
	tw.row("metric", "value", "target", "result")
	for _, d := range dashes {
		ratio := 0.0
		if direct.rps() > 0 {
			ratio = d.rps() / direct.rps()
		}
		if d.target > 0 {
			tw.row("rps_ratio"+d.suffix, fmt.Sprintf("%.3f", ratio), fmt.Sprintf(">=%.2f", d.target), verdict(ratio >= d.target))
		} else {
			tw.row("rps_ratio"+d.suffix, fmt.Sprintf("%.3f", ratio), "-", "-")
		}
	}
	for _, d := range dashes {
		if d.requests > 0 {
			tw.row("dashboard_cpu_us_per_req"+d.suffix, fmt.Sprintf("%.0f", float64(d.cpu.Microseconds())/float64(d.requests)), "-", "-")
		}
	}
	for _, d := range dashes {
		hwm := mb(d.mem.hwmKiB)
		tw.row("dashboard_vmhwm_mb"+d.suffix, fmt.Sprintf("%.1f", hwm), fmt.Sprintf("<=%.0f", targetHWMMB), verdict(hwm <= targetHWMMB))
	}
	for _, d := range dashes {
		tw.row("dashboard_vmrss_mb"+d.suffix, fmt.Sprintf("%.1f", mb(d.mem.rssKiB)), "-", "-")
		tw.row("dashboard_vmrss_start_mb"+d.suffix, fmt.Sprintf("%.1f", mb(d.startMem.rssKiB)), "-", "-")
	}
	tw.flush()
	for _, m := range phases {
		if m.firstErr != nil {
			fmt.Fprintf(out, "first_error %s %v\n", m.name, m.firstErr)
		}
	}
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
