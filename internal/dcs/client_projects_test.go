package dcs_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// TestClientPerProject runs two clients, one per project, against one
// simulator: each sees its own project's tasks, and a stop reaches the
// project its client is configured for, by path and by store.
func TestClientPerProject(t *testing.T) {
	dcs.IsolateEnv(t)
	const other = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	sim := dcssim.New(dcssim.Config{ProjectID: simProject, AccessKey: simAK, SecretKey: simSK,
		Projects: []dcssim.Project{{ID: other}}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	clientFor := func(project string) *dcs.Client {
		c, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: project, AccessKey: simAK, SecretKey: simSK, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("dcs.NewClient: %v", err)
		}
		return c
	}
	ctx := context.Background()
	a, b := clientFor(simProject), clientFor(other)

	pageA, errA := a.List(ctx, dcs.ListOptions{Limit: 1000})
	pageB, errB := b.List(ctx, dcs.ListOptions{Limit: 1000})
	if errA != nil || errB != nil {
		t.Fatalf("List: %v, %v", errA, errB)
	}
	if pageA.Total != len(dcssim.Seed(time.Now())) || pageB.Total != len(dcssim.SeedFor(other, time.Now())) {
		t.Fatalf("totals %d and %d", pageA.Total, pageB.Total)
	}
	for _, tk := range pageB.Tasks {
		if slices.ContainsFunc(pageA.Tasks, func(x dcs.Task) bool { return x.ID == tk.ID }) {
			t.Fatalf("task %s listed by both projects", tk.ID)
		}
	}

	id := sim.IDsWithStatusIn(other, "INCRMIGRATING")[0]
	if _, err := a.Stop(ctx, id); err == nil {
		t.Fatal("the default project's client stopped another project's task")
	}
	ans, err := b.Stop(ctx, id)
	if err != nil || ans.Task.Status != dcs.StatusTerminating {
		t.Fatalf("Stop through the other project's client: %+v, %v", ans.Task, err)
	}
	if sim.CallsIn(other, dcssim.OpStop) != 1 || sim.CallsIn(simProject, dcssim.OpStop) != 1 {
		t.Errorf("stop calls: other %d, default %d, want 1 each", sim.CallsIn(other, dcssim.OpStop), sim.CallsIn(simProject, dcssim.OpStop))
	}
	if tk, _ := sim.Task(id); tk.Status != string(dcs.StatusTerminating) {
		t.Errorf("the other project's store reads %s", tk.Status)
	}

	// A project fault fails that project's client only.
	sim.SetFaults(dcssim.Faults{Projects: map[string]dcssim.ProjectFault{other: {Status: 503}}})
	if _, err := b.List(ctx, dcs.ListOptions{}); err == nil {
		t.Fatal("List of the faulted project succeeded")
	}
	if _, err := a.List(ctx, dcs.ListOptions{}); err != nil {
		t.Fatalf("List of the healthy project: %v", err)
	}
}
