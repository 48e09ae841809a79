package main

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/hostload"
)

// reportSoak prints the soak's results as whitespace-separated tables whose
// data lines start with their own key, like report: `grep '^all '` finds
// the totals, `grep '^dashboard_errors'` the target that matters most.
func reportSoak(out io.Writer, o options, faults dcssim.Faults, load string, r soakResult, sim soakSim,
	before, after int, mem procMem) {
	fmt.Fprintf(out, "# dcsload soak clients=%d duration=%s warmup=%s faults=%q cpus=%d loadavg_at_start=%q loadavg_at_end=%q\n",
		o.clients, o.duration, o.warmup, faults.String(), runtime.NumCPU(), load, hostload.Average())
	fmt.Fprintln(out, "# each client alternates GET /?page=N and GET /tasks/{id} over the seeded tasks, sending its session cookie back")
	fmt.Fprintln(out, "# ok: 200 with the page's marker and no error banner; upstream_error_page: 404/409/502/504 whose error banner shows the upstream's HTTP status;")
	fmt.Fprintln(out, "# upstream_banner_200: 200 page with a panel's upstream error banner; dashboard_errors: anything else (500, no answer, timeout, no marker, banner without upstream status)")
	fmt.Fprintln(out, "# rps, p50 and p99 count every answer except dashboard_errors")

	tot := r.total()
	tw := newTable(out)
	tw.row("page", "requests", "rps", "p50_ms", "p99_ms", "ok", "upstream_error_page", "upstream_banner_200", "dashboard_errors")
	kinds := append(r.kinds[:], tot)
	for i := range kinds {
		t := &kinds[i]
		name := "all"
		if i < int(numKinds) {
			name = kindNames[i]
		}
		slices.Sort(t.lat)
		p := phase{requests: len(t.lat), elapsed: r.elapsed, latencies: t.lat}
		tw.row(name, t.requests(), fmt.Sprintf("%.1f", p.rps()), ms(p.percentile(0.50)), ms(p.percentile(0.99)),
			t.counts[outOK], t.counts[outUpstreamPage], t.counts[outUpstreamBanner], t.counts[outDashboard])
	}
	tw.flush()

	tot = kinds[len(kinds)-1]
	var simErrors int64
	for _, n := range sim.errors {
		simErrors += n
	}
	mb := func(kib int64) float64 { return float64(kib) * 1024 / 1e6 }
	tw = newTable(out)
	tw.row("metric", "value", "target", "result")
	tw.row("dashboard_errors", tot.counts[outDashboard], "0", verdict(tot.counts[outDashboard] == 0))
	tw.row("goroutines_before", before, "-", "-")
	tw.row("goroutines_after", after, fmt.Sprintf("<=%d", before+goroutineSlack), verdict(after <= before+goroutineSlack))
	tw.row("dashboard_vmhwm_mb", fmt.Sprintf("%.1f", mb(mem.hwmKiB)), fmt.Sprintf("<=%.0f", targetSoakHWMMB), verdict(mb(mem.hwmKiB) <= targetSoakHWMMB))
	tw.row("dashboard_vmrss_after_mb", fmt.Sprintf("%.1f", mb(mem.rssKiB)), "-", "-")
	tw.row("sim_calls", sim.calls, "-", "-")
	// Connections opened per call: near 0 when the dashboard's upstream
	// pool keeps up with the concurrency, near 1 when it dials per call.
	tw.row("sim_conns", sim.conns, "-", "-")
	frac := 0.0
	if sim.calls > 0 {
		frac = float64(simErrors) / float64(sim.calls)
	}
	tw.row("sim_error_answers", simErrors, "-", "-")
	tw.row("sim_error_fraction", fmt.Sprintf("%.4f", frac), fmt.Sprintf("~%g", faults.ErrorRate), "-")
	// A banner claiming an upstream status the simulator never answered
	// would be the dashboard blaming the upstream for its own failure.
	// Counts are not compared one to one: the dashboard shares one upstream
	// read among every viewer asking the same thing at once (taskcache), so
	// one failed read rightly shows as many banners as it had viewers; and
	// a list page drops a failed per-row lookup silently.
	statuses := slices.Sorted(maps.Keys(tot.claims))
	for st := range sim.errors {
		if _, ok := tot.claims[st]; !ok {
			statuses = append(statuses, st)
		}
	}
	slices.Sort(statuses)
	for _, st := range statuses {
		if st == 0 {
			tw.row("upstream_claims_timeout", tot.claims[0], "-", "-")
			continue
		}
		answered := sim.errors[st]
		tw.row("upstream_claims_http_"+strconv.Itoa(st), tot.claims[st], fmt.Sprintf("answered %d", answered),
			verdict(tot.claims[st] == 0 || answered > 0))
	}
	tw.flush()

	for i := range r.kinds {
		t := &r.kinds[i]
		for _, reason := range slices.Sorted(maps.Keys(t.reasons)) {
			fmt.Fprintf(out, "dashboard_error %s %d %q e.g. %s\n", kindNames[i], t.reasons[reason], reason, t.example[reason])
		}
	}
}
