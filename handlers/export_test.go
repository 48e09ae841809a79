package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

var exportHeader = []string{"target", "region", "project_id", "task_id", "task_name", "status", "migration_type",
	"migration_method", "network_type", "source_instance", "target_instance", "created_at", "description"}

// readCSV checks an export's download headers and parses it. Every row
// must name the test environment's one target (whose region and project
// are not set); the rows come back without those three columns.
func readCSV(t *testing.T, e *env, path string) [][]string {
	t.Helper()
	r := e.get(path)
	wantStatus(t, r, http.StatusOK)
	wantDownload(t, e, r, "csv", "text/csv; charset=utf-8")
	records, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	if len(records) == 0 || !slices.Equal(records[0], exportHeader) {
		t.Fatalf("%s: header %v, want %v", path, records[:min(1, len(records))], exportHeader)
	}
	rows := records[1:]
	for i, rec := range rows {
		if !slices.Equal(rec[:3], []string{targets.DefaultName, "", ""}) {
			t.Fatalf("%s: row %d names target %q", path, i, rec[:3])
		}
		rows[i] = rec[3:]
	}
	return rows
}

// readJSON checks an export's download headers and decodes it.
func readJSON(t *testing.T, e *env, path string) []map[string]string {
	t.Helper()
	r := e.get(path)
	wantStatus(t, r, http.StatusOK)
	wantDownload(t, e, r, "json", "application/json; charset=utf-8")
	var out []map[string]string
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("%s is not a JSON array of objects: %v", path, err)
	}
	return out
}

func wantDownload(t *testing.T, e *env, r *resp, ext, contentType string) {
	t.Helper()
	name := "dcs-migration-tasks-" + e.clock.Now().UTC().Format("2006-01-02") + "." + ext
	if got := r.header.Get("Content-Disposition"); got != `attachment; filename="`+name+`"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if got := r.header.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type %q, want %q", got, contentType)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("an export may be sniffed as HTML")
	}
}

// TestExportFiltered proves both exports hold every task the filters keep,
// from all pages (the page and size in the URL do not matter), with the
// list's columns.
func TestExportFiltered(t *testing.T) {
	e := newEnv(t, options{})
	failed := tasksWhere(e, func(task dcssim.Task) bool { return slices.Contains(statusGroups["failed"], task.Status) })
	records := readCSV(t, e, "/export.csv?status=failed&page=3&size=20")
	got := map[string]bool{}
	for _, rec := range records {
		got[rec[0]] = true
		if !slices.Contains(statusGroups["failed"], rec[2]) {
			t.Errorf("a %s task in the failed export", rec[2])
		}
	}
	if len(records) != len(failed) || len(got) != len(failed) {
		t.Errorf("%d rows, want %d", len(records), len(failed))
	}

	all := readCSV(t, e, "/export.csv")
	if len(all) != seededTasks(e) {
		t.Errorf("the unfiltered export has %d rows, want %d", len(all), seededTasks(e))
	}
	vpn := e.idNamed("legacy IDC redis (VPN)")
	task, _ := e.sim.Task(vpn)
	for _, rec := range all {
		if rec[0] != vpn {
			continue
		}
		want := []string{vpn, task.TaskName, task.Status, dcs.TypeOnlineMigration, dcs.MethodIncremental, dcs.NetworkVPN,
			task.SourceInstance.Addrs, task.TargetInstance.Name, "", task.Description}
		want[8] = dcs.ParseTimestamp(task.CreatedAt).Time.Format(time.RFC3339)
		if !slices.Equal(rec, want) {
			t.Errorf("row\n %q, want\n %q", rec, want)
		}
	}

	objs := readJSON(t, e, "/export.json?type=backupfile_import&sort=oldest")
	imports := tasksWhere(e, func(task dcssim.Task) bool { return task.MigrationType == dcs.TypeBackupFileImport })
	if len(objs) != len(imports) {
		t.Errorf("%d imports exported, want %d", len(objs), len(imports))
	}
	for i, o := range objs {
		if len(o) != len(exportHeader) || !imports[o["task_id"]] || o["migration_type"] != dcs.TypeBackupFileImport {
			t.Errorf("object %v", o)
		}
		if i > 0 && o["created_at"] < objs[i-1]["created_at"] {
			t.Errorf("oldest first: %s after %s", o["created_at"], objs[i-1]["created_at"])
		}
	}
	if none := readJSON(t, e, "/export.json?q=no-such-task"); none == nil || len(none) != 0 {
		t.Errorf("an export matching nothing is %v, want []", none)
	}
}

// TestExportFormulas proves CSV cells a spreadsheet would run as a formula
// get a leading apostrophe while JSON keeps the text as sent, and hostile
// markup is exported verbatim. The DCS client trims what the API sends, so
// the tab and carriage return cases are put in after decoding.
func TestExportFormulas(t *testing.T) {
	formulas := []string{`=HYPERLINK("http://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "\tlead", "\rlead"}
	counting := &countingTasks{edit: func(task *dcs.Task) {
		if lead, ok := strings.CutPrefix(task.Name, "trimmed "); ok {
			task.Name = map[string]string{"tab": "\t", "cr": "\r"}[lead] + "lead"
			task.Description = task.Name
		}
	}}
	e := newEnv(t, options{anonymous: true, edit: func(_ *testing.T, _ string, cfg *handlers.Config) {
		counting.TaskService = tasksOf(cfg)
		cfg.Targets = targets.Single(counting)
	}})
	putHostile(t, e)
	task, _ := e.sim.Task(e.idNamed("metrics-cache"))
	for i, f := range formulas {
		task.TaskID, task.TaskName, task.Description = dcssim.SeedID(700+i), f, f
		if f[0] == '\t' {
			task.TaskName = "trimmed tab"
		} else if f[0] == '\r' {
			task.TaskName = "trimmed cr"
		}
		e.sim.Put(task)
	}
	csvRows := readCSV(t, e, "/export.csv") // as a viewer: exports are reads
	jsonRows := readJSON(t, e, "/export.json")
	for i, f := range formulas {
		id := dcssim.SeedID(700 + i)
		rec := csvRows[slices.IndexFunc(csvRows, func(rec []string) bool { return rec[0] == id })]
		if rec[1] != "'"+f || rec[9] != "'"+f {
			t.Errorf("CSV cells %q, %q; want %q", rec[1], rec[9], "'"+f)
		}
		obj := jsonRows[slices.IndexFunc(jsonRows, func(o map[string]string) bool { return o["task_id"] == id })]
		if obj["task_name"] != f || obj["description"] != f {
			t.Errorf("JSON %q, %q; want %q", obj["task_name"], obj["description"], f)
		}
	}
	if !slices.ContainsFunc(csvRows, func(rec []string) bool { return rec[1] == hostile && rec[9] == hostile }) {
		t.Error("the hostile name is not in the CSV verbatim")
	}
}

// TestExportNoPasswords proves no password the API returned reaches either
// export, whatever the filter.
func TestExportNoPasswords(t *testing.T) {
	e := newEnv(t, options{})
	passwords := e.sim.Passwords()
	if len(passwords) == 0 {
		t.Fatal("the simulator stores no passwords to look for")
	}
	for _, path := range []string{"/export.csv", "/export.json", "/export.csv?status=in_progress", "/export.json?type=online_migration"} {
		r := e.get(path)
		wantStatus(t, r, http.StatusOK)
		for _, pw := range passwords {
			if strings.Contains(r.body, pw) {
				t.Errorf("%s contains the password %q", path, pw)
			}
		}
		if strings.Contains(strings.ToLower(r.body), "password") {
			t.Errorf("%s has a password field", path)
		}
	}
}

// TestExportLinksAndUpstreamFailure proves the list's export links carry its
// filters, and a failing API gives an error page, not a broken download.
func TestExportLinksAndUpstreamFailure(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get("/?status=failed&type=online_migration&size=50&page=1")
	wantStatus(t, r, http.StatusOK)
	for id, want := range map[string]string{"export-csv": "/export.csv?status=failed&type=online_migration",
		"export-json": "/export.json?status=failed&type=online_migration"} {
		if href, _ := r.find(id).Attr("href"); href != want {
			t.Errorf("%s links to %q, want %q", id, href, want)
		}
	}
	e.sim.SetFaults(dcssim.Faults{ErrorRate: 1})
	fail := e.get("/export.csv?status=failed")
	wantStatus(t, fail, http.StatusBadGateway)
	if fail.header.Get("Content-Disposition") != "" || fail.text("error-code") != "DCS.5000" {
		t.Errorf("a failed export: disposition %q, code %q", fail.header.Get("Content-Disposition"), fail.text("error-code"))
	}
}

// countingTasks records every list call, and with made > 0 answers them with
// that many made-up tasks instead of asking the simulator.
type countingTasks struct {
	dcs.TaskService
	made  int
	edit  func(*dcs.Task) // applied to every task the simulator lists
	mu    sync.Mutex
	lists []dcs.ListOptions
}

func (c *countingTasks) List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	c.mu.Lock()
	c.lists = append(c.lists, opt)
	made := c.made
	c.mu.Unlock()
	if made == 0 {
		page, err := c.TaskService.List(ctx, opt)
		for i := range page.Tasks {
			if c.edit != nil {
				c.edit(&page.Tasks[i])
			}
		}
		return page, err
	}
	page := dcs.TaskPage{Total: made}
	for i := opt.Offset; i < min(opt.Offset+opt.Limit, made); i++ {
		st := []dcs.Status{dcs.StatusFailed, dcs.StatusSuccess}[i%2]
		page.Tasks = append(page.Tasks, dcs.Task{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: "made-up " + itoa(i),
			Status: st, Type: dcs.TypeOnlineMigration, NetworkType: dcs.NetworkVPC,
			CreatedAt: dcs.ParseTimestamp(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Minute).Format(time.RFC3339))})
	}
	return page, nil
}

func (c *countingTasks) calls() []dcs.ListOptions {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.lists)
}

// TestFilteredReadsShareKeysAndCap proves a list reads the API in its
// largest pages, with the same (offset, limit, name) whatever the filter or
// page (so the task cache serves every viewer from one read); a plain
// list's page past the first 1000 tasks is one paged call, beside the first
// page its status counts come from; and reading stops at 5000 tasks, which
// the summary and the export say.
func TestFilteredReadsShareKeysAndCap(t *testing.T) {
	counting := &countingTasks{}
	e := newEnv(t, options{edit: func(_ *testing.T, _ string, cfg *handlers.Config) {
		counting.TaskService = tasksOf(cfg)
		cfg.Targets = targets.Single(counting)
	}})
	for _, path := range []string{"/?status=failed&q=cache", "/?type=online_migration&sort=oldest&page=2&q=cache", "/export.csv?q=cache"} {
		wantStatus(t, e.get(path), http.StatusOK)
	}
	wantStatus(t, e.get("/?q=cache&page=2&size=50"), http.StatusOK)
	want := []dcs.ListOptions{{Limit: 1000, Name: "cache"}, {Limit: 1000, Name: "cache"}, {Limit: 1000, Name: "cache"}, {Limit: 1000, Name: "cache"}}
	if got := counting.calls(); !slices.Equal(got, want) {
		t.Errorf("list calls %+v, want %+v", got, want)
	}

	counting.mu.Lock()
	counting.made, counting.lists = 7200, nil
	counting.mu.Unlock()
	deep := e.get("/?page=60")
	wantStatus(t, deep, http.StatusOK)
	want = []dcs.ListOptions{{Offset: 1180, Limit: 20}, {Limit: 1000}}
	if got := counting.calls(); !slices.Equal(got, want) {
		t.Errorf("a deep page's list calls %+v, want %+v", got, want)
	}
	if got := deep.text("list-summary"); !strings.HasPrefix(got, "Showing 1181–1200 of 7200 tasks") {
		t.Errorf("deep page summary %q", got)
	}
	// Counts of the tasks read say so: the newest 1000 of 7200.
	if got := statusOptions(deep.doc.Selection); len(got) != 4 || got[0] != "All statuses (1,000+)" || got[3] != "Failed (500+)" {
		t.Errorf("a deep page's status counts %q", got)
	}

	counting.mu.Lock()
	counting.made, counting.lists = 7200, nil
	counting.mu.Unlock()
	r := e.get("/?status=failed")
	wantStatus(t, r, http.StatusOK)
	if got := r.text("list-summary"); !strings.Contains(got, "of 2500 failed migration tasks") || !strings.Contains(got, "newest 5000 of 7200 tasks were read") {
		t.Errorf("summary %q does not say the read stopped at 5000", got)
	}
	var offsets []int
	for _, c := range counting.calls() {
		offsets = append(offsets, c.Offset)
	}
	if !slices.Equal(offsets, []int{0, 1000, 2000, 3000, 4000}) {
		t.Errorf("list offsets %v", offsets)
	}
	exp := e.get("/export.csv?status=failed")
	if got := exp.header.Get("X-Export-Truncated"); got != targets.DefaultName+": 5000 of 7200 tasks read" {
		t.Errorf("X-Export-Truncated %q", got)
	}
	if n := strings.Count(exp.body, "\n"); n != 2501 {
		t.Errorf("the capped export has %d lines, want 2501", n)
	}
}
