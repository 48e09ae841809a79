package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// command is one measurement run as a subprocess of the go command.
type command struct {
	name string   // for -only, the table's source column and the raw output's file
	args []string // after the go command
}

// The commands, in the order they run: one at a time, never two at once.
var commands = []command{
	// -bench . keeps DetailRender (the task page's render target) in make bench.
	{name: "views", args: []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "5", "./views/"}},
	{name: "handlers", args: []string{"test", "-run", "^$", "-bench", "^Benchmark(TaskPageLatency|FirstVisit|IdleTab)$", "-benchtime", "20x", "./handlers/"}},
	{name: "compare", args: []string{"run", "./cmd/dcsload", "-duration", "20s", "-concurrency", "16", "-rounds", "2"}},
	{name: "soak", args: []string{"run", "./cmd/dcsload", "-mode", "soak", "-clients", "200", "-duration", "60s", "-sim-faults", "latency=100ms,error-rate=0.05"}},
}

// figure is one row of the table: a number read from one command's output
// and the target it is held to. Adding a figure is adding one entry.
type figure struct {
	name   string
	cmd    string // the command whose output it is read from
	source string // which part of that output, for the table
	read   func(*output) (reading, error)
	target target
}

// reading is a figure as measured: the value the target judges and the
// text the table shows (the value with its unit and what else helps).
type reading struct {
	value float64
	text  string
}

// target is what a figure is held to; ok nil means information only.
type target struct {
	text string
	ok   func(float64) bool
}

// listRows is BenchmarkListRender's number of rows (views/bench_test.go).
const listRows = 100

var figures = []figure{
	{name: "List HTML per row", cmd: "views", source: "ListRender html-bytes/row",
		read:   firstOf(benchWorst("ListRender", "html-bytes/row", "%.0f B", 1), benchDerived("ListRender", "html-bytes", "%.0f B", listRows)),
		target: atMost(450, "B")},
	{name: "Allocations per row", cmd: "views", source: "ListRender allocs/row",
		read:   firstOf(benchWorst("ListRender", "allocs/row", "%.1f", 1), benchDerived("ListRender", "allocs/op", "%.1f", listRows)),
		target: atMost(10, "")},
	{name: "100-row list render, quiet machine", cmd: "views", source: "ListRender ns/op",
		read: renderTime, target: atMost(120, "µs")},
	{name: "Dashboard CPU per 20-row list request", cmd: "compare", source: "dashboard_cpu_us_per_req_shared",
		read: metric("dashboard_cpu_us_per_req_shared", "%.0f µs"), target: atMost(250, "µs")},
	{name: "  same, reads not shared", cmd: "compare", source: "dashboard_cpu_us_per_req_unshared",
		read: metric("dashboard_cpu_us_per_req_unshared", "%.0f µs"), target: info},
	{name: "First visit on the wire", cmd: "handlers", source: "FirstVisit first-visit-bytes",
		read: firstVisit, target: atMost(40*1000, "B")},
	{name: "Repeat visit on the wire", cmd: "handlers", source: "FirstVisit repeat-visit-*",
		read: repeatVisit, target: target{text: "the page alone", ok: func(v float64) bool { return v == 1 }}},
	{name: "Idle tab per minute", cmd: "handlers", source: "IdleTab idle-bytes/min",
		read: idleTab, target: atMost(20*1000, "B")},
	{name: "One task changed: rows sent whole", cmd: "handlers", source: "IdleTab changed-rows-sent",
		read: changedRows, target: target{text: "= 1", ok: func(v float64) bool { return v == 1 }}},
	{name: "Task page p50, 100 ms injected", cmd: "handlers", source: "TaskPageLatency x-round-trip",
		read: taskPage, target: atMost(1.2, "round trips")},
	{name: "rps ratio, reads shared", cmd: "compare", source: "rps_ratio_shared",
		read: metric("rps_ratio_shared", "%.3f"), target: info},
	{name: "rps ratio, reads not shared", cmd: "compare", source: "rps_ratio_unshared",
		read: metric("rps_ratio_unshared", "%.3f"), target: atLeast(0.6, "")},
	{name: "Peak memory under make loadtest", cmd: "soak", source: "dashboard_vmhwm_mb",
		read: metric("dashboard_vmhwm_mb", "%.1f MB"), target: atMost(80, "MB")},
}

// info is the target of a figure shown for information.
var info = target{text: "-"}

func atMost(v float64, unit string) target {
	return target{text: "≤ " + withUnit(v, unit), ok: func(x float64) bool { return x <= v }}
}

func atLeast(v float64, unit string) target {
	return target{text: "≥ " + withUnit(v, unit), ok: func(x float64) bool { return x >= v }}
}

func withUnit(v float64, unit string) string {
	s := groupDigits(v)
	if unit != "" {
		s += " " + unit
	}
	return s
}

// groupDigits writes v with thousands separated when it is whole and
// large, as it is otherwise.
func groupDigits(v float64) string {
	if v != math.Trunc(v) || math.Abs(v) < 1000 {
		return fmt.Sprintf("%g", v)
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// errMissing says a figure's number is not in its command's output.
var errMissing = errors.New("not in the output")

// output is one command's output, parsed both ways.
type output struct {
	bench   []benchResult
	metrics map[string]metricRow
}

func parseOutput(s string) *output { return &output{bench: parseBench(s), metrics: parseMetrics(s)} }

// firstOf is the first of reads that finds its number.
func firstOf(reads ...func(*output) (reading, error)) func(*output) (reading, error) {
	return func(o *output) (reading, error) {
		var errs []error
		for _, read := range reads {
			r, err := read(o)
			if err == nil {
				return r, nil
			}
			errs = append(errs, err)
		}
		return reading{}, errors.Join(errs...)
	}
}

// benchValue is the median of unit over bench's results, and how many
// there were.
func benchValue(o *output, bench, unit string) (float64, int, error) {
	vs := samples(o.bench, bench, unit)
	if len(vs) == 0 {
		return 0, 0, fmt.Errorf("Benchmark%s %s: %w", bench, unit, errMissing)
	}
	return median(vs), len(vs), nil
}

// benchWorst reads a per-page or per-row figure of bench: the median of
// unit over its runs, divided by div, for the benchmark itself or, when it
// has sub-benchmarks (ListRender/operator, ListRender/viewer), for each of
// them. The figure is the worst (highest) of them, all of them shown, in
// format.
func benchWorst(bench, unit, format string, div float64) func(*output) (reading, error) {
	return func(o *output) (reading, error) {
		vs := variants(o.bench, bench, unit)
		if len(vs) == 0 {
			return reading{}, fmt.Errorf("Benchmark%s %s: %w", bench, unit, errMissing)
		}
		worst := math.Inf(-1)
		var parts []string
		for _, v := range vs {
			m := median(v.samples) / div
			worst = max(worst, m)
			parts = append(parts, strings.TrimSpace(fmt.Sprintf(format, m)+" "+v.label))
		}
		return reading{worst, withNote(strings.Join(parts, ", "), runsNote(vs))}, nil
	}
}

// runsNote says what the values shown are medians of: "median of 5",
// "medians of 5", or "" for one run each.
func runsNote(vs []variant) string {
	n := len(vs[0].samples)
	for _, v := range vs {
		if len(v.samples) != n {
			return "medians"
		}
	}
	switch {
	case n == 1:
		return ""
	case len(vs) == 1:
		return fmt.Sprintf("median of %d", n)
	}
	return fmt.Sprintf("medians of %d", n)
}

// withNote is text followed by note in parentheses, if there is one.
func withNote(text, note string) string {
	if note == "" {
		return text
	}
	return text + " (" + note + ")"
}

// benchDerived is benchWorst for a per-page figure divided by the rows,
// until the benchmark reports the per-row one itself.
func benchDerived(bench, unit, format string, rows float64) func(*output) (reading, error) {
	read := benchWorst(bench, unit, format, rows)
	return func(o *output) (reading, error) {
		r, err := read(o)
		if err == nil {
			r.text += fmt.Sprintf(" [%s / %g]", unit, rows)
		}
		return r, err
	}
}

// renderTime is the list's render time, the slowest of its variants, each
// with its fastest run and its CPU time.
func renderTime(o *output) (reading, error) {
	vs := variants(o.bench, "ListRender", "ns/op")
	if len(vs) == 0 {
		return reading{}, fmt.Errorf("BenchmarkListRender ns/op: %w", errMissing)
	}
	cpus := variants(o.bench, "ListRender", "cpu-ns/op")
	worst := math.Inf(-1)
	var parts []string
	for _, v := range vs {
		us := median(v.samples) / 1000
		worst = max(worst, us)
		part := strings.TrimSpace(fmt.Sprintf("%.0f µs %s", us, v.label)) + fmt.Sprintf(" [min %.0f", slices.Min(v.samples)/1000)
		for _, c := range cpus {
			if c.label == v.label {
				part += fmt.Sprintf(", CPU %.0f", median(c.samples)/1000)
			}
		}
		parts = append(parts, part+"]")
	}
	return reading{worst, withNote(strings.Join(parts, ", "), runsNote(vs))}, nil
}

// metric is a cmd/dcsload metric row's value.
func metric(key, format string) func(*output) (reading, error) {
	return func(o *output) (reading, error) {
		r, ok := o.metrics[key]
		if !ok {
			return reading{}, fmt.Errorf("%s: %w", key, errMissing)
		}
		return reading{r.value, fmt.Sprintf(format, r.value)}, nil
	}
}

func firstVisit(o *output) (reading, error) {
	v, _, err := benchValue(o, "FirstVisit", "first-visit-bytes")
	if err != nil {
		return reading{}, err
	}
	text := groupDigits(math.Round(v)) + " B"
	var notes []string
	if body, _, err := benchValue(o, "FirstVisit", "first-visit-body-bytes"); err == nil {
		notes = append(notes, "bodies alone "+groupDigits(math.Round(body))+" B")
	}
	assets, _, err1 := benchValue(o, "FirstVisit", "assets")
	rows, _, err2 := benchValue(o, "FirstVisit", "rows")
	if err1 == nil && err2 == nil {
		notes = append(notes, fmt.Sprintf("page of %.0f rows + %.0f assets", rows, assets))
	}
	if len(notes) > 0 {
		text += " (" + strings.Join(notes, "; ") + ")"
	}
	return reading{v, text}, nil
}

// repeatVisit is judged on its requests (1: the page alone, everything it
// links cached), shown in bytes beside the first visit's page.
func repeatVisit(o *output) (reading, error) {
	reqs, _, err := benchValue(o, "FirstVisit", "repeat-visit-requests")
	if err != nil {
		return reading{}, err
	}
	bytes, _, err := benchValue(o, "FirstVisit", "repeat-visit-bytes")
	if err != nil {
		return reading{}, err
	}
	text := fmt.Sprintf("%s B in %.0f request(s)", groupDigits(math.Round(bytes)), reqs)
	if html, _, err := benchValue(o, "FirstVisit", "html-wire-bytes"); err == nil {
		text += fmt.Sprintf("; page on first visit %s B", groupDigits(math.Round(html)))
	}
	return reading{reqs, text}, nil
}

func idleTab(o *output) (reading, error) {
	v, _, err := benchValue(o, "IdleTab", "idle-bytes/min")
	if err != nil {
		return reading{}, err
	}
	text := groupDigits(math.Round(v)) + " B"
	per, _, err1 := benchValue(o, "IdleTab", "idle-bytes/refresh")
	n, _, err2 := benchValue(o, "IdleTab", "refreshes/min")
	rows, _, err3 := benchValue(o, "IdleTab", "rows")
	if err1 == nil && err2 == nil && err3 == nil {
		text += fmt.Sprintf(" (%.0f × 204 of %.0f B", n, per)
		req, _, err1 := benchValue(o, "IdleTab", "idle-request-bytes")
		state, _, err2 := benchValue(o, "IdleTab", "rows-state-bytes")
		if err1 == nil && err2 == nil {
			text += fmt.Sprintf(": request %.0f, X-Rows-State %.0f of it", req, state)
		}
		text += fmt.Sprintf("; %.0f rows)", rows)
	}
	return reading{v, text}, nil
}

func changedRows(o *output) (reading, error) {
	v, _, err := benchValue(o, "IdleTab", "changed-rows-sent")
	if err != nil {
		return reading{}, err
	}
	text := fmt.Sprintf("%.0f", v)
	if stubs, _, err := benchValue(o, "IdleTab", "stub-rows-sent"); err == nil {
		text += fmt.Sprintf(" (+ %.0f stubs)", stubs)
	}
	if b, _, err := benchValue(o, "IdleTab", "changed-answer-bytes"); err == nil {
		text += fmt.Sprintf(", %s B", groupDigits(math.Round(b)))
	}
	return reading{v, text}, nil
}

func taskPage(o *output) (reading, error) {
	v, _, err := benchValue(o, "TaskPageLatency", "x-round-trip")
	if err != nil {
		return reading{}, err
	}
	text := fmt.Sprintf("%.2f", v)
	if ms, _, err := benchValue(o, "TaskPageLatency", "ms-p50"); err == nil {
		text += fmt.Sprintf(" (p50 %.1f ms)", ms)
	}
	return reading{v, text}, nil
}
