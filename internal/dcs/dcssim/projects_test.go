package dcssim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
)

// Two more projects beside testProject: one seeded by SeedFor, one with
// tasks of its own.
const (
	projectB = "1b2c3d4e5f60718293a4b5c6d7e8f90a"
	projectC = "2c3d4e5f60718293a4b5c6d7e8f90a1b"
)

func newMultiSim(clk *fakeClock) *Simulator {
	return New(Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, Now: clk.Now,
		Projects: []Project{{ID: projectB}, {ID: projectC, Tasks: SeedFor(projectC, clk.Now())[:3]}}})
}

func projectPath(project string, rest ...string) string {
	return "/v2/" + project + "/" + strings.Join(rest, "/")
}

func listIDs(t *testing.T, c client, project string) []string {
	t.Helper()
	var l wireList
	c.get(projectPath(project, "migration-tasks"), url.Values{"limit": {"1000"}}).json(t, &l)
	if l.Count != len(l.MigrationTasks) {
		t.Fatalf("%s: count %d, items %d", project, l.Count, len(l.MigrationTasks))
	}
	ids := make([]string, len(l.MigrationTasks))
	for i, it := range l.MigrationTasks {
		ids[i] = it["task_id"].(string)
	}
	return ids
}

func TestProjectsKeepSeparateTasks(t *testing.T) {
	clk := newFakeClock()
	sim := newMultiSim(clk)
	if got := sim.Projects(); !slices.Equal(got, []string{testProject, projectB, projectC}) {
		t.Fatalf("Projects() = %v", got)
	}
	a := listIDs(t, client{t: t, sim: sim, clk: clk}, testProject)
	b := listIDs(t, client{t: t, sim: sim, clk: clk, project: projectB}, projectB)
	c := listIDs(t, client{t: t, sim: sim, clk: clk, project: projectC}, projectC)
	if len(a) != len(Seed(clk.Now())) || len(b) != len(SeedFor(projectB, clk.Now())) || len(c) != 3 {
		t.Fatalf("list sizes %d %d %d", len(a), len(b), len(c))
	}
	for _, id := range b {
		if slices.Contains(a, id) || slices.Contains(c, id) {
			t.Fatalf("task %s listed in two projects", id)
		}
	}

	// A stop on B's path stops B's task; A's path does not know it.
	cb := client{t: t, sim: sim, clk: clk, project: projectB}
	ca := client{t: t, sim: sim, clk: clk}
	id := sim.IDsWithStatusIn(projectB, "INCRMIGRATING")[0]
	if res := ca.do("POST", projectPath(testProject, "migration-task", id, "stop"), nil, nil); res.status != 404 || res.errorCode(t) != "DCS.4133" {
		t.Fatalf("stop of B's task on A's path: %d %s", res.status, res.body)
	}
	if res := cb.do("POST", projectPath(projectB, "migration-task", id, "stop"), nil, nil); res.status != 200 {
		t.Fatalf("stop on B: %d %s", res.status, res.body)
	}
	if tk, _ := sim.Task(id); tk.Status != "TERMINATING" {
		t.Fatalf("B's task reads %s after its stop", tk.Status)
	}
	if sim.CallsIn(projectB, OpStop) != 1 || sim.CallsIn(testProject, OpStop) != 1 || sim.Calls(OpStop) != 2 {
		t.Fatalf("stop counts: B %d, A %d, all %d", sim.CallsIn(projectB, OpStop), sim.CallsIn(testProject, OpStop), sim.Calls(OpStop))
	}

	// A batch stop on A's path fails B's task as unknown and stops A's own.
	own := sim.IDsWithStatusIn(testProject, "RUNNING")[0]
	other := sim.IDsWithStatusIn(projectB, "RUNNING")[0]
	body, _ := json.Marshal(map[string]any{"migration_tasks": []string{own, other}})
	var batch batchStopResponse
	ca.do("POST", projectPath(testProject, "migration-task", "batch-stop"), nil, body).json(t, &batch)
	if r := batch.MigrationTasks; r[0].Result != "success" || r[1].Result != "failed" || r[1].ErrorCode != "DCS.4133" {
		t.Fatalf("batch across projects: %+v", r)
	}
	if tk, _ := sim.Task(other); tk.Status != "RUNNING" {
		t.Fatal("a batch stop on A's path stopped B's task")
	}
	if !slices.Equal(sim.IDsWithStatus("TERMINATING"), append(sim.IDsWithStatusIn(testProject, "TERMINATING"),
		append(sim.IDsWithStatusIn(projectB, "TERMINATING"), sim.IDsWithStatusIn(projectC, "TERMINATING")...)...)) {
		t.Fatal("IDsWithStatus is not the projects' ids in order")
	}
	sim.ResetCalls()
	if sim.CallsIn(projectB, OpStop) != 0 || sim.CallsIn(testProject, OpList) != 0 {
		t.Fatal("ResetCalls kept per-project counts")
	}
}

func TestProjectHeaderAndUnknownProject(t *testing.T) {
	clk := newFakeClock()
	sim := newMultiSim(clk)
	cases := []struct {
		name, header, path string
		status             int
		code               string
	}{
		{"header matches", projectB, projectPath(projectB, "migration-tasks"), 200, ""},
		{"header names another served project", testProject, projectPath(projectB, "migration-tasks"), 401, "APIGW.0301"},
		{"header names an unknown project", "ffffffffffffffffffffffffffffffff", projectPath(projectB, "migration-tasks"), 401, "APIGW.0301"},
		{"path names an unknown project", projectB, projectPath("ffffffffffffffffffffffffffffffff", "migration-tasks"), 404, "DCS.4001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := client{t: t, sim: sim, clk: clk, project: tc.header}.get(tc.path, nil)
			if res.status != tc.status || tc.code != "" && res.errorCode(t) != tc.code {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, tc.status, tc.code)
			}
		})
	}
	// Without the header (a caller that is not the SDK), the path decides.
	r := httptest.NewRequest("GET", "http://127.0.0.1"+projectPath(projectC, "migration-tasks"), nil)
	testSign(r, nil, testAK, testSK, clk.Now())
	if w := serve(sim, r); w.Code != 200 {
		t.Fatalf("no X-Project-Id: %d %s", w.Code, w.Body)
	}
	if sim.CallsIn("ffffffffffffffffffffffffffffffff", OpList) != 0 || sim.Calls(OpList) != 5 {
		t.Fatalf("counts: unknown %d, all %d", sim.CallsIn("ffffffffffffffffffffffffffffffff", OpList), sim.Calls(OpList))
	}

	// The SDK signs X-Project-Id: a request it signed for A cannot be
	// pointed at B's path, and re-signed it is refused as a mismatch.
	srv := httptest.NewServer(sim)
	defer srv.Close()
	resp := sdkSend(t, srv, "GET", projectPath(projectB, "migration-tasks"), nil, nil, testAK, testSK, clk.Now())
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || !strings.Contains(string(b), `"error_code":"APIGW.0301"`) {
		t.Fatalf("SDK request with A's X-Project-Id on B's path: %d %s", resp.StatusCode, b)
	}
}

func TestSDKClientForAnotherProject(t *testing.T) {
	sim := New(Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, Projects: []Project{{ID: projectB}}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := newSDKClientFor(t, srv.URL, projectB)

	limit := int32(1000)
	list, err := c.ListMigrationTask(&model.ListMigrationTaskRequest{Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if int(*list.Count) != len(SeedFor(projectB, time.Now())) {
		t.Fatalf("B's list has %d tasks", *list.Count)
	}
	id := sim.IDsWithStatusIn(projectB, "FULLMIGRATING")[0]
	stop, err := c.StopMigrationTask(&model.StopMigrationTaskRequest{TaskId: id})
	if err != nil || stop.Status.Value() != "TERMINATING" {
		t.Fatalf("stop through B's client: %v", err)
	}
	if sim.CallsIn(projectB, OpStop) != 1 || sim.CallsIn(testProject, OpStop) != 0 {
		t.Fatalf("the stop reached B %d times, A %d times", sim.CallsIn(projectB, OpStop), sim.CallsIn(testProject, OpStop))
	}
	if tk, _ := sim.Task(id); tk.Status != "TERMINATING" {
		t.Fatalf("B's store reads %s", tk.Status)
	}
	// A's task is unknown to B's client.
	_, err = c.ShowMigrationTask(&model.ShowMigrationTaskRequest{TaskId: SeedID(0)})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != 404 || se.ErrorCode != "DCS.4133" {
		t.Fatalf("A's task through B's client: %v", err)
	}
}
