// Command dcsload measures the dashboard under load against the DCS
// simulator: with -mode compare (the default) for `make bench`, with
// -mode soak for `make loadtest` (see soak.go).
//
// It starts the simulator in-process on a loopback port, builds cmd/web and
// runs it as a child process pointed at that simulator (so the dashboard's
// memory is measured alone), warms both targets up for -warmup, then
// measures each for -duration with -concurrency closed-loop workers:
//
//   - dashboard: GET -path (default /, the list page, which calls
//     ListMigrationTask upstream on every view) over HTTP;
//   - direct: ListMigrationTask with the dashboard's page size, straight to
//     the simulator through the real dcs.Client (the SDK-backed client the
//     dashboard uses upstream), so the figure includes the SDK client's own
//     cost: signing, reflective request building and decoding.
//
// By default the dashboard is measured first, then the direct calls; with
// -rounds N the two alternate N times, which keeps the ratio steady when
// other jobs share the machine.
//
// It prints requests, errors, requests/s, p50 and p99 latency for both, the
// ratio dashboard_rps/direct_rps, and the dashboard process's peak and
// current resident memory, with a PASS or MISS per target. The targets are
// informational: the exit status is 0 unless the run itself failed. Nothing
// is sent anywhere but loopback.
//
// -mode soak instead runs -clients browser-like clients on the list and
// detail pages for -duration while the simulator injects -sim-faults, and
// reports throughput, latency, errors the upstream did not cause, the
// dashboard's goroutines before and after, and its peak memory.
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

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// Targets, as the project states them.
const (
	targetRatio = 0.4
	targetHWMMB = 60.0 // MB of 10^6 bytes, the stricter reading of "60 MB"
)

// listLimit is the page the dashboard asks the API for: the handlers'
// default PageSize, which cmd/web keeps. The direct phase asks for the same
// page, so both phases move the same upstream data.
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
	listCache        string // passed to the dashboard's -list-cache when set
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each target is measured")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent workers, each sending its next request when the last one answered")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "uncounted load on each target before measuring (connections open, heaps grow)")
	flag.IntVar(&o.rounds, "rounds", 1, "alternate the two targets this many times, each measured for -duration/rounds per round")
	flag.StringVar(&o.path, "path", "/", "dashboard path to request")
	flag.StringVar(&o.listCache, "list-cache", "", "the dashboard's -list-cache; 0 makes every list page call DCS, so the comparison measures the dashboard's own cost (empty: the dashboard's default)")
	flag.StringVar(&o.mode, "mode", "compare", "compare: dashboard vs direct throughput (make bench); soak: many clients under injected faults (make loadtest)")
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

// withDashboard builds cmd/web into a temporary directory, starts the
// simulator and the dashboard against it, and runs f with both. Every
// resource it starts is released by a defer, so an error or a ^C in f still
// stops the dashboard with SIGTERM.
func withDashboard(ctx context.Context, o options, observe bool, f func(*simServer, *dashboard) error) error {
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
	// The credentials file is inside dir and never created: the SDK's
	// profile provider must find nothing, whatever ~/.huaweicloud holds.
	var extra []string
	if o.listCache != "" {
		extra = append(extra, "-list-cache", o.listCache)
	}
	dash, err := startDashboard(ctx, bin, filepath.Join(dir, "no-credentials"), filepath.Join(dir, "audit-log.jsonl"), sim, extra...)
	if err != nil {
		return err
	}
	defer dash.stop()
	return f(sim, dash)
}

// run does the whole measurement.
func run(ctx context.Context, o options, out io.Writer) error {
	return withDashboard(ctx, o, false, func(sim *simServer, dash *dashboard) error {
		return compare(ctx, o, out, sim, dash)
	})
}

// compare measures the dashboard against direct calls to the simulator.
func compare(ctx context.Context, o options, out io.Writer, sim *simServer, dash *dashboard) error {
	startMem, err := readMem(dash.pid()) // before any request
	if err != nil {
		return err
	}
	dashT, err := dashboardTarget(ctx, o, dash)
	if err != nil {
		return err
	}
	directT, err := directTarget(ctx, sim)
	if err != nil {
		return err
	}

	load := loadAverage()
	fmt.Fprintf(stderr, "dcsload: dashboard at %s; warming up, then %s per target in %d round(s)\n", dash.url, o.duration, o.rounds)
	dashT.warm(ctx, o)
	directT.warm(ctx, o)
	// Each round measures the dashboard, then the direct calls, for an equal
	// share of -duration. With one round that is the whole duration of one,
	// then of the other; more rounds interleave them, so that other jobs on
	// a shared machine slow both alike instead of whichever ran at the time.
	slice := o.duration / time.Duration(o.rounds)
	for range o.rounds {
		for _, t := range []*target{dashT, directT} {
			if err := t.slice(ctx, slice, o.concurrency, sim); err != nil {
				return err
			}
		}
	}
	mem, err := dash.finish()
	if err != nil {
		return err
	}
	for _, t := range []*target{dashT, directT} {
		slices.Sort(t.m.latencies)
	}
	report(out, o, load, dashT.m, directT.m, startMem, mem)
	return nil
}

// report prints the results as plain, whitespace-separated tables: every
// data line starts with its own key, so `grep '^rps_ratio'` finds one.
func report(out io.Writer, o options, load string, dm, direct measure, startMem, mem procMem) {
	fmt.Fprintf(out, "# dcsload concurrency=%d duration=%s warmup=%s rounds=%d path=%s cpus=%d loadavg_at_start=%q loadavg_at_end=%q\n",
		o.concurrency, o.duration, o.warmup, o.rounds, o.path, runtime.NumCPU(), load, loadAverage())
	fmt.Fprintf(out, "# dashboard: GET %s on the cmd/web binary (child process); the list page calls ListMigrationTask(limit=%d) upstream, sim_calls counts every upstream call\n", o.path, listLimit)
	fmt.Fprintf(out, "# direct: dcs.Client.List(limit=%d) from this process to the simulator; includes the SDK client's own cost (signing, reflection, decoding)\n", listLimit)
	fmt.Fprintln(out, "# the load generator, the simulator and the dashboard share the machine's CPUs; rps and latencies count successful requests only")
	if o.path != "/" {
		fmt.Fprintln(out, "# note: -path is not the list page, so rps_ratio compares different work")
	}
	tw := newTable(out)
	tw.row("phase", "requests", "errors", "rps", "p50_ms", "p99_ms", "sim_calls", "sim_conns")
	for _, m := range []measure{dm, direct} {
		tw.row(m.name, m.requests, m.errors, fmt.Sprintf("%.1f", m.rps()), ms(m.percentile(0.50)), ms(m.percentile(0.99)), m.simCalls, m.simConns)
	}
	tw.flush()

	ratio := 0.0
	if direct.rps() > 0 {
		ratio = dm.rps() / direct.rps()
	}
	mb := func(kib int64) string { return fmt.Sprintf("%.1f", float64(kib)*1024/1e6) }
	tw = newTable(out)
	tw.row("metric", "value", "target", "result")
	tw.row("rps_ratio", fmt.Sprintf("%.3f", ratio), fmt.Sprintf(">=%.2f", targetRatio), verdict(ratio >= targetRatio))
	tw.row("dashboard_vmhwm_mb", mb(mem.hwmKiB), fmt.Sprintf("<=%.0f", targetHWMMB), verdict(float64(mem.hwmKiB)*1024/1e6 <= targetHWMMB))
	tw.row("dashboard_vmrss_mb", mb(mem.rssKiB), "-", "-")
	tw.row("dashboard_vmrss_start_mb", mb(startMem.rssKiB), "-", "-")
	if dm.requests > 0 {
		tw.row("dashboard_cpu_us_per_req", fmt.Sprintf("%.0f", float64(dm.cpu.Microseconds())/float64(dm.requests)), "-", "-")
	}
	tw.flush()
	for _, m := range []measure{dm, direct} {
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
