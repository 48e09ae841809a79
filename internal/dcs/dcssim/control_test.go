package dcssim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// TestControlSetStatus: POST /_sim/tasks/{id}/status moves a task, in
// whichever project holds it, to the status on the body's first line, with
// the error message that follows (or ?error=), which the list then shows.
func TestControlSetStatus(t *testing.T) {
	const extra = "1b2c3d4e5f60718293a4b5c6d7e8f90a"
	clk := newFakeClock()
	sim := New(Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, Now: clk.Now,
		Projects: []Project{{ID: extra}}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	post := func(method, path, body string) (int, string) {
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
	running := sim.IDsWithStatusIn(testProject, "FULLMIGRATING")[0]
	other := sim.IDsWithStatusIn(extra, "FULLMIGRATING")
	if len(other) == 0 {
		other = sim.IDsWithStatusIn(extra, "INCRMIGRATING")
	}
	if len(other) == 0 {
		t.Fatal("the extra project has no task in progress")
	}
	status := func(id string) (string, string) {
		t.Helper()
		task, ok := sim.Task(id)
		if !ok {
			t.Fatalf("task %s is gone", id)
		}
		return task.Status, task.ErrorMessage
	}

	// The message on the body's second line, CRLF or LF.
	if code, body := post("POST", "/_sim/tasks/"+running+"/status", "FAILED\r\nSource Redis connection failed: NOAUTH.\r\n"); code != 204 {
		t.Fatalf("set FAILED: %d %q", code, body)
	}
	if st, msg := status(running); st != "FAILED" || msg != "Source Redis connection failed: NOAUTH." {
		t.Errorf("after FAILED: %q, %q", st, msg)
	}
	// The list shows it, as it shows any failed task's error_message.
	var page struct {
		Tasks []struct {
			TaskID       string `json:"task_id"`
			Status       string `json:"status"`
			ErrorMessage string `json:"error_message"`
		} `json:"migration_tasks"`
	}
	client{t: t, sim: sim, clk: clk}.get(listPath(), url.Values{"limit": {"100"}}).json(t, &page)
	found := false
	for _, it := range page.Tasks {
		if it.TaskID == running {
			found = it.Status == "FAILED" && it.ErrorMessage == "Source Redis connection failed: NOAUTH."
		}
	}
	if !found {
		t.Errorf("the list does not show the task failed with its message: %+v", page.Tasks)
	}

	// The message in ?error=, a task of another project, any status.
	if code, body := post("POST", "/_sim/tasks/"+other[0]+"/status?error=disk+full", "MIGRATION_FAILED"); code != 204 {
		t.Fatalf("set MIGRATION_FAILED: %d %q", code, body)
	}
	if st, msg := status(other[0]); st != "MIGRATION_FAILED" || msg != "disk full" {
		t.Errorf("after MIGRATION_FAILED: %q, %q", st, msg)
	}
	// No message clears the old one; the status's clock starts now.
	if code, _ := post("POST", "/_sim/tasks/"+running+"/status", " FULLMIGRATING \n"); code != 204 {
		t.Fatalf("set FULLMIGRATING: %d", code)
	}
	if st, msg := status(running); st != "FULLMIGRATING" || msg != "" {
		t.Errorf("after FULLMIGRATING: %q, %q (want the message cleared)", st, msg)
	}
	clk.Advance(24 * time.Hour)
	if st, _ := status(running); st == "FULLMIGRATING" {
		t.Errorf("the task did not move on from FULLMIGRATING")
	}
	if code, _ := post("POST", "/_sim/tasks/"+running+"/status", "WEIRD_NEW_STATE"); code != 204 {
		t.Fatalf("an unknown status: %d", code)
	}
	if st, _ := status(running); st != "WEIRD_NEW_STATE" {
		t.Errorf("after an unknown status: %q", st)
	}

	for _, tc := range []struct {
		method, path, body string
		code               int
		says               string
	}{
		{"POST", "/_sim/tasks/no-such-task/status", "FAILED", 404, "no task no-such-task"},
		{"POST", "/_sim/tasks/" + running + "/status", "", 400, "empty status"},
		{"POST", "/_sim/tasks/" + running + "/status", " \n\nmessage without a status", 400, "empty status"},
		{"POST", "/_sim/tasks/" + running + "/status?error=b", "FAILED\na", 400, "given twice"},
		{"GET", "/_sim/tasks/" + running + "/status", "", 405, "POST"},
		{"POST", "/_sim/tasks//status", "FAILED", 404, "unknown control endpoint"},
		{"POST", "/_sim/tasks/" + running, "FAILED", 404, "unknown control endpoint"},
	} {
		code, body := post(tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("%s %s %q: %d %q, want %d saying %q", tc.method, tc.path, tc.body, code, body, tc.code, tc.says)
		}
	}
	if st, _ := status(running); st != "WEIRD_NEW_STATE" {
		t.Errorf("a refused request changed the task: %q", st)
	}
}

// TestSetStatusWithError: the Go side of the same control.
func TestSetStatusWithError(t *testing.T) {
	sim := newTestSim(newFakeClock(), 0)
	id := sim.IDsWithStatus("INCRMIGRATING")[0]
	if err := sim.SetStatusWithError(id, "FAILED", "boom"); err != nil {
		t.Fatal(err)
	}
	if task, _ := sim.Task(id); task.Status != "FAILED" || task.ErrorMessage != "boom" {
		t.Errorf("%q, %q", task.Status, task.ErrorMessage)
	}
	// SetStatus leaves the message as it was.
	if err := sim.SetStatus(id, "FAILED"); err != nil {
		t.Fatal(err)
	}
	if task, _ := sim.Task(id); task.ErrorMessage != "boom" {
		t.Errorf("SetStatus changed the message: %q", task.ErrorMessage)
	}
	if err := sim.SetStatusWithError("no-such-task", "FAILED", "x"); err == nil {
		t.Error("an unknown task was accepted")
	}
}
