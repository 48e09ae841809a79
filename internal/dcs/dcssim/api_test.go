package dcssim

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

type wireList struct {
	Count          int              `json:"count"`
	MigrationTasks []map[string]any `json:"migration_tasks"`
}

func TestListPagingAndFilter(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	total := len(Seed(clk.Now()))

	var all wireList
	c.get(listPath(), url.Values{"limit": {"1000"}}).json(t, &all)
	if all.Count != total || len(all.MigrationTasks) != total {
		t.Fatalf("count %d, items %d, want %d", all.Count, len(all.MigrationTasks), total)
	}
	// Newest first.
	for i := 1; i < total; i++ {
		a := dcs.ParseTimestamp(all.MigrationTasks[i-1]["created_at"].(string)).Time
		b := dcs.ParseTimestamp(all.MigrationTasks[i]["created_at"].(string)).Time
		if a.Before(b) {
			t.Fatalf("item %d is newer than item %d", i, i-1)
		}
	}
	// Flat shape, no passwords, no nested objects.
	for _, it := range all.MigrationTasks {
		for _, nested := range []string{"source_instance", "target_instance", "backup_files"} {
			if _, ok := it[nested]; ok {
				t.Fatalf("list item has nested %s", nested)
			}
		}
		for _, k := range []string{"task_id", "task_name", "status", "migration_type", "target_instance_id", "created_at", "description"} {
			if _, ok := it[k]; !ok {
				t.Fatalf("list item lacks %s: %v", k, it)
			}
		}
	}
	raw := string(c.get(listPath(), url.Values{"limit": {"1000"}}).body)
	for _, pw := range sim.Passwords() {
		if strings.Contains(raw, pw) {
			t.Fatal("a password appears in the list")
		}
	}

	cases := []struct {
		name         string
		q            url.Values
		count, items int
		first        int // index into all, -1 for none
	}{
		{"default limit 10", nil, total, 10, 0},
		{"offset counts items", url.Values{"offset": {"3"}, "limit": {"2"}}, total, 2, 3},
		{"offset past end", url.Values{"offset": {"999"}}, total, 0, -1},
		{"last partial page", url.Values{"offset": {"30"}, "limit": {"10"}}, total, total - 30, 30},
		{"empty values are absent", url.Values{"offset": {""}, "limit": {""}}, total, 10, 0},
		{"name case-insensitive", url.Values{"name": {"SESSION"}}, 2, 2, -1},
		{"name chinese", url.Values{"name": {"迁移"}}, 4, 4, -1},
		{"name no match", url.Values{"name": {"zzz-none"}}, 0, 0, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l wireList
			c.get(listPath(), tc.q).json(t, &l)
			if l.Count != tc.count || len(l.MigrationTasks) != tc.items {
				t.Fatalf("count %d items %d, want %d %d", l.Count, len(l.MigrationTasks), tc.count, tc.items)
			}
			if tc.first >= 0 && l.MigrationTasks[0]["task_id"] != all.MigrationTasks[tc.first]["task_id"] {
				t.Fatal("page starts at the wrong item")
			}
		})
	}
	for _, q := range []url.Values{{"offset": {"-1"}}, {"limit": {"0"}}, {"limit": {"1001"}}, {"limit": {"ten"}}, {"offset": {"1.5"}}} {
		if res := c.get(listPath(), q); res.status != 400 || res.errorCode(t) != "DCS.4000" {
			t.Errorf("%v: %d %s", q, res.status, res.body)
		}
	}
}

func TestShowShapes(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	for _, tk := range Seed(clk.Now()) {
		res := c.get(taskPath(tk.TaskID), nil)
		var m map[string]any
		res.json(t, &m)
		if res.status != 200 || m["task_id"] != tk.TaskID {
			t.Fatalf("%s: %d %s", tk.TaskID, res.status, res.body)
		}
		_, hasSrc := m["source_instance"]
		_, hasBackup := m["backup_files"]
		if online := tk.MigrationType == dcs.TypeOnlineMigration; hasSrc != online || hasBackup == online {
			t.Errorf("%s (%s): source_instance %v, backup_files %v", tk.TaskID, tk.MigrationType, hasSrc, hasBackup)
		}
		if _, ok := m["error_message"]; ok {
			t.Errorf("detail shape has the list-only error_message")
		}
		if tk.SourceInstance != nil && tk.SourceInstance.Password != "" &&
			!strings.Contains(string(res.body), `"password":"`+tk.SourceInstance.Password+`"`) {
			t.Errorf("%s: detail lacks the clear-text source password", tk.TaskID)
		}
	}
	cases := []struct {
		id     string
		status int
		code   string
	}{
		{"00000000-0000-4000-8000-000000000000", 404, "DCS.4133"},
		{"not-a-task-id", 400, "DCS.4070"},
		{"12345", 400, "DCS.4070"},
		{"%3Cscript%3E", 400, "DCS.4070"},
	}
	for _, tc := range cases {
		for _, suffix := range [][]string{nil, {"stats"}, {"logs"}} {
			res := c.get(taskPath(tc.id, suffix...), nil)
			if res.status != tc.status || res.errorCode(t) != tc.code {
				t.Errorf("%s %v: %d %s", tc.id, suffix, res.status, res.body)
			}
		}
		if res := c.do("POST", taskPath(tc.id, "stop"), nil, nil); res.status != tc.status || res.errorCode(t) != tc.code {
			t.Errorf("stop %s: %d %s", tc.id, res.status, res.body)
		}
	}
}

func TestLogs(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	failed := sim.IDsWithStatus("FAILED")[0]
	var page logsResponse
	c.get(taskPath(failed, "logs"), url.Values{"limit": {"1000"}}).json(t, &page)
	if page.LogNum < 4 || len(page.MigrationLogs) != page.LogNum {
		t.Fatalf("log_num %d, %d lines", page.LogNum, len(page.MigrationLogs))
	}
	for i := 1; i < len(page.MigrationLogs); i++ {
		if page.MigrationLogs[i-1].CreatedAt < page.MigrationLogs[i].CreatedAt {
			t.Fatal("logs are not newest first")
		}
	}
	var errs logsResponse
	c.get(taskPath(failed, "logs"), url.Values{"log_level": {"ERROR"}}).json(t, &errs)
	if errs.LogNum == 0 || errs.LogNum >= page.LogNum {
		t.Fatalf("ERROR filter: %d of %d", errs.LogNum, page.LogNum)
	}
	for _, l := range errs.MigrationLogs {
		if l.LogLevel != "ERROR" || l.LogCode == "" || l.Keyword == nil {
			t.Fatalf("bad line %+v", l)
		}
	}
	var p2 logsResponse
	c.get(taskPath(failed, "logs"), url.Values{"offset": {"1"}, "limit": {"2"}}).json(t, &p2)
	if p2.LogNum != page.LogNum || len(p2.MigrationLogs) != 2 || p2.MigrationLogs[0].Message != page.MigrationLogs[1].Message {
		t.Fatalf("paging: %+v", p2)
	}
	if res := c.get(taskPath(failed, "logs"), url.Values{"log_level": {"DEBUG"}}); res.status != 400 {
		t.Fatalf("bad level: %d", res.status)
	}
	for _, pw := range sim.Passwords() {
		for _, id := range []string{failed, SeedID(0), SeedID(23)} {
			if strings.Contains(string(c.get(taskPath(id, "logs"), url.Values{"limit": {"1000"}}).body), pw) {
				t.Fatal("a password appears in logs")
			}
		}
	}
}

func TestBatchStop(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	c := client{t: t, sim: sim, clk: clk}
	running, done := sim.IDsWithStatus("INCRMIGRATING")[0], sim.IDsWithStatus("SUCCESS")[0]
	ids := []string{running, done, "00000000-0000-4000-8000-000000000000", "bad id", running}
	body, _ := json.Marshal(map[string]any{"migration_tasks": ids})
	var resp batchStopResponse
	res := c.do("POST", "/v2/"+testProject+"/migration-task/batch-stop", nil, body)
	res.json(t, &resp)
	want := []string{"success", "failed DCS.4957", "failed DCS.4133", "failed DCS.4070", "failed DCS.4957"}
	for i, r := range resp.MigrationTasks {
		got := strings.TrimSpace(r.Result + " " + r.ErrorCode)
		if r.TaskID != ids[i] || got != want[i] || (r.Result == "failed") != (r.ErrorMsg != "") {
			t.Errorf("result %d: %+v, want %s", i, r, want[i])
		}
	}
	if tk, _ := sim.Task(running); tk.Status != "TERMINATING" {
		t.Fatalf("batch-stopped task reads %s", tk.Status)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = SeedID(0)
	}
	for _, b := range []string{`{"migration_tasks":[]}`, `{}`, `not json`, string(must(json.Marshal(map[string]any{"migration_tasks": many})))} {
		if res := c.do("POST", "/v2/"+testProject+"/migration-task/batch-stop", nil, []byte(b)); res.status != 400 || res.errorCode(t) != "DCS.4000" {
			t.Errorf("body %.40s: %d %s", b, res.status, res.body)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
