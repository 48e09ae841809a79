package dcssim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFaultsRoundTrip(t *testing.T) {
	id, id2 := SeedID(0), SeedID(1)
	cases := []struct {
		spec string
		want Faults
	}{
		{"", Faults{}},
		{" latency=100ms , error-rate=0.05 ", Faults{Latency: 100 * time.Millisecond, ErrorRate: 0.05}},
		{"task:" + id + "=status:400:DCS.4957:Operation not allowed", Faults{Tasks: map[string]TaskFault{
			id: {Status: 400, Code: "DCS.4957", Message: "Operation not allowed"}}}},
		{"task:" + id + "=status:503", Faults{Tasks: map[string]TaskFault{id: {Status: 503}}}},
		{"task:" + id + "=status:400:DCS.4957:a%2C b: c %40 100%25", Faults{Tasks: map[string]TaskFault{
			id: {Status: 400, Code: "DCS.4957", Message: "a, b: c @ 100%"}}}},
		{"task:" + id + "=delay:3s,task:" + id + "=malformed", Faults{Tasks: map[string]TaskFault{
			id: {Delay: 3 * time.Second, Malformed: true}}}},
		{"task:" + id + "=html:502@StopMigrationTask+BatchStopMigrationTasks,task:" + id2 + "=html",
			Faults{Tasks: map[string]TaskFault{
				id:  {HTML: true, Status: 502, Ops: []Op{OpStop, OpBatchStop}},
				id2: {HTML: true, Status: 502}}}},
		{"task:" + id + "=delay:1s@ListMigrationTask", Faults{Tasks: map[string]TaskFault{
			id: {Delay: time.Second, Ops: []Op{OpList}}}}},
		{"task:" + id + "=omit@BatchStopMigrationTasks", Faults{Tasks: map[string]TaskFault{
			id: {Omit: true, Ops: []Op{OpBatchStop}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseFaults(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parsed %+v, want %+v", got, tc.want)
			}
			again, err := ParseFaults(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip via %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseFaultsErrors(t *testing.T) {
	cases := map[string]string{
		"latency":                   "KEY=VALUE",
		"latency=fast":              "bad duration",
		"latency=-1s":               "negative",
		"error-rate=1.5":            "0 to 1",
		"error-rate=x":              "0 to 1",
		"jitter=1s":                 "unknown key",
		"task:=malformed":           "missing task id",
		"task:x=status:200":         "400 to 599",
		"task:x=status:abc":         "400 to 599",
		"task:x=html:301":           "400 to 599",
		"task:x=explode":            "unknown task fault",
		"task:x=malformed:yes":      "no argument",
		"task:x=omit:1":             "no argument",
		"task:x=delay:soon":         "bad duration",
		"task:x=malformed@StopTask": "unknown operation",
		"task:x=delay:1s,task:x=html@ShowMigrationTask": "same operations",
		"task:x=status:400:C:100%":                      "bad escape",
	}
	for spec, want := range cases {
		_, err := ParseFaults(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", spec, err, want)
		}
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	a, b := sim.IDsWithStatus("INCRMIGRATING")[0], sim.IDsWithStatus("INCRMIGRATING")[1]

	// Status fault limited to Stop: Show works, Stop fails and does not take effect.
	sim.SetFaults(Faults{Tasks: map[string]TaskFault{a: {Ops: []Op{OpStop}, Status: 409, Code: "DCS.4957", Message: "busy"}}})
	if res := c.get(taskPath(a), nil); res.status != 200 {
		t.Fatalf("show with a stop-only fault: %d", res.status)
	}
	res := c.do("POST", taskPath(a, "stop"), nil, nil)
	if res.status != 409 || res.errorCode(t) != "DCS.4957" || !strings.Contains(string(res.body), `"error_msg":"busy"`) {
		t.Fatalf("status fault: %d %s", res.status, res.body)
	}
	if tk, _ := sim.Task(a); tk.Status != "INCRMIGRATING" {
		t.Fatal("a failed stop took effect")
	}

	// HTML: gateway page, text/html, no effect.
	sim.SetFaults(Faults{Tasks: map[string]TaskFault{a: {HTML: true, Status: 502}}})
	res = c.do("POST", taskPath(a, "stop"), nil, nil)
	if res.status != 502 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !strings.Contains(string(res.body), "<html>") {
		t.Fatalf("html fault: %d %q %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	if res.header.Get("X-Request-Id") == "" {
		t.Fatal("no request id on an injected answer")
	}

	// Malformed: 200, invalid JSON, and the stop did happen.
	sim.SetFaults(Faults{Tasks: map[string]TaskFault{a: {Malformed: true}}})
	res = c.do("POST", taskPath(a, "stop"), nil, nil)
	if res.status != 200 || json.Valid(res.body) || len(res.body) == 0 {
		t.Fatalf("malformed fault: %d %s", res.status, res.body)
	}
	if tk, _ := sim.Task(a); tk.Status != "TERMINATING" {
		t.Fatal("a malformed answer's stop did not take effect")
	}

	// Batch: a status fault fails that task only.
	sim.SetFaults(Faults{Tasks: map[string]TaskFault{b: {Status: 500, Code: "DCS.5000"}}})
	body, _ := json.Marshal(map[string]any{"migration_tasks": []string{b, sim.IDsWithStatus("RUNNING")[0]}})
	var batch batchStopResponse
	c.do("POST", "/v2/"+testProject+"/migration-task/batch-stop", nil, body).json(t, &batch)
	if r := batch.MigrationTasks; r[0].Result != "failed" || r[0].ErrorCode != "DCS.5000" || r[1].Result != "success" {
		t.Fatalf("batch with a task fault: %+v", r)
	}

	// List faults apply only when asked for and the task is on the page.
	sim.SetFaults(Faults{Tasks: map[string]TaskFault{b: {Status: 503}}})
	if res := c.get(listPath(), nil); res.status != 200 {
		t.Fatalf("list with a fault not naming List: %d", res.status)
	}
	sim.SetFaults(Faults{Tasks: map[string]TaskFault{b: {Status: 503, Ops: []Op{OpList}}}})
	if res := c.get(listPath(), map[string][]string{"limit": {"1000"}}); res.status != 503 || res.errorCode(t) != "DCS.5000" {
		t.Fatalf("list fault: %d %s", res.status, res.body)
	}
	if res := c.get(listPath(), map[string][]string{"name": {"no-such"}}); res.status != 200 {
		t.Fatalf("list fault off the page: %d", res.status)
	}

	// Error rate.
	sim.SetFaults(Faults{ErrorRate: 1})
	if res := c.get(taskPath(b), nil); res.status != 500 || res.errorCode(t) != "DCS.5000" {
		t.Fatalf("error-rate 1: %d %s", res.status, res.body)
	}
	sim.SetFaults(Faults{ErrorRate: 0.5})
	fails := 0
	for range 200 {
		if c.get(listPath(), nil).status == 500 {
			fails++
		}
	}
	if fails < 50 || fails > 150 {
		t.Fatalf("error-rate 0.5 failed %d of 200", fails)
	}

	// Latency and per-task delay are real time.
	sim.SetFaults(Faults{Latency: 30 * time.Millisecond, Tasks: map[string]TaskFault{b: {Delay: 40 * time.Millisecond}}})
	start := time.Now()
	c.get(listPath(), nil)
	if d := time.Since(start); d < 30*time.Millisecond || d > 35*time.Millisecond+time.Second {
		t.Fatalf("latency: %s", d)
	}
	start = time.Now()
	c.get(taskPath(b, "logs"), nil)
	if d := time.Since(start); d < 70*time.Millisecond {
		t.Fatalf("latency+delay: %s", d)
	}
}

func TestDelayHonoursClientCancel(t *testing.T) {
	sim := New(Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK})
	sim.SetFaults(Faults{Latency: time.Minute})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	r, _ := http.NewRequest("GET", srv.URL+listPath(), nil)
	testSign(r, nil, testAK, testSK, time.Now())
	cl := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	if _, err := cl.Do(r); err == nil {
		t.Fatal("no timeout")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("client timeout not honoured")
	}
}

func TestCallsCounting(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	id := SeedID(0)
	c.get(listPath(), nil)
	c.get(taskPath(id), nil)
	c.get(taskPath(id), nil)
	c.get(taskPath(id, "stats"), nil)
	c.get(taskPath(id, "logs"), nil)
	c.do("POST", taskPath(id, "stop"), nil, nil)
	c.do("POST", taskPath(id, "stop"), nil, nil) // a failed call counts too
	sim.SetFaults(Faults{ErrorRate: 1})
	c.get(listPath(), nil) // so does a faulted one
	want := map[Op]int{OpList: 2, OpShow: 2, OpStats: 1, OpLogs: 1, OpStop: 2, OpBatchStop: 0}
	for op, n := range want {
		if got := sim.Calls(op); got != n {
			t.Errorf("%s: %d calls, want %d", op, got, n)
		}
	}
	sim.ResetCalls()
	if sim.Calls(OpList) != 0 {
		t.Fatal("ResetCalls kept counts")
	}
}
