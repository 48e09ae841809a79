package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchResult is one result line of `go test -bench` output:
//
//	BenchmarkListRender-2   	   10000	    530000 ns/op	  1451 html-bytes/row	 145176 B/op	    4778 allocs/op
type benchResult struct {
	name    string // as printed, without the -GOMAXPROCS suffix: BenchmarkDetailRender/online
	procs   int    // the suffix; 1 when there is none
	n       int64  // iterations
	metrics map[string]float64
}

// procsSuffix is the -GOMAXPROCS go test appends to a name when it is not 1.
var procsSuffix = regexp.MustCompile(`-(\d+)$`)

// parseBench reads every benchmark result in out. A result whose line was
// split by output the benchmark printed while it ran (go test writes the
// name first, the figures when it is done) is joined back to its name.
// Anything else (logs, "--- BENCH", "PASS", "ok") is skipped.
func parseBench(out string) []benchResult {
	var results []benchResult
	pending := "" // a name whose figures have not come yet
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.HasPrefix(line, "Benchmark") {
			if r, ok := benchFigures(f[0], f[1:]); ok {
				results = append(results, r)
				pending = ""
			} else {
				pending = f[0]
			}
			continue
		}
		switch {
		case pending == "":
		case f[0] == "PASS" || f[0] == "FAIL" || f[0] == "ok" || strings.HasPrefix(f[0], "---"):
			pending = "" // the benchmark ended without figures
		default:
			if r, ok := benchFigures(pending, f); ok {
				results = append(results, r)
				pending = ""
			}
		}
	}
	return results
}

// benchFigures reads "N value unit value unit …" as the figures of name;
// ok is false unless it is exactly that, with at least one pair.
func benchFigures(name string, f []string) (benchResult, bool) {
	if len(f) < 3 || len(f)%2 != 1 {
		return benchResult{}, false
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || n <= 0 {
		return benchResult{}, false
	}
	r := benchResult{name: name, procs: 1, n: n, metrics: map[string]float64{}}
	if m := procsSuffix.FindStringSubmatch(name); m != nil {
		r.procs, _ = strconv.Atoi(m[1])
		r.name = strings.TrimSuffix(name, m[0])
	}
	for i := 1; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return benchResult{}, false
		}
		r.metrics[f[i+1]] = v
	}
	return r, true
}

// samples are the values of unit over every result of the benchmark
// called name ("ListRender" or "BenchmarkListRender"), in output order.
func samples(results []benchResult, name, unit string) []float64 {
	if !strings.HasPrefix(name, "Benchmark") {
		name = "Benchmark" + name
	}
	var vs []float64
	for _, r := range results {
		if v, ok := r.metrics[unit]; ok && r.name == name {
			vs = append(vs, v)
		}
	}
	return vs
}

// variant is one of a benchmark's variants: the benchmark itself (label
// "") or one of its sub-benchmarks (label "operator" for
// BenchmarkListRender/operator), with its values of one unit.
type variant struct {
	label   string
	samples []float64
}

// variants are the values of unit for bench and for each of its
// sub-benchmarks, in the order they first appear.
func variants(results []benchResult, bench, unit string) []variant {
	if !strings.HasPrefix(bench, "Benchmark") {
		bench = "Benchmark" + bench
	}
	var out []variant
	at := map[string]int{}
	for _, r := range results {
		v, ok := r.metrics[unit]
		if !ok {
			continue
		}
		label, sub := strings.CutPrefix(r.name, bench+"/")
		if !sub && r.name != bench {
			continue
		}
		if !sub {
			label = ""
		}
		i, seen := at[label]
		if !seen {
			i = len(out)
			at[label] = i
			out = append(out, variant{label: label})
		}
		out[i].samples = append(out[i].samples, v)
	}
	return out
}

// median of vs (the mean of the middle two when their number is even),
// which must not be empty.
func median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// metricRow is one line of cmd/dcsload's metric tables:
//
//	rps_ratio_unshared        0.642   >=0.60  PASS
type metricRow struct {
	value          float64
	raw            string // the value as printed
	target, result string // "-" or "" when there is none
}

// metricKey is what a metric line starts with.
var metricKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// parseMetrics reads every "key value [target [result]]" line of out whose
// value is a number; a key printed twice keeps its last value. Headers,
// comments and lines of other shapes are skipped.
func parseMetrics(out string) map[string]metricRow {
	rows := map[string]metricRow{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !metricKey.MatchString(f[0]) {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		r := metricRow{value: v, raw: f[1]}
		if len(f) > 2 {
			r.target = f[2]
		}
		if len(f) > 3 {
			r.result = f[3]
		}
		rows[f[0]] = r
	}
	return rows
}
