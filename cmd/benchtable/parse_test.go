package main

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// viewsOut is `go test -run '^$' -bench . -benchmem -count 5 ./views/` with
// the per-row metrics.
const viewsOut = `goos: linux
goarch: amd64
pkg: github.com/dcs-dashboard/migrations/views
cpu: Intel(R) Xeon(R) Processor
BenchmarkListRender-2              	    2221	    530000 ns/op	    541000 cpu-ns/op	    145100 html-bytes	      1451 html-bytes/row	        47.80 allocs/row	  145176 B/op	    4778 allocs/op
BenchmarkListRender-2              	    2254	    512000 ns/op	    520000 cpu-ns/op	    145100 html-bytes	      1451 html-bytes/row	        47.80 allocs/row	  145176 B/op	    4778 allocs/op
BenchmarkListRender-2              	    2100	    575000 ns/op	    590000 cpu-ns/op	    145100 html-bytes	      1451 html-bytes/row	        47.80 allocs/row	  145176 B/op	    4778 allocs/op
BenchmarkListRender-2              	    2240	    521000 ns/op	    533000 cpu-ns/op	    145100 html-bytes	      1451 html-bytes/row	        47.80 allocs/row	  145176 B/op	    4778 allocs/op
BenchmarkListRender-2              	    2230	    540000 ns/op	    550000 cpu-ns/op	    145100 html-bytes	      1451 html-bytes/row	        47.80 allocs/row	  145176 B/op	    4778 allocs/op
BenchmarkDetailRender/online-2     	   13420	     88712 ns/op	     90102 cpu-ns/op	     21337 html-bytes	   30016 B/op	     611 allocs/op
BenchmarkDetailRender/online-2     	   13511	     87930 ns/op	     89811 cpu-ns/op	     21337 html-bytes	   30016 B/op	     611 allocs/op
BenchmarkDetailRender/backup-2     	   21771	     55012 ns/op	     56004 cpu-ns/op	     14250 html-bytes	   19872 B/op	     402 allocs/op
PASS
ok  	github.com/dcs-dashboard/migrations/views	41.222s
`

// viewsOutBefore is the same before the benchmark reported per-row figures.
const viewsOutBefore = `BenchmarkListRender-2   	    3124	    380112 ns/op	    381000 cpu-ns/op	     52010 html-bytes	   61000 B/op	    1210 allocs/op
BenchmarkListRender-2   	    3190	    376000 ns/op	    379000 cpu-ns/op	     52010 html-bytes	   61000 B/op	    1210 allocs/op
BenchmarkListRender-2   	    3171	    390500 ns/op	    392000 cpu-ns/op	     52010 html-bytes	   61000 B/op	    1210 allocs/op
PASS
`

// viewsOutVariants is the list benchmark split into sub-benchmarks, one
// per viewer's role (real output, trimmed).
const viewsOutVariants = `BenchmarkListRender/operator-2         	   10000	    134569 ns/op	         5.871 allocs/row	    129923 cpu-ns/op	     88845 html-bytes	       888.5 html-bytes/row	   22038 B/op	     587 allocs/op
BenchmarkListRender/operator-2         	    9013	    134149 ns/op	         5.871 allocs/row	    132843 cpu-ns/op	     88845 html-bytes	       888.5 html-bytes/row	   22167 B/op	     587 allocs/op
BenchmarkListRender/operator-2         	    8406	    137841 ns/op	         5.871 allocs/row	    136026 cpu-ns/op	     88845 html-bytes	       888.5 html-bytes/row	   22296 B/op	     587 allocs/op
BenchmarkListRender/operator-2         	    8146	    138831 ns/op	         5.871 allocs/row	    135896 cpu-ns/op	     88845 html-bytes	       888.5 html-bytes/row	   22364 B/op	     587 allocs/op
BenchmarkListRender/operator-2         	    8238	    123014 ns/op	         5.872 allocs/row	    140743 cpu-ns/op	     88845 html-bytes	       888.5 html-bytes/row	   22734 B/op	     587 allocs/op
BenchmarkListRender/viewer-2           	   10000	    115224 ns/op	         5.681 allocs/row	    123098 cpu-ns/op	     69403 html-bytes	       694.0 html-bytes/row	   21153 B/op	     568 allocs/op
BenchmarkListRender/viewer-2           	    9372	    125546 ns/op	         5.681 allocs/row	    120553 cpu-ns/op	     69403 html-bytes	       694.0 html-bytes/row	   20793 B/op	     568 allocs/op
BenchmarkListRender/viewer-2           	    9608	    210310 ns/op	         5.681 allocs/row	    126291 cpu-ns/op	     69403 html-bytes	       694.0 html-bytes/row	   20967 B/op	     568 allocs/op
BenchmarkListRender/viewer-2           	    9399	    178773 ns/op	         5.681 allocs/row	    127241 cpu-ns/op	     69403 html-bytes	       694.0 html-bytes/row	   20976 B/op	     568 allocs/op
BenchmarkListRender/viewer-2           	   10422	    115374 ns/op	         5.681 allocs/row	    115208 cpu-ns/op	     69403 html-bytes	       694.0 html-bytes/row	   20820 B/op	     568 allocs/op
BenchmarkListRenderer-2                	     100	     99999 ns/op	         1.000 allocs/row
BenchmarkDetailRender/online-2         	   10000	    145244 ns/op	     99422 cpu-ns/op	     15927 html-bytes	   30585 B/op	     840 allocs/op
PASS
`

// handlersOut is the handlers' benchmarks, with the server's log lines
// (b.Log) after each and one result split by a line printed mid-run.
const handlersOut = `goos: linux
goarch: amd64
pkg: github.com/dcs-dashboard/migrations/handlers
cpu: Intel(R) Xeon(R) Processor
BenchmarkTaskPageLatency-2   	      20	 102568456 ns/op	       102.6 ms-p50	       102.9 ms-p90	         1.026 x-round-trip
--- BENCH: BenchmarkTaskPageLatency-2
    handler.go:322: time=2026-11-30T16:22:12.905Z level=INFO msg=request request_id=gqWSeh method=GET path=/ route=/ status=200 duration_ms=206 remote_ip=127.0.0.1 user=local
    handler.go:322: time=2026-11-30T16:22:13.009Z level=INFO msg=request request_id=NxQAdL method=GET path=/t/default/tasks/230a5f41 status=200 duration_ms=102
	... [output truncated]
BenchmarkFirstVisit-2        	      20	  15037753 ns/op	         4.000 assets	     29960 first-visit-body-bytes	     38682 first-visit-bytes	     48838 html-bytes	      8359 html-wire-bytes	      8269 repeat-visit-bytes	         1.000 repeat-visit-requests	        20.00 rows
--- BENCH: BenchmarkFirstVisit-2
    handler.go:322: time=2026-11-30T16:22:14.001Z level=INFO msg=request method=GET path=/static/js/app.js status=200
BenchmarkIdleTab-2           	dcssim: a line the simulator printed while the benchmark ran
      20	   2281963 ns/op	      3496 changed-answer-bytes	         1.000 changed-rows-sent	      6160 first-refresh-bytes	     21420 idle-bytes/min	      1785 idle-bytes/refresh	      1239 idle-request-bytes	        12.00 refreshes/min	        20.00 rows	       301.0 rows-state-bytes	        19.00 stub-rows-sent
--- BENCH: BenchmarkIdleTab-2
PASS
ok  	github.com/dcs-dashboard/migrations/handlers	6.357s
`

// compareOut is cmd/dcsload's compare mode (stdout).
const compareOut = `# dcsload concurrency=16 duration=20s warmup=2s rounds=2 path=/ cpus=2 loadavg_at_start="0.52 0.61 0.80" loadavg_at_end="3.10 1.40 1.02"
# dashboard_*: GET / on the cmd/web binary (two child processes, same simulator)
# direct: dcs.Client.List(limit=20) from this process to the simulator
phase               requests  errors  rps     p50_ms  p99_ms  sim_calls  sim_conns  sim_calls_per_req
dashboard_shared    41230     0       2061.5  7.41    21.07   210        2          0.005
dashboard_unshared  13311     0       665.6   23.10   51.33   26700      3          2.006
direct              20110     0       1005.5  15.22   33.90   20110      16         1.000
metric                             value   target  result
rps_ratio_shared                   2.050   -       -
rps_ratio_unshared                 0.662   >=0.60  PASS
dashboard_cpu_us_per_req_shared    212     -       -
dashboard_cpu_us_per_req_unshared  655     -       -
dashboard_vmhwm_mb_shared          31.2    <=80    PASS
dashboard_vmhwm_mb_unshared        36.9    <=80    PASS
dashboard_vmrss_mb_shared          29.0    -       -
dashboard_vmrss_start_mb_shared    14.1    -       -
`

// soakOut is cmd/dcsload's soak mode (stdout).
const soakOut = `# dcsload soak clients=200 duration=1m0s warmup=2s faults="latency=100ms,error-rate=0.05" cpus=2 loadavg_at_start="1.00 0.90 0.80" loadavg_at_end="2.00 1.50 1.00"
page    requests  rps    p50_ms  p99_ms  ok     upstream_error_page  upstream_banner_200  dashboard_errors
list    21000     350.0  210.00  900.00  19950  1000                 50                   0
detail  20500     341.7  230.00  950.00  19400  1000                 100                  0
all     41500     691.7  220.00  930.00  39350  2000                 150                  0
metric                    value  target     result
dashboard_errors          0      0          PASS
goroutines_before         31     -          -
goroutines_after          33     <=41       PASS
dashboard_vmhwm_mb        64.3   <=80       PASS
dashboard_vmrss_after_mb  40.2   -          -
sim_error_fraction        0.0501 ~0.05      -
upstream_claims_http_502  120    answered 300  PASS
dashboard_error list 0 "x" e.g. y
`

func TestParseBench(t *testing.T) {
	rs := parseBench(viewsOut)
	if len(rs) != 8 {
		t.Fatalf("%d results, want 8: %+v", len(rs), rs)
	}
	r := rs[0]
	if r.name != "BenchmarkListRender" || r.procs != 2 || r.n != 2221 {
		t.Errorf("first: %+v", r)
	}
	for unit, want := range map[string]float64{"ns/op": 530000, "cpu-ns/op": 541000, "html-bytes/row": 1451,
		"allocs/row": 47.8, "B/op": 145176, "allocs/op": 4778} {
		if got := r.metrics[unit]; got != want {
			t.Errorf("%s = %v, want %v", unit, got, want)
		}
	}
	if rs[5].name != "BenchmarkDetailRender/online" || rs[7].name != "BenchmarkDetailRender/backup" {
		t.Errorf("sub-benchmarks: %q, %q", rs[5].name, rs[7].name)
	}
	if got := samples(rs, "ListRender", "ns/op"); len(got) != 5 {
		t.Errorf("ListRender ns/op samples: %v", got)
	}
	if got := samples(rs, "DetailRender/online", "ns/op"); len(got) != 2 {
		t.Errorf("DetailRender/online samples: %v", got)
	}
	// No GOMAXPROCS suffix when it is 1; a name may hold dashes.
	one := parseBench("BenchmarkListRender \t 100\t 5 ns/op\nBenchmarkX/a-b-4 \t 7\t 2.5 widgets\n")
	if len(one) != 2 || one[0].name != "BenchmarkListRender" || one[0].procs != 1 || one[1].name != "BenchmarkX/a-b" || one[1].procs != 4 {
		t.Errorf("%+v", one)
	}
}

func TestParseBenchSplitLine(t *testing.T) {
	rs := parseBench(handlersOut)
	names := []string{}
	for _, r := range rs {
		names = append(names, r.name)
	}
	if strings.Join(names, ",") != "BenchmarkTaskPageLatency,BenchmarkFirstVisit,BenchmarkIdleTab" {
		t.Fatalf("results %v", names)
	}
	if v := rs[2].metrics["idle-bytes/min"]; v != 21420 || rs[2].n != 20 {
		t.Errorf("the split IdleTab line: %+v", rs[2])
	}
	// A benchmark that failed before its figures leaves nothing to join.
	failed := parseBench("BenchmarkIdleTab-2   \t--- FAIL: BenchmarkIdleTab-2\n    wire_bench_test.go:1: boom\nFAIL\n12 3 x/op\n")
	if len(failed) != 0 {
		t.Errorf("a failed benchmark gave %+v", failed)
	}
}

func TestParseBenchIgnoresOtherLines(t *testing.T) {
	for _, s := range []string{
		"BenchmarkFoo-2   \t   notanumber\t 1 ns/op",
		"BenchmarkFoo-2   \t   10\t 1 ns/op 3",
		"BenchmarkFoo-2   \t   10\t x ns/op",
		"--- BENCH: BenchmarkFoo-2",
		"ok  \tgithub.com/x\t1.0s",
	} {
		if rs := parseBench(s); len(rs) != 0 {
			t.Errorf("%q gave %+v", s, rs)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{530, 512, 575, 521, 540}, 530}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	m := parseMetrics(compareOut)
	for key, want := range map[string]float64{"rps_ratio_shared": 2.05, "rps_ratio_unshared": 0.662,
		"dashboard_cpu_us_per_req_shared": 212, "dashboard_cpu_us_per_req_unshared": 655,
		"dashboard_vmhwm_mb_shared": 31.2, "dashboard_vmhwm_mb_unshared": 36.9} {
		if r, ok := m[key]; !ok || r.value != want {
			t.Errorf("%s = %+v (%v), want %v", key, r, ok, want)
		}
	}
	if r := m["rps_ratio_unshared"]; r.target != ">=0.60" || r.result != "PASS" || r.raw != "0.662" {
		t.Errorf("rps_ratio_unshared: %+v", r)
	}
	for _, key := range []string{"metric", "phase", "#"} {
		if _, ok := m[key]; ok {
			t.Errorf("a header was read as metric %q", key)
		}
	}
	s := parseMetrics(soakOut)
	if r := s["dashboard_vmhwm_mb"]; r.value != 64.3 || r.result != "PASS" {
		t.Errorf("soak dashboard_vmhwm_mb: %+v", r)
	}
	if _, ok := s["dashboard_error"]; ok {
		t.Error("the dashboard_error line (no number) was read as a metric")
	}
	// The compare output is not the soak's: its peak memory key is absent.
	if _, ok := m["dashboard_vmhwm_mb"]; ok {
		t.Error("dashboard_vmhwm_mb read from the compare output")
	}
}

// figureNamed finds a figure of the table by a part of its name.
func figureNamed(t *testing.T, part string) figure {
	t.Helper()
	for _, f := range figures {
		if strings.Contains(f.name, part) {
			return f
		}
	}
	t.Fatalf("no figure %q", part)
	return figure{}
}

func TestFigures(t *testing.T) {
	outs := map[string]*output{"views": parseOutput(viewsOut), "handlers": parseOutput(handlersOut),
		"compare": parseOutput(compareOut), "soak": parseOutput(soakOut)}
	for _, tc := range []struct {
		figure string
		value  float64
		result string
		text   string // a part of what is shown
	}{
		{"List HTML per row", 1451, "MISS", "1451 B (median of 5)"},
		{"Allocations per row", 47.8, "MISS", "47.8"},
		{"100-row list render", 530, "MISS", "530 µs [min 512, CPU 541] (median of 5)"},
		{"Dashboard CPU per 20-row", 212, "PASS", "212 µs"},
		{"same, reads not shared", 655, "info", "655"},
		{"First visit", 38682, "PASS", "38,682 B (bodies alone 29,960 B; page of 20 rows + 4 assets)"},
		{"Repeat visit", 1, "PASS", "8,269 B in 1 request(s); page on first visit 8,359 B"},
		{"Idle tab", 21420, "MISS", "21,420 B (12 × 204 of 1785 B: request 1239, X-Rows-State 301 of it; 20 rows)"},
		{"One task changed", 1, "PASS", "1 (+ 19 stubs), 3,496 B"},
		{"Task page p50", 1.026, "PASS", "1.03 (p50 102.6 ms)"},
		{"rps ratio, reads shared", 2.05, "info", "2.050"},
		{"rps ratio, reads not shared", 0.662, "PASS", "0.662"},
		{"Peak memory", 64.3, "PASS", "64.3 MB"},
	} {
		f := figureNamed(t, tc.figure)
		r, err := f.read(outs[f.cmd])
		if err != nil {
			t.Errorf("%s: %v", tc.figure, err)
			continue
		}
		if math.Abs(r.value-tc.value) > 1e-9 || verdict(f.target, r.value) != tc.result || !strings.Contains(r.text, tc.text) {
			t.Errorf("%s: %v %q %s, want %v %q %s", tc.figure, r.value, r.text, verdict(f.target, r.value), tc.value, tc.text, tc.result)
		}
	}
}

// Before the benchmark reported them, the per-row figures are derived from
// the page's, and say so.
func TestFiguresDerived(t *testing.T) {
	o := parseOutput(viewsOutBefore)
	r, err := figureNamed(t, "List HTML per row").read(o)
	if err != nil || math.Abs(r.value-520.1) > 1e-9 || !strings.Contains(r.text, "html-bytes / 100") {
		t.Errorf("HTML per row: %+v %v", r, err)
	}
	r, err = figureNamed(t, "Allocations per row").read(o)
	if err != nil || r.value != 12.1 || !strings.Contains(r.text, "allocs/op / 100") {
		t.Errorf("allocations per row: %+v %v", r, err)
	}
	r, err = figureNamed(t, "100-row list render").read(o)
	if err != nil || r.value != 380.112 || r.text != "380 µs [min 376, CPU 381] (median of 3)" {
		t.Errorf("render: %+v %v", r, err)
	}
}

// With sub-benchmarks, each is shown and the worst is judged; a benchmark
// whose name merely starts the same is not one of them.
func TestFiguresVariants(t *testing.T) {
	o := parseOutput(viewsOutVariants)
	for _, tc := range []struct {
		figure string
		value  float64
		text   string
	}{
		{"List HTML per row", 888.5, "888 B operator, 694 B viewer (medians of 5)"},
		{"Allocations per row", 5.871, "5.9 operator, 5.7 viewer (medians of 5)"},
		{"100-row list render", 134.569, "135 µs operator [min 123, CPU 136], 126 µs viewer [min 115, CPU 123] (medians of 5)"},
	} {
		r, err := figureNamed(t, tc.figure).read(o)
		if err != nil || math.Abs(r.value-tc.value) > 1e-9 || r.text != tc.text {
			t.Errorf("%s: %v %q %v, want %v %q", tc.figure, r.value, r.text, err, tc.value, tc.text)
		}
	}
}

func TestFigureMissing(t *testing.T) {
	// The compare output of an older dcsload: no _shared/_unshared keys.
	old := parseOutput("metric value target result\nrps_ratio 0.512 >=0.40 PASS\ndashboard_cpu_us_per_req 640 - -\n")
	_, err := figureNamed(t, "rps ratio, reads not shared").read(old)
	if !errors.Is(err, errMissing) || !strings.Contains(err.Error(), "rps_ratio_unshared") {
		t.Errorf("err %v", err)
	}
	_, err = figureNamed(t, "First visit").read(parseOutput(viewsOut))
	if !errors.Is(err, errMissing) {
		t.Errorf("err %v", err)
	}
}

func TestPrintTable(t *testing.T) {
	runs := map[string]*ran{
		"views":    {out: parseOutput(viewsOut), file: "/tmp/x/views.txt"},
		"handlers": {out: parseOutput(""), err: errors.New("exit status 1"), file: "/tmp/x/handlers.txt"},
		"compare":  {out: parseOutput("rps_ratio 0.5 >=0.40 PASS\n"), file: "/tmp/x/compare.txt"},
		"soak":     {skipped: true},
	}
	var b bytes.Buffer
	notes := printTable(&b, runs)
	table := b.String()
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) != len(figures)+1 {
		t.Fatalf("%d lines for %d figures:\n%s", len(lines), len(figures), table)
	}
	for _, want := range []string{"figure", "MISS", "n/a", "skipped", "not measured", "≤ 40,000 B", "≥ 0.6"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	row := func(part string) string {
		for _, l := range lines {
			if strings.Contains(l, part) {
				return l
			}
		}
		return ""
	}
	if r := row("First visit"); !strings.Contains(r, "not measured") || !strings.Contains(r, "n/a") {
		t.Errorf("a figure of the failed command: %q", r)
	}
	if r := row("Peak memory"); !strings.Contains(r, "skipped") {
		t.Errorf("a skipped figure: %q", r)
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "handlers failed") || !strings.Contains(all, "rps_ratio_unshared: not in the output (output of compare, in /tmp/x/compare.txt)") {
		t.Errorf("notes:\n%s", all)
	}
}

func TestSelectCommands(t *testing.T) {
	sel, err := selectCommands("", true)
	if err != nil || !sel["views"] || !sel["compare"] || sel["soak"] {
		t.Errorf("-skip-soak: %v %v", sel, err)
	}
	sel, err = selectCommands("handlers, soak", false)
	if err != nil || sel["views"] || !sel["handlers"] || !sel["soak"] {
		t.Errorf("-only: %v %v", sel, err)
	}
	if _, err := selectCommands("handler", false); err == nil {
		t.Error("an unknown command was accepted")
	}
	// Every figure reads a command there is.
	for _, f := range figures {
		if _, ok := sel[f.cmd]; !ok {
			t.Errorf("figure %q reads command %q, which is not run", f.name, f.cmd)
		}
	}
}

func TestBusy(t *testing.T) {
	if !busy("2.51 1.00 0.50", 2) || busy("1.99 3.00 3.00", 2) || busy("unknown", 2) {
		t.Error("busy")
	}
	if got := groupDigits(40000); got != "40,000" {
		t.Errorf("groupDigits(40000) = %q", got)
	}
	if got := groupDigits(1.2); got != "1.2" {
		t.Errorf("groupDigits(1.2) = %q", got)
	}
	if got := groupDigits(123456789); got != "123,456,789" {
		t.Errorf("groupDigits = %q", got)
	}
}
