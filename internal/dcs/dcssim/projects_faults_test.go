package dcssim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProjectFaultFailsThatProjectOnly(t *testing.T) {
	clk := newFakeClock()
	sim := newMultiSim(clk)
	ca := client{t: t, sim: sim, clk: clk}
	cb := client{t: t, sim: sim, clk: clk, project: projectB}
	sim.SetFaults(Faults{Projects: map[string]ProjectFault{projectB: {Status: 503, Code: "DCS.5000", Message: "region down"}}})
	if res := cb.get(projectPath(projectB, "migration-tasks"), nil); res.status != 503 || res.errorCode(t) != "DCS.5000" ||
		!strings.Contains(string(res.body), "region down") {
		t.Fatalf("B's list: %d %s", res.status, res.body)
	}
	if res := ca.get(listPath(), nil); res.status != 200 {
		t.Fatalf("A's list under B's fault: %d", res.status)
	}
	id := sim.IDsWithStatusIn(projectB, "RUNNING")[0]
	if res := cb.do("POST", projectPath(projectB, "migration-task", id, "stop"), nil, nil); res.status != 503 {
		t.Fatalf("B's stop: %d", res.status)
	}
	body, _ := json.Marshal(map[string]any{"migration_tasks": []string{id}})
	if res := cb.do("POST", projectPath(projectB, "migration-task", "batch-stop"), nil, body); res.status != 503 {
		t.Fatalf("B's batch stop fails as a whole: %d %s", res.status, res.body)
	}
	if tk, _ := sim.Task(id); tk.Status != "RUNNING" {
		t.Fatal("a failed stop took effect")
	}
	if sim.CallsIn(projectB, OpStop) != 1 || sim.CallsIn(projectB, OpList) != 1 {
		t.Fatal("faulted calls not counted")
	}

	// Limited to some operations, an HTML page: B's list fails, its show works.
	sim.SetFaults(Faults{Projects: map[string]ProjectFault{projectB: {HTML: true, Status: 504, Ops: []Op{OpList}}}})
	res := cb.get(projectPath(projectB, "migration-tasks"), nil)
	if res.status != 504 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Fatalf("B's list under an HTML fault: %d %q", res.status, res.header.Get("Content-Type"))
	}
	if res := cb.get(projectPath(projectB, "migration-task", id), nil); res.status != 200 {
		t.Fatalf("B's show under a list-only fault: %d", res.status)
	}

	// A delay slows B alone.
	sim.SetFaults(Faults{Projects: map[string]ProjectFault{projectB: {Delay: 40 * time.Millisecond}}})
	start := time.Now()
	ca.get(listPath(), nil)
	if d := time.Since(start); d >= 40*time.Millisecond {
		t.Fatalf("A delayed by B's fault: %s", d)
	}
	start = time.Now()
	cb.get(projectPath(projectB, "migration-tasks"), nil)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("B not delayed: %s", d)
	}
}

func TestParseProjectFaults(t *testing.T) {
	cases := []struct {
		spec string
		want Faults
	}{
		{"project:" + projectB + "=status:503:DCS.5000:region%2C down", Faults{Projects: map[string]ProjectFault{
			projectB: {Status: 503, Code: "DCS.5000", Message: "region, down"}}}},
		{"project:" + projectB + "=delay:2s@ListMigrationTask+ShowMigrationTask,project:" + projectB + "=html:504@ListMigrationTask+ShowMigrationTask",
			Faults{Projects: map[string]ProjectFault{projectB: {Delay: 2 * time.Second, HTML: true, Status: 504, Ops: []Op{OpList, OpShow}}}}},
		{"latency=5ms,project:" + projectC + "=html,task:" + SeedID(0) + "=omit,project:" + projectB + "=status:400",
			Faults{Latency: 5 * time.Millisecond,
				Projects: map[string]ProjectFault{projectC: {HTML: true, Status: 502}, projectB: {Status: 400}},
				Tasks:    map[string]TaskFault{SeedID(0): {Omit: true}}}},
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
	errs := map[string]string{
		"project:=delay:1s":           "missing project id",
		"project:x=malformed":         "unknown project fault",
		"project:x=omit":              "unknown project fault",
		"project:x=status:302":        "400 to 599",
		"project:x=delay:1s@StopTask": "unknown operation",
		"project:x=delay:1s,project:x=html@ShowMigrationTask": "same operations",
		"region:x=html": "unknown key",
	}
	for spec, want := range errs {
		if _, err := ParseFaults(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", spec, err, want)
		}
	}
	// SetFaults copies the project map: changing the caller's does nothing.
	sim := newMultiSim(newFakeClock())
	f := Faults{Projects: map[string]ProjectFault{projectB: {Ops: []Op{OpList}, Status: 500}}}
	sim.SetFaults(f)
	f.Projects[projectB].Ops[0] = OpStop
	delete(f.Projects, projectB)
	if got := sim.Faults().Projects[projectB]; got.Ops[0] != OpList {
		t.Fatalf("stored fault changed with the caller's map: %+v", got)
	}
}

func TestControlSurfaceProjects(t *testing.T) {
	clk := newFakeClock()
	sim := newMultiSim(clk)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	call := func(method, path, body string) (int, string) {
		t.Helper()
		r, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	spec := "project:" + projectB + "=status:503:DCS.5000:down@StopMigrationTask"
	if code, body := call("PUT", "/_sim/faults", spec); code != 200 || body != spec {
		t.Fatalf("PUT project fault: %d %q", code, body)
	}
	if sim.Faults().Projects[projectB].Status != 503 {
		t.Fatal("PUT did not set the project fault")
	}
	client{t: t, sim: sim, clk: clk, project: projectB}.get(projectPath(projectB, "migration-tasks"), nil)
	var counts map[string]int
	code, body := call("GET", "/_sim/calls?project="+projectB, "")
	if err := json.Unmarshal([]byte(body), &counts); code != 200 || err != nil || counts["ListMigrationTask"] != 1 {
		t.Fatalf("B's calls: %d %s", code, body)
	}
	code, body = call("GET", "/_sim/calls?project="+testProject, "")
	if err := json.Unmarshal([]byte(body), &counts); code != 200 || err != nil || counts["ListMigrationTask"] != 0 {
		t.Fatalf("A's calls: %d %s", code, body)
	}
	if code, _ := call("GET", "/_sim/calls?project=nope", ""); code != 404 {
		t.Fatalf("calls of an unknown project: %d", code)
	}
	var ids []string
	code, body = call("GET", "/_sim/projects", "")
	if err := json.Unmarshal([]byte(body), &ids); code != 200 || err != nil || !slices.Equal(ids, sim.Projects()) {
		t.Fatalf("projects: %d %s", code, body)
	}
}
