package dcssim

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSeedForIsPerProject(t *testing.T) {
	now := newFakeClock().Now()
	if !reflect.DeepEqual(SeedFor(projectB, now), SeedFor(projectB, now)) {
		t.Fatal("SeedFor is not deterministic")
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	ids, names := map[string]string{}, map[string]string{}
	for _, tk := range Seed(now) {
		ids[tk.TaskID] = testProject
	}
	// Projects of the three themes (overseas, staging, disaster recovery)
	// read differently.
	demo := []string{projectB, projectC, "3d4e5f60718293a4b5c6d7e8f90a1b2c"}
	for _, p := range demo {
		tasks := SeedFor(p, now)
		if len(tasks) < 5 {
			t.Fatalf("%s: only %d tasks", p, len(tasks))
		}
		moving := 0
		for _, tk := range tasks {
			if !uuid.MatchString(tk.TaskID) || ids[tk.TaskID] != "" {
				t.Fatalf("%s: bad or shared id %q (also in %q)", p, tk.TaskID, ids[tk.TaskID])
			}
			ids[tk.TaskID] = p
			if other, ok := names[tk.TaskName]; ok {
				t.Errorf("%s and %s both have a task named %q", other, p, tk.TaskName)
			}
			names[tk.TaskName] = p
			if strings.Contains(tk.TaskName, "{") {
				t.Errorf("%s: placeholder left in %q", p, tk.TaskName)
			}
			if stoppable(tk.Status) {
				moving++
			}
		}
		if moving < 3 {
			t.Errorf("%s: %d stoppable tasks, a demo wants a few", p, moving)
		}
	}
	// Every theme has tasks in the states tests and demos stop or watch.
	for i, th := range projectThemes() {
		for _, st := range []string{"RUNNING", "FULLMIGRATING", "INCRMIGRATING", "SUCCESS", "FAILED|MIGRATION_FAILED"} {
			if !slices.ContainsFunc(th.rows, func(r seedSpec) bool { return slices.Contains(strings.Split(st, "|"), r.status) }) {
				t.Errorf("theme %d has no %s task", i, st)
			}
		}
	}
	// Every theme is reachable from some project id.
	firsts := map[string]bool{}
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		name := SeedFor(p, now)[2].TaskName // a row without a place in its name
		firsts[name] = true
	}
	if len(firsts) != len(projectThemes()) {
		t.Fatalf("themes reached: %v", firsts)
	}
}

func TestPutInAndConfigChecks(t *testing.T) {
	clk := newFakeClock()
	sim := newMultiSim(clk)
	id := SeedID(0)
	tk, _ := sim.Task(id)
	tk.Status = "RUNNING"
	if err := sim.PutIn(projectB, tk); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(sim.IDsWithStatusIn(testProject, "RUNNING"), id) || !slices.Contains(sim.IDsWithStatusIn(projectB, "RUNNING"), id) {
		t.Fatal("PutIn did not move the task to B")
	}
	// Put replaces a task where it is.
	tk.Status = "SUCCESS"
	sim.Put(tk)
	if !slices.Contains(sim.IDsWithStatusIn(projectB, "SUCCESS"), id) || slices.Contains(sim.IDsWithStatusIn(testProject, "SUCCESS"), id) {
		t.Fatal("Put moved the task out of B")
	}
	if err := sim.PutIn("nope", tk); err == nil {
		t.Fatal("PutIn to an unknown project succeeded")
	}
	if sim.IDsWithStatusIn("nope", "SUCCESS") != nil {
		t.Fatal("IDsWithStatusIn of an unknown project found tasks")
	}

	for name, cfg := range map[string]Config{
		"project twice":           {ProjectID: projectB, Projects: []Project{{ID: projectB}}},
		"task in two projects":    {ProjectID: testProject, Projects: []Project{{ID: projectB, Tasks: Seed(clk.Now())[:1]}}},
		"project without id":      {ProjectID: testProject, Projects: []Project{{}}},
		"tasks without a project": {Tasks: Seed(clk.Now()), Projects: []Project{{ID: projectB}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("New accepted it")
				}
			}()
			New(cfg)
		})
	}
	// Without ProjectID the first of Projects is the default one.
	only := New(Config{Projects: []Project{{ID: projectC}, {ID: projectB}}, Now: clk.Now})
	only.Put(Task{TaskID: "11111111-2222-4333-8444-555555555555", Status: "NEW", CreatedAt: "2024/04/01 10:00:00"})
	if got := only.IDsWithStatusIn(projectC, "NEW"); len(got) != 1 || !slices.Equal(only.Projects(), []string{projectC, projectB}) {
		t.Fatalf("default project: %v %v", got, only.Projects())
	}
}
