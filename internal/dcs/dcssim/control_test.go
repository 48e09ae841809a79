package dcssim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestControlSurface(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
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
		return resp.StatusCode, string(b)
	}
	spec := "latency=5ms,task:" + SeedID(0) + "=status:400:DCS.4957:nope@StopMigrationTask"
	if code, body := call("PUT", "/_sim/faults", spec); code != 200 || strings.TrimSpace(body) != spec {
		t.Fatalf("PUT faults: %d %q", code, body)
	}
	if sim.Faults().Latency != 5*time.Millisecond {
		t.Fatal("PUT did not set faults")
	}
	if code, body := call("GET", "/_sim/faults", ""); code != 200 || strings.TrimSpace(body) != spec {
		t.Fatalf("GET faults: %d %q", code, body)
	}
	if code, body := call("PUT", "/_sim/faults", "latency=soon"); code != 400 || !strings.Contains(body, "bad duration") {
		t.Fatalf("bad spec: %d %q", code, body)
	}
	if sim.Faults().Latency != 5*time.Millisecond {
		t.Fatal("a bad spec changed the faults")
	}
	c := client{t: t, sim: sim, clk: clk}
	c.get(listPath(), nil)
	code, body := call("GET", "/_sim/calls", "")
	var counts map[string]int
	if err := json.Unmarshal([]byte(body), &counts); code != 200 || err != nil || counts["ListMigrationTask"] != 1 || len(counts) != len(Ops()) {
		t.Fatalf("calls: %d %s", code, body)
	}
	if code, _ := call("POST", "/_sim/reset-calls", ""); code != 204 || sim.Calls(OpList) != 0 {
		t.Fatalf("reset-calls: %d", code)
	}
	if code, _ := call("GET", "/_sim/nothing", ""); code != 404 {
		t.Fatalf("unknown control path: %d", code)
	}
}

// TestConcurrentUse is meant for -race: readers, stoppers, fault changes and
// Puts at once, through a real HTTP server.
func TestConcurrentUse(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, time.Second)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	send := func(method, path string, body string) {
		r, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		testSign(r, []byte(body), testAK, testSK, clk.Now())
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	ids := sim.IDsWithStatus("INCRMIGRATING")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id := SeedID((g + i) % 36)
				switch i % 6 {
				case 0:
					send("GET", listPath()+"?limit=50&name=a", "")
				case 1:
					send("GET", taskPath(id), "")
				case 2:
					send("GET", taskPath(id, "stats"), "")
				case 3:
					send("GET", taskPath(id, "logs")+"?limit=5", "")
				case 4:
					send("POST", taskPath(ids[(g+i)%len(ids)], "stop"), "")
				case 5:
					send("POST", "/v2/"+testProject+"/migration-task/batch-stop", fmt.Sprintf(`{"migration_tasks":[%q]}`, id))
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 50 {
			clk.Advance(200 * time.Millisecond)
			sim.SetFaults(Faults{Tasks: map[string]TaskFault{SeedID(i % 36): {Malformed: true}}})
			_ = sim.Faults().String()
			sim.Put(Task{TaskID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), TaskName: "put", Status: "RUNNING", MigrationType: "online_migration"})
			_ = sim.IDsWithStatus("TERMINATING")
			_ = sim.Passwords()
			_ = sim.Calls(OpShow)
		}
	}()
	wg.Wait()
	if got := sim.Calls(OpList) + sim.Calls(OpShow) + sim.Calls(OpStats) + sim.Calls(OpLogs) + sim.Calls(OpStop) + sim.Calls(OpBatchStop); got != 200 {
		t.Fatalf("%d calls counted, want 200", got)
	}
}

// BenchmarkServeList measures one signed list call through ServeHTTP,
// signature check included.
func BenchmarkServeList(b *testing.B) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	r := httptest.NewRequest("GET", "http://127.0.0.1"+listPath()+"?limit=50&offset=0", nil)
	testSign(r, nil, testAK, testSK, clk.Now())
	for b.Loop() {
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
