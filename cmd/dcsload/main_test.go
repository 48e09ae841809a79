package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestInvalid: each mode refuses the other's flags and bad values.
func TestInvalid(t *testing.T) {
	ok := options{mode: "compare", duration: 20 * time.Second, warmup: 2 * time.Second, concurrency: 16, rounds: 2,
		path: "/", clients: 200, simFaults: "latency=100ms"}
	soak := ok
	soak.mode = "soak"
	for _, tt := range []struct {
		name string
		o    options
		set  []string
		want string // "" for valid
	}{
		{"compare, make bench", ok, []string{"duration", "concurrency", "rounds"}, ""},
		{"soak, make loadtest", soak, []string{"clients", "sim-faults"}, ""},
		{"compare with -clients", ok, []string{"clients"}, "soak only"},
		{"soak with -rounds", soak, []string{"rounds"}, "compare only"},
		{"no rounds", with(ok, func(o *options) { o.rounds = 0 }), nil, "at least 1"},
		{"relative path", with(ok, func(o *options) { o.path = "tasks" }), nil, "start with /"},
		{"no duration", with(ok, func(o *options) { o.duration = 0 }), nil, "positive"},
		{"unknown mode", with(ok, func(o *options) { o.mode = "race" }), nil, "compare or soak"},
		{"bad faults", with(soak, func(o *options) { o.simFaults = "latency=soon" }), nil, "-sim-faults"},
	} {
		set := map[string]bool{}
		for _, f := range tt.set {
			set[f] = true
		}
		got := tt.o.invalid(set)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: invalid() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func with(o options, f func(*options)) options { f(&o); return o }

// TestReportKeys: the report has one phase line per target and the metric
// keys the bench summary greps for, each once, with the unshared ratio
// judged against its target and the shared one informational.
func TestReportKeys(t *testing.T) {
	m := func(name string, requests, calls int) measure {
		return measure{name: name, phase: phase{requests: requests, elapsed: 10 * time.Second,
			latencies: []time.Duration{time.Millisecond}}, simCalls: calls, cpu: time.Second}
	}
	var out bytes.Buffer
	report(&out, options{concurrency: 16, duration: 10 * time.Second, rounds: 2, path: "/"}, "0.00 0.00 0.00", []dashResult{
		{measure: m("dashboard_shared", 9000, 10), mem: procMem{hwmKiB: 50 << 10}, suffix: "_shared"},
		{measure: m("dashboard_unshared", 5000, 5000), mem: procMem{hwmKiB: 90 << 10}, suffix: "_unshared", target: targetRatioUnshared},
	}, m("direct", 10000, 10000))
	lines := map[string][]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] != "#" {
			if _, dup := lines[f[0]]; dup {
				t.Errorf("key %s twice", f[0])
			}
			lines[f[0]] = f
		}
	}
	want := map[string][]string{
		"dashboard_shared":                  {"dashboard_shared", "9000", "0", "900.0"},
		"dashboard_unshared":                {"dashboard_unshared", "5000", "0", "500.0"},
		"direct":                            {"direct", "10000", "0", "1000.0"},
		"rps_ratio_shared":                  {"rps_ratio_shared", "0.900", "-", "-"},
		"rps_ratio_unshared":                {"rps_ratio_unshared", "0.500", ">=0.60", "MISS"},
		"dashboard_cpu_us_per_req_shared":   {"dashboard_cpu_us_per_req_shared", "111"},
		"dashboard_cpu_us_per_req_unshared": {"dashboard_cpu_us_per_req_unshared", "200"},
		"dashboard_vmhwm_mb_shared":         {"dashboard_vmhwm_mb_shared", "52.4", "<=80", "PASS"},
		"dashboard_vmhwm_mb_unshared":       {"dashboard_vmhwm_mb_unshared", "94.4", "<=80", "MISS"},
	}
	for key, w := range want {
		got := lines[key]
		if len(got) < len(w) {
			t.Errorf("%s: %q, want %q\n%s", key, got, w, out.String())
			continue
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("%s: %q, want %q", key, got, w)
				break
			}
		}
	}
	for _, gone := range []string{"rps_ratio", "dashboard_vmhwm_mb", "dashboard_cpu_us_per_req", "dashboard"} {
		if _, ok := lines[gone]; ok {
			t.Errorf("the report still has the single-dashboard key %s", gone)
		}
	}
}
