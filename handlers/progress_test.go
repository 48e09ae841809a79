package handlers_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// TestListProgressColumn: the list's progress column shows the full sync's
// percentage as a bar for an online migration in its full phase, the lag
// once an incremental migration's full sync is done, what the status tells
// for the others, nothing for a finished task; and it reads the progress of
// those tasks only.
func TestListProgressColumn(t *testing.T) {
	e := newEnv(t, options{})
	e.sim.ResetCalls()
	r := e.get("/?size=50")
	wantStatus(t, r, http.StatusOK)

	moving := 0
	for _, task := range dcssim.Seed(e.clock.Now()) {
		if (dcs.Task{Type: task.MigrationType, Status: dcs.Status(task.Status)}).ReportsProgress() {
			moving++
		}
	}
	if got := e.sim.Calls(dcssim.OpStats); got != moving {
		t.Errorf("%d stats calls for a list with %d online migrations under way, want one each", got, moving)
	}

	full := rowProgress(r.row(e.idNamed("订单缓存迁移-生产")))
	pct := strings.TrimSpace(full.Text())
	m := regexp.MustCompile(`^(\d+(?:\.\d+)?) %$`).FindStringSubmatch(pct)
	if m == nil {
		t.Fatalf("full sync cell %q, want a percentage", strings.TrimSpace(full.Text()))
	}
	bar := full.Find("progress")
	if v, _ := bar.Attr("value"); bar.Length() != 1 || !sameFigure(v, m[1]) {
		t.Errorf("bar value %q beside %q", v, pct)
	}
	if l, _ := bar.Attr("aria-label"); l == "" {
		t.Error("the bar has no accessible name")
	}

	incr := rowProgress(r.row(e.idNamed("用户画像增量同步")))
	if got := strings.TrimSpace(incr.Text()); !regexp.MustCompile(`^Full sync done, (caught up|[0-9.,]+( k| M)? behind)$`).MatchString(got) {
		t.Errorf("incremental cell %q, want the full sync done and the lag", got)
	}
	for name, want := range map[string]string{
		"待配置：商品详情缓存":            "Not started",
		"OBS 备份导入 - 多文件":        "Importing backup files",
		"payment-cache nightly": "",
		"ad-hoc-stop-demo":      "",
	} {
		cell := rowProgress(r.row(e.idNamed(name)))
		if cell.Length() != 1 {
			t.Errorf("%s: no progress cell", name)
			continue
		}
		if got := strings.TrimSpace(cell.Text()); got != want {
			t.Errorf("%s: progress %q, want %q", name, got, want)
		}
	}
}

// TestListProgressFailure: a progress read that fails costs its cell, never
// the page: the cell names the API's code, and its hover the whole answer
// with the request id.
func TestListProgressFailure(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("订单缓存迁移-生产")
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		id: {Ops: []dcssim.Op{dcssim.OpStats}, Status: 500, Code: "DCS.5000", Message: "internal error"}}})
	r := e.get("/?size=50")
	wantStatus(t, r, http.StatusOK)
	note := rowProgress(r.row(id)).Find("span.muted")
	if got := strings.TrimSpace(note.Text()); got != "Unavailable (DCS.5000)" {
		t.Errorf("cell %q, want Unavailable (DCS.5000)", got)
	}
	title, _ := note.Attr("title")
	for _, want := range []string{"Reading the progress of 订单缓存迁移-生产 failed.", "HTTP 500", "DCS.5000", "internal error", "request id "} {
		if !strings.Contains(title, want) {
			t.Errorf("hover %q lacks %q", title, want)
		}
	}
	other := rowProgress(r.row(e.idNamed("推荐系统 缓存 第二批"))).Find("progress")
	if other.Length() != 1 {
		t.Error("another task's progress went missing with the failed one")
	}
}

// sameFigure reports whether two decimal texts are the same number.
func sameFigure(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && x == y
}
