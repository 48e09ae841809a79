package handlers_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestDetailOBSImport proves every field of a backup-file import from an OBS
// bucket is shown: type, source, bucket, each file with human and exact sizes.
func TestDetailOBSImport(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("OBS 备份导入 - 多文件")
	task, _ := e.sim.Task(id)
	r := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)

	for testID, want := range map[string]string{
		"task-name":         task.TaskName,
		"task-id":           id,
		"field-type":        "Backup file import",
		"field-method":      "Full",
		"field-network":     "VPC",
		"field-ecs-ip":      task.EcsTenantPrivateIP,
		"field-status-raw":  "MIGRATING",
		"field-description": task.Description,
		"field-file-source": "OBS bucket",
		"field-bucket":      task.BackupFiles.BucketName,
		"field-bandwidth":   task.BandwidthLimitMB + " MB/s",
		"field-version":     task.Version,
		"field-resume-mode": task.ResumeMode,
	} {
		if got := r.text(testID); got != want {
			t.Errorf("%s = %q, want %q", testID, got, want)
		}
	}
	if r.find("field-backup-id").Length() != 0 {
		t.Error("an OBS import shows a backup id")
	}
	if r.find("progress").Length() != 0 {
		t.Error("a backup-file import shows a progress panel (stats exist only for online migrations)")
	}
	if n := e.sim.Calls(dcssim.OpStats); n != 0 {
		t.Errorf("%d stats calls for a backup-file import, want 0", n)
	}

	want := []struct{ name, size, bytes string }{
		{"empty-db.rdb", "187 B", "187 bytes"},
		{"sessions.rdb", "500.0 MiB", "524,288,000 bytes"},
		{"appendonly.aof", "3.0 GiB", "3,221,225,472 bytes"},
		{"full-dump-2024.rdb", "40.0 GiB", "42,949,672,960 bytes"},
	}
	files := r.find("backup-file")
	if files.Length() != len(want) {
		t.Fatalf("%d files shown, want %d", files.Length(), len(want))
	}
	files.Each(func(i int, f *goquery.Selection) {
		cell := func(testID string) string {
			return strings.TrimSpace(f.Find(`[data-testid="` + testID + `"]`).Text())
		}
		if cell("file-name") != want[i].name || cell("file-size") != want[i].size || cell("file-bytes") != want[i].bytes {
			t.Errorf("file %d: %q %q %q, want %+v", i, cell("file-name"), cell("file-size"), cell("file-bytes"), want[i])
		}
	})
}

// TestDetailBackupRecordImport proves a backup-record import shows its
// backup id and no bucket or file table.
func TestDetailBackupRecordImport(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("rdb import from backup record")
	task, _ := e.sim.Task(id)
	r := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)
	if got := r.text("field-backup-id"); got != task.BackupFiles.BackupID || got == "" {
		t.Errorf("backup id %q, want %q", got, task.BackupFiles.BackupID)
	}
	if got := r.text("field-file-source"); got != "Backup record" {
		t.Errorf("file source %q", got)
	}
	if r.find("field-bucket").Length() != 0 || r.find("backup-file").Length() != 0 {
		t.Error("a backup-record import shows a bucket or files")
	}
}

var percentPattern = regexp.MustCompile(`^(\d+(?:\.\d+)?) %$`)

// TestDetailOnlineMigration proves an online migration shows its progress,
// statistics (sent as numbers or as strings) and recent logs, and that the
// progress moves when the simulator's clock does.
func TestDetailOnlineMigration(t *testing.T) {
	for _, name := range []string{"订单缓存迁移-生产", "session-store to DCS"} { // numbers, strings
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			id := e.idNamed(name)
			r := e.get(routes.TaskURL(targets.DefaultName, id))
			wantStatus(t, r, http.StatusOK)
			first := progressOf(t, r)
			// Figures carry their unit, at human scale with the exact figure
			// beside it once the scale rounds it.
			for f, want := range map[string]string{
				"stat-offset":      `^(0 \(caught up\)|[\d,]+ behind)$`,
				"stat-source-keys": `^([\d,]+ keys|\d+\.\d [kMG] keys \([\d,]+\))$`,
				"stat-target-keys": `^([\d,]+ keys|\d+\.\d [kMG] keys \([\d,]+\))$`,
				"stat-input-kbps":  `^([\d,]+ KB/s|\d+\.\d MB/s \([\d,]+ KB/s\))$`,
				"stat-ops":         `^([\d,]+ ops/s|\d+\.\d [kMG] ops/s \([\d,]+\))$`,
			} {
				if v := r.text(f); !regexp.MustCompile(want).MatchString(v) {
					t.Errorf("%s = %q, want %s", f, v, want)
				}
			}
			if got := r.text("stat-migrating"); got != "Yes" {
				t.Errorf("stat-migrating = %q", got)
			}
			if r.find("progress").Find(`[data-testid^="banner-"]`).Length() != 0 {
				t.Error("progress panel shows a banner although stats were read")
			}
			if n := r.find("log-entry").Length(); n == 0 || n > 20 {
				t.Errorf("%d log entries, want 1 to 20", n)
			}
			if got := r.text("field-type"); got != "Online migration" {
				t.Errorf("type %q", got)
			}

			e.clock.Advance(30 * time.Second)
			later := progressOf(t, e.get(routes.TaskURL(targets.DefaultName, id)))
			if later <= first {
				t.Errorf("progress %v after 30s, was %v", later, first)
			}
		})
	}
}

func progressOf(t *testing.T, r *resp) float64 {
	t.Helper()
	m := percentPattern.FindStringSubmatch(r.text("progress-percent"))
	if m == nil {
		t.Fatalf("progress-percent %q", r.text("progress-percent"))
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	if v < 0 || v > 100 {
		t.Fatalf("progress %v out of range", v)
	}
	return v
}

// TestDetailTimesAndDescription proves created and updated times are shown
// in UTC with a machine-readable datetime, and an empty description says so.
func TestDetailTimesAndDescription(t *testing.T) {
	e := newEnv(t, options{})
	for _, name := range []string{"payment-cache nightly", "metrics-cache", "full copy eu"} { // all three created_at layouts
		id := e.idNamed(name)
		task, _ := e.sim.Task(id)
		r := e.get(routes.TaskURL(targets.DefaultName, id))
		wantStatus(t, r, http.StatusOK)
		for testID, raw := range map[string]string{"field-created": task.CreatedAt, "field-updated": task.UpdatedAt} {
			ts := dcs.ParseTimestamp(raw)
			if !ts.Valid() {
				t.Fatalf("%s: the simulator's %s %q does not parse", name, testID, raw)
			}
			tm := r.find(testID).Find("time")
			if dt, _ := tm.Attr("datetime"); dt != ts.Time.UTC().Format(time.RFC3339) {
				t.Errorf("%s: %s datetime %q, want %q", name, testID, dt, ts.Time.UTC().Format(time.RFC3339))
			}
			if got, want := strings.TrimSpace(tm.Text()), ts.Time.UTC().Format("2006-01-02 15:04:05")+" UTC"; got != want {
				t.Errorf("%s: %s shows %q, want %q", name, testID, got, want)
			}
		}
	}
	r := e.get(routes.TaskURL(targets.DefaultName, e.idNamed("session-store to DCS")))
	if got := r.text("field-description"); got != "No description." {
		t.Errorf("empty description shows %q", got)
	}
}

// TestDetailUnknownAndMalformedIDs proves an unknown id is a 404 page and a
// malformed one is refused (404 or 400, never 500) before any upstream call.
func TestDetailUnknownAndMalformedIDs(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get(routes.TaskURL(targets.DefaultName, "00000000-0000-4000-8000-000000000000"))
	wantStatus(t, r, http.StatusNotFound)
	if r.find("banner-error").Length() != 1 || r.doc.Find("h1").Length() != 1 {
		t.Errorf("unknown task: no error page:\n%s", clipBody(r.body))
	}

	for _, path := range []string{
		routes.TaskURL(targets.DefaultName, "bad$id"),
		routes.TaskURL(targets.DefaultName, strings.Repeat("a", 65)),
		routes.TaskURL(targets.DefaultName, "../.."),
		routes.TaskURL(targets.DefaultName, ".."),
		routes.TaskURL(targets.DefaultName, "a/b"),
		routes.TaskStopURL(targets.DefaultName, "../.."),
		routes.TaskURL(targets.DefaultName, "-leading-hyphen"),
		routes.TaskURL(targets.DefaultName, "任务"),
		routes.TaskStatusURL(targets.DefaultName, "bad$id", ""),
		routes.TaskStopURL(targets.DefaultName, "bad$id"),
	} {
		t.Run(path, func(t *testing.T) {
			before := e.totalCalls()
			r := e.get(path)
			if r.status != http.StatusNotFound && r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 404 or 400", r.status)
			}
			if r.find("banner-error").Length() != 1 {
				t.Errorf("no error banner:\n%s", clipBody(r.body))
			}
			if got := e.totalCalls(); got != before {
				t.Errorf("upstream calls went from %d to %d", before, got)
			}
		})
	}
}

// TestDetailStatsFailure proves a failing stats call leaves the page up (200)
// with an error banner, carrying the DCS code, inside the progress panel.
func TestDetailStatsFailure(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		id: {Ops: []dcssim.Op{dcssim.OpStats}, Status: 500, Code: "DCS.5000", Message: "stats are down"},
	}})
	r := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)
	banner := r.find("progress").Find(`[data-testid="banner-error"]`)
	if banner.Length() != 1 {
		t.Fatalf("no error banner in the progress panel:\n%s", clipBody(r.body))
	}
	if got := strings.TrimSpace(banner.Find(`[data-testid="error-code"]`).Text()); got != "DCS.5000" {
		t.Errorf("error code %q", got)
	}
	if r.find("progress-percent").Length() != 0 {
		t.Error("progress shown although stats failed")
	}
	if r.find("log-entry").Length() == 0 || r.text("task-name") == "" {
		t.Error("the rest of the page is missing")
	}
}

// TestDetailLogsFailure proves failing logs leave the page up with an error
// banner in the logs panel.
func TestDetailLogsFailure(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		id: {Ops: []dcssim.Op{dcssim.OpLogs}, HTML: true, Status: 502},
	}})
	r := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)
	if r.find("logs").Find(`[data-testid="banner-error"]`).Length() != 1 {
		t.Fatalf("no error banner in the logs panel")
	}
	if r.find("progress-percent").Length() != 1 {
		t.Error("progress missing although only logs failed")
	}
	if strings.Contains(r.body, "nginx") {
		t.Error("the gateway's HTML page leaked into the page")
	}
}
