package dcssim

import (
	"regexp"
	"strconv"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

func TestSeedCoverage(t *testing.T) {
	now := newFakeClock().Now()
	tasks := Seed(now)
	if len(tasks) < 34 {
		t.Fatalf("%d seed tasks, want at least 34", len(tasks))
	}
	has := map[string]bool{}
	mark := func(k string) { has[k] = true }
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	ids := map[string]bool{}
	var oldest, newest time.Time
	for i, tk := range tasks {
		if !uuid.MatchString(tk.TaskID) || ids[tk.TaskID] || tk.TaskID != SeedID(i) {
			t.Fatalf("task %d: bad or duplicate id %q", i, tk.TaskID)
		}
		ids[tk.TaskID] = true
		mark("status:" + tk.Status)
		mark("type:" + tk.MigrationType)
		mark("method:" + tk.MigrationMethod)
		mark("network:" + tk.NetworkType)
		if tk.BackupFiles != nil {
			mark("source:" + tk.BackupFiles.FileSource)
			if tk.SourceInstance != nil {
				t.Errorf("%s: backup import with a source instance", tk.TaskID)
			}
			for _, f := range tk.BackupFiles.Files {
				n, err := strconv.ParseInt(f.Size, 10, 64)
				if err != nil {
					t.Errorf("size %q is not a byte count", f.Size)
				}
				if n < 1024 {
					mark("file:bytes")
				}
				if n >= 10<<30 {
					mark("file:tens of GiB")
				}
			}
		} else if tk.SourceInstance == nil {
			t.Errorf("%s: online migration without source", tk.TaskID)
		}
		if tk.Description == "" {
			mark("empty description")
		}
		if tk.NetworkType == "" || tk.Version == "" {
			mark("missing optional")
		}
		if utf8.RuneCountInString(tk.TaskName) >= 200 {
			mark("long name")
		}
		for _, r := range tk.TaskName {
			if unicode.Is(unicode.Han, r) {
				mark("chinese name")
				break
			}
		}
		if si := tk.SourceInstance; si != nil && si.Password != "" {
			mark("source password")
		}
		if ti := tk.TargetInstance; ti != nil && ti.Password != "" {
			mark("target password")
		}
		for layout, name := range map[string]string{layoutISO: "iso", layoutSlash: "slash", layoutCompact: "compact"} {
			if _, err := time.Parse(layout, tk.CreatedAt); err == nil {
				mark("time:" + name)
			}
		}
		created := dcs.ParseTimestamp(tk.CreatedAt).Time
		if created.IsZero() || created.After(now) {
			t.Errorf("%s: created_at %q unparsable or in the future", tk.TaskID, tk.CreatedAt)
		}
		if oldest.IsZero() || created.Before(oldest) {
			oldest = created
		}
		if created.After(newest) {
			newest = created
		}
	}
	want := []string{
		"type:" + dcs.TypeBackupFileImport, "type:" + dcs.TypeOnlineMigration,
		"method:" + dcs.MethodFull, "method:" + dcs.MethodIncremental,
		"network:" + dcs.NetworkVPC, "network:" + dcs.NetworkVPN,
		"source:" + dcs.FileSourceOBS, "source:" + dcs.FileSourceBackupRecord,
		"file:bytes", "file:tens of GiB", "empty description", "missing optional", "long name", "chinese name",
		"source password", "target password", "time:iso", "time:slash", "time:compact",
	}
	for _, st := range dcs.KnownStatuses() {
		want = append(want, "status:"+string(st))
	}
	for _, k := range want {
		if !has[k] {
			t.Errorf("seed lacks %s", k)
		}
	}
	if newest.Sub(oldest) < 14*24*time.Hour {
		t.Errorf("created times span only %s", newest.Sub(oldest))
	}
	// Ids do not depend on the clock.
	later := Seed(now.Add(1000 * time.Hour))
	for i := range tasks {
		if later[i].TaskID != tasks[i].TaskID {
			t.Fatalf("seed id %d changed with the clock", i)
		}
	}
}

func TestSeedInProgressTasksToStop(t *testing.T) {
	sim := newTestSim(newFakeClock(), 0)
	for _, st := range []string{"RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING", "INCRMIGEATING"} {
		if len(sim.IDsWithStatus(st)) == 0 {
			t.Errorf("no seeded task in %s", st)
		}
	}
	if n := len(sim.IDsWithStatus("INCRMIGRATING")); n < 3 {
		t.Errorf("only %d INCRMIGRATING tasks", n)
	}
}

func TestPasswordsAndPut(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	pw := sim.Passwords()
	if len(pw) < 40 {
		t.Fatalf("only %d passwords", len(pw))
	}
	hostile := Task{TaskID: "11111111-2222-4333-8444-555555555555", TaskName: `<script>alert(1)</script>`,
		Status: "SOMETHING_NEW", MigrationType: "online_migration", CreatedAt: clk.Now().Add(time.Hour).Format(layoutISO),
		SourceInstance: &SourceInstance{Addrs: "1.2.3.4:6379", Password: "hunter2-unique"}}
	sim.Put(hostile)
	got, ok := sim.Task(hostile.TaskID)
	if !ok || got.TaskName != hostile.TaskName || got.Status != "SOMETHING_NEW" {
		t.Fatalf("Put/Task: %+v", got)
	}
	// Put copies: changing the caller's task does not change the store.
	hostile.SourceInstance.Password = "changed"
	if got, _ := sim.Task(hostile.TaskID); got.SourceInstance.Password != "hunter2-unique" {
		t.Fatal("Put kept the caller's pointer")
	}
	if ids := sim.IDsWithStatus("SOMETHING_NEW"); len(ids) != 1 {
		t.Fatalf("IDsWithStatus: %v", ids)
	}
	found := false
	for _, p := range sim.Passwords() {
		found = found || p == "hunter2-unique"
	}
	if !found {
		t.Fatal("Passwords misses a Put task's password")
	}
	if err := sim.SetStatus("no-such-task", "SUCCESS"); err == nil {
		t.Fatal("SetStatus of an unknown task succeeded")
	}
}
