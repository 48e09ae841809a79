package dcs_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

const (
	simProject = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	simAK      = "SIMACCESSKEY0001"
	simSK      = "sim-secret-key-0001"
)

// simClient starts the simulator on loopback and a real SDK-backed dcs.Client
// for it. Env and credential files are isolated first.
func simClient(t *testing.T, mod func(*dcs.Config)) (*dcssim.Simulator, *dcs.Client) {
	t.Helper()
	dcs.IsolateEnv(t)
	sim := dcssim.New(dcssim.Config{ProjectID: simProject, AccessKey: simAK, SecretKey: simSK})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := dcs.Config{Endpoint: srv.URL, ProjectID: simProject, AccessKey: simAK, SecretKey: simSK, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := dcs.NewClient(cfg)
	if err != nil {
		t.Fatalf("dcs.NewClient: %v", err)
	}
	return sim, c
}

// wantAPIError asserts err is an *dcs.APIError of kind for op and returns it.
func wantAPIError(t *testing.T, err error, op string, kind dcs.ErrorKind) *dcs.APIError {
	t.Helper()
	e, ok := dcs.AsAPIError(err)
	if !ok {
		t.Fatalf("error = %#v, want *dcs.APIError", err)
	}
	if e.Op != op || e.Kind != kind {
		t.Fatalf("error = %#v, want Op %s Kind %d", e, op, kind)
	}
	return e
}

func firstWith(t *testing.T, sim *dcssim.Simulator, status string) string {
	t.Helper()
	ids := sim.IDsWithStatus(status)
	if len(ids) == 0 {
		t.Fatalf("the simulator has no %s task", status)
	}
	return ids[0]
}

func TestClientList(t *testing.T) {
	sim, c := simClient(t, nil)
	ctx := context.Background()
	page, err := c.List(ctx, dcs.ListOptions{Limit: 1000})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if page.Total != len(dcssim.Seed(time.Now())) || len(page.Tasks) != page.Total {
		t.Fatalf("List = total %d, %d tasks", page.Total, len(page.Tasks))
	}
	withSummary := 0
	for _, task := range page.Tasks {
		want, ok := sim.Task(task.ID)
		if !ok || string(task.Status) == "" || task.Name != want.TaskName {
			t.Errorf("list item %+v does not match the simulator's %+v", task, want)
		}
		if task.Target.ID != "" && task.Target.Name != "" && task.CreatedAt.Valid() {
			withSummary++
		}
	}
	if withSummary == 0 {
		t.Error("no list item carries target id, target name and a parsed creation time")
	}

	small, err := c.List(ctx, dcs.ListOptions{Offset: 2, Limit: 3})
	if err != nil || len(small.Tasks) != 3 || small.Total != page.Total || small.Tasks[0].ID != page.Tasks[2].ID {
		t.Errorf("List(offset 2, limit 3) = %+v, %v", small, err)
	}
	named, err := c.List(ctx, dcs.ListOptions{Name: "session-store"})
	if err != nil || named.Total != 1 || len(named.Tasks) != 1 {
		t.Errorf("List(name) = %+v, %v", named, err)
	}
	if sim.Calls(dcssim.OpList) != 3 {
		t.Errorf("List calls = %d, want 3", sim.Calls(dcssim.OpList))
	}
}

func TestClientShowDropsPasswords(t *testing.T) {
	sim, c := simClient(t, nil)
	passwords := sim.Passwords()
	if len(passwords) == 0 {
		t.Fatal("the simulator holds no passwords; the test would prove nothing")
	}
	page, err := c.List(context.Background(), dcs.ListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	sawSet := false
	for _, item := range page.Tasks {
		task, err := c.Show(context.Background(), item.ID)
		if err != nil {
			t.Fatalf("Show(%s): %v", item.ID, err)
		}
		want, _ := sim.Task(item.ID)
		if task.ID != want.TaskID || string(task.Status) != want.Status || task.Type != want.MigrationType {
			t.Errorf("Show(%s) = %+v, want %+v", item.ID, task, want)
		}
		if want.SourceInstance != nil && task.Source.PasswordSet != (want.SourceInstance.Password != "") {
			t.Errorf("Show(%s): source PasswordSet %v", item.ID, task.Source.PasswordSet)
		}
		sawSet = sawSet || task.Target.PasswordSet
		text := fmt.Sprintf("%#v %+v", task, task)
		for _, pw := range passwords {
			if strings.Contains(text, pw) {
				t.Fatalf("Show(%s) kept a password: %s", item.ID, text)
			}
		}
	}
	if !sawSet {
		t.Error("no task reported a target password as set")
	}
}

func TestClientStats(t *testing.T) {
	sim, c := simClient(t, nil)
	asStrings, asNumbers := 0, 0
	for _, id := range append(sim.IDsWithStatus("FULLMIGRATING"), sim.IDsWithStatus("INCRMIGRATING")...) {
		task, _ := sim.Task(id)
		if task.MigrationType != dcs.TypeOnlineMigration {
			continue
		}
		s, err := c.Stats(context.Background(), id)
		if err != nil {
			t.Fatalf("Stats(%s, strings=%v): %v", id, task.StatsAsStrings, err)
		}
		if !s.FullProgress.Valid || s.FullProgress.Value < 0 || s.FullProgress.Value > 100 || !s.SourceKeys.Valid || s.Migrating == nil {
			t.Errorf("Stats(%s) = %+v", id, s)
		}
		if task.StatsAsStrings {
			asStrings++
		} else {
			asNumbers++
		}
	}
	if asStrings == 0 || asNumbers == 0 {
		t.Errorf("stats read as strings %d times and as numbers %d times; want both", asStrings, asNumbers)
	}
}

func TestClientLogs(t *testing.T) {
	sim, c := simClient(t, nil)
	id := firstWith(t, sim, "FAILED")
	page, err := c.Logs(context.Background(), id, dcs.LogOptions{Limit: 100})
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	if page.Total == 0 || len(page.Entries) == 0 || page.Entries[0].Message == "" || !page.Entries[0].Time.Valid() {
		t.Fatalf("Logs = %+v", page)
	}
	errs, err := c.Logs(context.Background(), id, dcs.LogOptions{Level: "error", Limit: 100})
	if err != nil {
		t.Fatalf("Logs(ERROR): %v", err)
	}
	for _, e := range errs.Entries {
		if e.Level != "ERROR" {
			t.Errorf("Logs(ERROR) returned a %s line", e.Level)
		}
	}
}

func TestClientStop(t *testing.T) {
	sim, c := simClient(t, nil)
	id := firstWith(t, sim, "FULLMIGRATING")
	ans, err := c.Stop(context.Background(), id)
	if err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if ans.Task.ID != id || ans.Task.Status != dcs.StatusTerminating {
		t.Errorf("Stop = %s %s, want %s TERMINATING", ans.Task.ID, ans.Task.Status, id)
	}
	// An accepted stop names its request too: support asks for that id.
	if ans.Call.HTTPStatus != 200 || ans.Call.RequestID == "" {
		t.Errorf("accepted stop's call = %+v, want status 200 and a request id", ans.Call)
	}
	if n := sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("stop calls = %d, want 1", n)
	}

	// A finished task: 400 DCS.4957, sent once, not ambiguous.
	done := firstWith(t, sim, "SUCCESS")
	_, err = c.Stop(context.Background(), done)
	e := wantAPIError(t, err, dcs.OpStop, dcs.KindResponse)
	if e.HTTPStatus != 400 || e.Code != "DCS.4957" || e.Message == "" || e.RequestID == "" || e.Ambiguous() {
		t.Errorf("stop of a finished task = %#v", e)
	}
	if n := sim.Calls(dcssim.OpStop); n != 2 {
		t.Errorf("stop calls = %d, want 2 (no retry)", n)
	}
}

func TestClientBatchStop(t *testing.T) {
	sim, c := simClient(t, nil)
	a, b := firstWith(t, sim, "MIGRATING"), firstWith(t, sim, "RUNNING")
	done := firstWith(t, sim, "TERMINATED")
	ans, err := c.BatchStop(context.Background(), []string{a, done, b})
	if err != nil {
		t.Fatalf("BatchStop: %v", err)
	}
	res := ans.Results
	if ans.Call.HTTPStatus != 200 || ans.Call.RequestID == "" {
		t.Errorf("batch call = %+v, want status 200 and a request id", ans.Call)
	}
	got := map[string]dcs.StopResult{}
	for _, r := range res {
		got[r.TaskID] = r
	}
	if len(res) != 3 || !got[a].Accepted || !got[b].Accepted || got[done].Accepted || got[done].Code != "DCS.4957" {
		t.Errorf("BatchStop = %+v", res)
	}
	if n := sim.Calls(dcssim.OpBatchStop); n != 1 {
		t.Errorf("batch-stop calls = %d, want 1", n)
	}

	ids := make([]string, dcs.MaxBatchStop+1)
	for i := range ids {
		ids[i] = dcssim.SeedID(i)
	}
	_, err = c.BatchStop(context.Background(), ids)
	wantAPIError(t, err, dcs.OpBatchStop, dcs.KindConfig)
	if n := sim.Calls(dcssim.OpBatchStop); n != 1 {
		t.Errorf("51 ids were sent: batch-stop calls = %d", n)
	}
	if ans, err := c.BatchStop(context.Background(), nil); err != nil || len(ans.Results) != 0 {
		t.Errorf("BatchStop(nil) = %v, %v", ans, err)
	}
}

// A task the batch answer leaves out is neither accepted nor refused: the
// API may have acted (the simulator's omit fault does stop it).
func TestClientBatchStopMissingResult(t *testing.T) {
	sim, c := simClient(t, nil)
	a, b := firstWith(t, sim, "MIGRATING"), firstWith(t, sim, "RUNNING")
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{b: {Omit: true, Ops: []dcssim.Op{dcssim.OpBatchStop}}}})
	ans, err := c.BatchStop(context.Background(), []string{a, b})
	if err != nil {
		t.Fatalf("BatchStop: %v", err)
	}
	got := map[string]dcs.StopResult{}
	for _, r := range ans.Results {
		got[r.TaskID] = r
	}
	if !got[a].Accepted || got[a].NoAnswer || got[b].Accepted || !got[b].NoAnswer {
		t.Errorf("results = %+v, want %s accepted and %s without an answer", ans.Results, a, b)
	}
	if task, err := c.Show(context.Background(), b); err != nil || task.Status != dcs.StatusTerminating {
		t.Errorf("the omitted task reads %v, %v: the stop took effect in the simulator", task.Status, err)
	}
}

func TestClientConcurrentCalls(t *testing.T) {
	sim, c := simClient(t, nil)
	ids := sim.IDsWithStatus("SUCCESS")
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			if _, err := c.Show(context.Background(), id); err != nil {
				t.Errorf("Show(%s): %v", id, err)
			}
		}(ids[i%len(ids)])
	}
	wg.Wait()
	if n := sim.Calls(dcssim.OpShow); n != 16 {
		t.Errorf("show calls = %d, want 16", n)
	}
}

func TestClientCredentialSources(t *testing.T) {
	t.Run("explicit keys beat env", func(t *testing.T) {
		sim, c := simClient(t, func(cfg *dcs.Config) {
			t.Setenv("HUAWEICLOUD_SDK_AK", "ENV-WRONG-AK")
			t.Setenv("HUAWEICLOUD_SDK_SK", "env-wrong-sk")
		})
		if _, err := c.Show(context.Background(), firstWith(t, sim, "SUCCESS")); err != nil {
			t.Fatalf("Show with explicit keys: %v", err)
		}
	})
	t.Run("env keys and project id", func(t *testing.T) {
		sim, c := simClient(t, func(cfg *dcs.Config) {
			cfg.AccessKey, cfg.SecretKey, cfg.ProjectID = "", "", ""
			t.Setenv("HUAWEICLOUD_SDK_AK", simAK)
			t.Setenv("HUAWEICLOUD_SDK_SK", simSK)
			t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", simProject)
		})
		if _, err := c.Show(context.Background(), firstWith(t, sim, "SUCCESS")); err != nil {
			t.Fatalf("Show with env credentials: %v", err)
		}
	})
}
