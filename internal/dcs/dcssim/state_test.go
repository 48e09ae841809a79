package dcssim

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

func TestStopLifecycle(t *testing.T) {
	for _, st := range []string{"RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING", "INCRMIGEATING"} {
		t.Run(st, func(t *testing.T) {
			clk := newFakeClock()
			sim := newTestSim(clk, 10*time.Second)
			c := client{t: t, sim: sim, clk: clk}
			id := sim.IDsWithStatus(st)[0]
			var logsBefore logsResponse
			c.get(taskPath(id, "logs"), nil).json(t, &logsBefore)

			res := c.do("POST", taskPath(id, "stop"), nil, nil)
			var got Task
			res.json(t, &got)
			if res.status != 200 || got.Status != "TERMINATING" || got.TaskID != id {
				t.Fatalf("stop: %d %s", res.status, res.body)
			}
			var logsAfter logsResponse
			c.get(taskPath(id, "logs"), nil).json(t, &logsAfter)
			if logsAfter.LogNum != logsBefore.LogNum+1 || !strings.Contains(logsAfter.MigrationLogs[0].Message, "Stop") {
				t.Fatalf("stop added no log line: %+v", logsAfter.MigrationLogs[0])
			}
			if res := c.do("POST", taskPath(id, "stop"), nil, nil); res.status != 400 || res.errorCode(t) != "DCS.4957" {
				t.Fatalf("stop while TERMINATING: %d %s", res.status, res.body)
			}
			clk.Advance(9 * time.Second)
			if tk, _ := sim.Task(id); tk.Status != "TERMINATING" {
				t.Fatalf("before StopDelay: %s", tk.Status)
			}
			clk.Advance(time.Second)
			c.get(taskPath(id), nil).json(t, &got)
			if got.Status != "TERMINATED" || got.UpdatedAt != clk.Now().Format(layoutISO) {
				t.Fatalf("after StopDelay: %s updated %q", got.Status, got.UpdatedAt)
			}
			if res := c.do("POST", taskPath(id, "stop"), nil, nil); res.status != 400 || res.errorCode(t) != "DCS.4957" {
				t.Fatalf("stop when TERMINATED: %d %s", res.status, res.body)
			}
			// Stopped is stopped: an hour later it has not resumed.
			clk.Advance(time.Hour)
			if tk, _ := sim.Task(id); tk.Status != "TERMINATED" {
				t.Fatalf("an hour later: %s", tk.Status)
			}
		})
	}
}

func TestStopNotAllowed(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	for _, st := range []string{"SUCCESS", "FAILED", "MIGRATION_FAILED", "TERMINATED", "RELEASED", "TERMINATING"} {
		id := sim.IDsWithStatus(st)[0]
		if res := c.do("POST", taskPath(id, "stop"), nil, nil); res.status != 400 || res.errorCode(t) != "DCS.4957" {
			t.Errorf("%s: %d %s", st, res.status, res.body)
		}
	}
	id := SeedID(0)
	if err := sim.SetStatus(id, "PAUSED_BY_OPS"); err != nil {
		t.Fatal(err)
	}
	if res := c.do("POST", taskPath(id, "stop"), nil, nil); res.status != 400 || res.errorCode(t) != "DCS.4957" {
		t.Errorf("unknown status: %d %s", res.status, res.body)
	}
	var got Task
	c.get(taskPath(id), nil).json(t, &got)
	if got.Status != "PAUSED_BY_OPS" {
		t.Fatalf("unknown status not served raw: %q", got.Status)
	}
}

func TestSeededTerminatingEnds(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	id := sim.IDsWithStatus("TERMINATING")[0]
	clk.Advance(DefaultStopDelay)
	if tk, _ := sim.Task(id); tk.Status != "TERMINATED" {
		t.Fatalf("seeded TERMINATING after the default delay: %s", tk.Status)
	}
}

// statsOf reads stats, accepting numbers and strings alike.
func statsOf(t *testing.T, c client, id string) (map[string]float64, bool) {
	t.Helper()
	var m map[string]any
	res := c.get(taskPath(id, "stats"), nil)
	if res.status != 200 {
		t.Fatalf("stats %s: %d %s", id, res.status, res.body)
	}
	res.json(t, &m)
	out := map[string]float64{}
	for k, v := range m {
		switch v := v.(type) {
		case float64:
			out[k] = v
		case string:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s=%q", k, v)
			}
			out[k] = f
		}
	}
	return out, m["is_migrating"] == true
}

func TestFullMigrationProgressesAndFinishes(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	var fullID, incrID string
	for _, id := range sim.IDsWithStatus("FULLMIGRATING") {
		tk, _ := sim.Task(id)
		if tk.MigrationMethod == dcs.MethodFull && fullID == "" {
			fullID = id
		}
		if tk.MigrationMethod == dcs.MethodIncremental && incrID == "" {
			incrID = id
		}
	}
	s0, moving := statsOf(t, c, fullID)
	if !moving || s0["full_migration_progress"] <= 0 || s0["full_migration_progress"] >= 100 {
		t.Fatalf("seeded full migration: %v moving=%v", s0, moving)
	}
	ops := map[float64]bool{}
	prev := s0
	for range 5 {
		clk.Advance(20 * time.Second)
		s, _ := statsOf(t, c, fullID)
		if s["full_migration_progress"] < prev["full_migration_progress"] || s["target_dbsize"] <= prev["target_dbsize"] {
			t.Fatalf("stats did not move forward: %v then %v", prev, s)
		}
		ops[s["target_ops"]] = true
		prev = s
	}
	if len(ops) < 3 {
		t.Errorf("target_ops barely varies: %v", ops)
	}
	clk.Advance(10 * time.Minute)
	s, moving := statsOf(t, c, fullID)
	if tk, _ := sim.Task(fullID); tk.Status != "SUCCESS" || tk.UpdatedAt == "" {
		t.Fatalf("full migration after 10 min: %s", tk.Status)
	}
	if moving || s["full_migration_progress"] != 100 || s["target_dbsize"] != s["source_dbsize"] {
		t.Fatalf("finished stats: %v moving=%v", s, moving)
	}
	if tk, _ := sim.Task(incrID); tk.Status != "INCRMIGRATING" {
		t.Fatalf("incremental task after its full phase: %s", tk.Status)
	}
	// Incremental migrations keep running, with a varying offset.
	offsets := map[float64]bool{}
	for range 20 {
		clk.Advance(time.Hour)
		s, moving := statsOf(t, c, incrID)
		if !moving || s["full_migration_progress"] != 100 {
			t.Fatalf("incremental stats: %v", s)
		}
		offsets[s["offset"]] = true
	}
	if tk, _ := sim.Task(incrID); tk.Status != "INCRMIGRATING" || len(offsets) < 2 {
		t.Fatalf("incremental after 20h: %s, offsets %v", tk.Status, offsets)
	}
	// RUNNING waits.
	run := sim.IDsWithStatus("RUNNING")[0]
	if tk, _ := sim.Task(run); tk.Status != "RUNNING" {
		t.Fatalf("RUNNING moved to %s", tk.Status)
	}
}

func TestStatsWireForms(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	var numbers, stringsSeen int
	for _, tk := range Seed(clk.Now()) {
		res := c.get(taskPath(tk.TaskID, "stats"), nil)
		if tk.MigrationType == dcs.TypeBackupFileImport {
			if res.status != 400 || res.errorCode(t) != "DCS.4961" {
				t.Errorf("backup stats: %d %s", res.status, res.body)
			}
			continue
		}
		var m map[string]json.RawMessage
		res.json(t, &m)
		for _, k := range []string{"full_migration_progress", "offset", "source_dbsize", "target_dbsize", "target_input_kbps", "target_ops", "is_migrating"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("stats lack %s", k)
			}
		}
		if m["full_migration_progress"][0] == '"' {
			stringsSeen++
		} else {
			numbers++
		}
	}
	if numbers == 0 || stringsSeen == 0 || stringsSeen > numbers {
		t.Fatalf("numbers %d, strings %d: want mostly numbers and some strings", numbers, stringsSeen)
	}
}

func TestSetStatusRestartsClock(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, time.Second)
	id := sim.IDsWithStatus("SUCCESS")[0]
	if err := sim.SetStatus(id, "TERMINATING"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if tk, _ := sim.Task(id); tk.Status != "TERMINATED" {
		t.Fatalf("SetStatus TERMINATING then StopDelay: %s", tk.Status)
	}
	full := SeedID(0)
	_ = sim.SetStatus(full, "FULLMIGRATING")
	c := client{t: t, sim: sim, clk: clk}
	if s, _ := statsOf(t, c, full); s["full_migration_progress"] != 0 {
		t.Fatalf("SetStatus FULLMIGRATING starts at %v%%", s["full_migration_progress"])
	}
	_ = url.Values{}
}
