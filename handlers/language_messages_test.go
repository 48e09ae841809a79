package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// zh asks for Simplified Chinese, as a Chinese browser does.
var zh = []string{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"}

// hasHan reports whether s has Chinese characters.
func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// bannerText is the trimmed text of one part of a banner.
func bannerText(b *goquery.Selection, sel string) string {
	return strings.TrimSpace(b.Find(sel).First().Text())
}

// TestRefusedStopInChinese: a stop the API refuses (the task has finished)
// is told in Chinese to a Chinese browser, and in English to an English
// one, while the DCS code, message and request id stay as the API sent them.
// A stop the dashboard refuses itself (a form without its token) is told in
// Chinese too.
func TestRefusedStopInChinese(t *testing.T) {
	e := newEnv(t, options{})
	ids := e.sim.IDsWithStatus(string(dcs.StatusSuccess))
	if len(ids) == 0 {
		t.Fatal("the simulator has no finished task")
	}
	id := ids[0]
	task, _ := e.sim.Task(id)
	stop := routes.TaskStopURL(targets.DefaultName, id)
	form := stopForm(e.token(id), "", routes.TaskURL(targets.DefaultName, id))

	details := map[string][3]string{}
	for lang, want := range map[string]struct{ title, text string }{
		"zh-CN": {"停止 " + task.TaskName + " 失败。", "该任务的当前状态不允许停止（可能已结束或正在停止）。任务没有任何变化。"},
		"en": {"Stopping " + task.TaskName + " failed.",
			"The task's current status does not allow a stop (it may have finished or already be stopping). Nothing changed."},
	} {
		r := e.post(stop, form, append([]string{"Accept-Language", lang}, htmx...)...)
		wantStatus(t, r, http.StatusConflict)
		if got := r.header.Get("Content-Language"); got != lang {
			t.Errorf("%s: Content-Language %q", lang, got)
		}
		b := r.find("banner-error")
		if b.Length() != 1 {
			t.Fatalf("%s: %d error banners:\n%s", lang, b.Length(), clipBody(r.body))
		}
		if got := bannerText(b, ".banner-title"); got != want.title {
			t.Errorf("%s: banner title %q, want %q", lang, got, want.title)
		}
		if got := bannerText(b, ".banner-text"); got != want.text {
			t.Errorf("%s: banner text %q, want %q", lang, got, want.text)
		}
		code, msg, reqID := r.text("error-code"), r.text("error-message"), r.text("error-request-id")
		if code != "DCS.4957" || msg == "" || reqID == "" || hasHan(msg) || hasHan(reqID) {
			t.Errorf("%s: code %q message %q request id %q, want the API's", lang, code, msg, reqID)
		}
		details[lang] = [3]string{code, msg}
	}
	if details["zh-CN"] != details["en"] {
		t.Errorf("the API's code and message differ by language: %q and %q", details["zh-CN"], details["en"])
	}

	// Refused before the API: a form whose token is missing.
	r := e.post(stop, url.Values{"reason": {"x"}}, zh...)
	wantStatus(t, r, http.StatusForbidden)
	if got := strings.TrimSpace(r.doc.Find("h1").Text()); got != "表单已过期或并非来自本控制台" {
		t.Errorf("CSRF refusal's heading %q", got)
	}
	if got := bannerText(r.find("banner-error"), ".banner-text"); !strings.Contains(got, "未执行任何操作") {
		t.Errorf("CSRF refusal's text %q", got)
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 2 {
		t.Errorf("%d upstream stops, want the 2 the API refused", n)
	}
}

// TestUpstreamErrorInChinese: an error of the DCS API is explained in
// Chinese (what failed, what to do), while its HTTP status, code, message
// and request id are shown exactly as the API sent them.
func TestUpstreamErrorInChinese(t *testing.T) {
	const (
		code    = "DCS.5000"
		message = "Internal error: the service is busy."
		reqID   = "fake-api-request-1"
	)
	endpoint := fakeAPI(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error_code":"` + code + `","error_msg":"` + message + `","error_ext_msg":null}`))
	})
	e := newEnv(t, options{edit: func(t *testing.T, _ string, cfg *handlers.Config) {
		bad, err := dcs.NewClient(dcs.Config{Endpoint: endpoint, ProjectID: testProject, AccessKey: testAK, SecretKey: testSK})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Targets = targets.Single(bad)
	}})

	r := e.get(routes.TaskURL(targets.DefaultName, "a1b2c3d4-0000-4000-8000-000000000001"), zh...)
	wantStatus(t, r, http.StatusBadGateway)
	if lang, _ := r.doc.Find("html").Attr("lang"); lang != "zh-CN" {
		t.Errorf("<html lang=%q>", lang)
	}
	b := r.find("banner-error")
	if b.Length() != 1 {
		t.Fatalf("%d error banners:\n%s", b.Length(), clipBody(r.body))
	}
	if got := bannerText(b, ".banner-title"); got != "读取 DCS API 失败。" {
		t.Errorf("banner title %q", got)
	}
	if got := bannerText(b, ".banner-text"); got != "DCS API 内部出现问题。请稍后重试；如果问题持续，请将请求 ID 提供给华为云技术支持。" {
		t.Errorf("banner text %q", got)
	}
	for testID, want := range map[string]string{"error-http-status": "500", "error-code": code, "error-message": message,
		"error-request-id": reqID} {
		if got := strings.TrimSpace(b.Find(`[data-testid="` + testID + `"]`).First().Text()); got != want {
			t.Errorf("%s %q, want %q as the API sent it", testID, got, want)
		}
	}
	// The labels around them are Chinese.
	if labels := b.Find(".banner-details dt").Text(); !strings.Contains(labels, "DCS 错误码") || !strings.Contains(labels, "请求 ID") {
		t.Errorf("banner labels %q", labels)
	}
}
