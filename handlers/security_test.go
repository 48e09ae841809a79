package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// sampleAnswers fetches one answer of every kind the dashboard gives: full
// pages (list, detail, confirmation, error pages, a refused long reason)
// and fragments (stop result, status line, htmx error banner).
func sampleAnswers(t *testing.T, e *env) map[string]*resp {
	t.Helper()
	id := e.idWith(dcs.StatusFullMigrating)
	other := e.idWith(dcs.StatusIncrMigrating)
	tok := e.token(id)
	out := map[string]*resp{
		"list":              e.get("/"),
		"search":            e.get("/?q=cache"),
		"detail online":     e.get(routes.TaskURL(targets.DefaultName, id)),
		"detail import":     e.get(routes.TaskURL(targets.DefaultName, e.idNamed("OBS 备份导入 - 多文件"))),
		"confirmation":      e.get(routes.TaskStopURL(targets.DefaultName, id)),
		"unknown task":      e.get(routes.TaskURL(targets.DefaultName, "00000000-0000-4000-8000-000000000000")),
		"malformed id":      e.get(routes.TaskURL(targets.DefaultName, "bad$id")),
		"no such route":     e.get("/nope"),
		"bad page":          e.get("/?page=abc"),
		"reason too long":   e.post(routes.TaskStopURL(targets.DefaultName, other), stopForm(tok, strings.Repeat("x", 501), "/"), htmx...),
		"csrf refused":      e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("wrong", "", "/")),
		"htmx csrf refused": e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("wrong", "", "/"), htmx...),
		"stop fragment":     e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", routes.TaskURL(targets.DefaultName, id)), htmx...),
		"status fragment":   e.get(routes.TaskStatusURL(targets.DefaultName, id, ""), htmx...),
	}
	return out
}

// TestSecurityHeaders proves every answer, page or fragment, carries a strict
// Content-Security-Policy (no unsafe-inline, no unsafe-eval), nosniff and
// no-store caching.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, options{})
	for name, r := range sampleAnswers(t, e) {
		csp := r.header.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", name, csp)
		}
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP lacks %q", name, want)
			}
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, got)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, cc)
		}
	}
}

// TestNoInlineScriptOrStyle proves no answer needs what the CSP forbids: no
// <script> without src, no <style> element, no style= attribute and no on*
// event-handler attribute.
func TestNoInlineScriptOrStyle(t *testing.T) {
	e := newEnv(t, options{})
	for name, r := range sampleAnswers(t, e) {
		if n := r.doc.Find("script:not([src]):not([type=application/json])").Length(); n != 0 {
			t.Errorf("%s: %d inline scripts", name, n)
		}
		if n := r.doc.Find("style, [style]").Length(); n != 0 {
			t.Errorf("%s: %d inline styles", name, n)
		}
		r.doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: <%s %s=...> is an inline handler", name, s.Nodes[0].Data, a.Key)
				}
			}
		})
		for _, n := range r.doc.Find("a[href], form[action]").Nodes {
			for _, a := range n.Attr {
				if (a.Key == "href" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("%s: javascript: URL in <%s>", name, n.Data)
				}
			}
		}
	}
}

// isFullPage reports whether r is a whole document rather than a fragment.
func isFullPage(r *resp) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.body)), "<!doctype html")
}

// TestDemoBanner proves every full page says it shows simulated data when
// the dashboard runs in demo mode, and no page says so otherwise.
func TestDemoBanner(t *testing.T) {
	for _, demo := range []bool{true, false} {
		e := newEnv(t, options{noDemo: !demo})
		pages := 0
		for name, r := range sampleAnswers(t, e) {
			if !isFullPage(r) {
				if r.find("demo-banner").Length() != 0 {
					t.Errorf("demo=%v: fragment %s carries the demo banner", demo, name)
				}
				continue
			}
			pages++
			want := 0
			if demo {
				want = 1
			}
			if n := r.find("demo-banner").Length(); n != want {
				t.Errorf("demo=%v: %s has %d demo banners, want %d", demo, name, n, want)
			}
		}
		if pages < 8 {
			t.Errorf("only %d full pages sampled", pages)
		}
	}
}

// TestStaticAssets proves the scripts and stylesheet a page names are served
// (200, right type) with year-long immutable caching for versioned URLs,
// unversioned ones are revalidated, and the asset tree allows no escape.
func TestStaticAssets(t *testing.T) {
	e := newEnv(t, options{})
	page := e.get("/")
	var urls []string
	page.doc.Find("script[src], link[rel=stylesheet][href]").Each(func(_ int, s *goquery.Selection) {
		u, ok := s.Attr("src")
		if !ok {
			u, _ = s.Attr("href")
		}
		urls = append(urls, u)
	})
	if len(urls) < 3 {
		t.Fatalf("the page names %d assets: %v", len(urls), urls)
	}
	sawHTMX := false
	for _, u := range urls {
		if !strings.HasPrefix(u, "/static/") || !strings.Contains(u, "?v=") {
			t.Errorf("asset URL %q is not a versioned /static/ URL", u)
			continue
		}
		sawHTMX = sawHTMX || strings.HasPrefix(u, "/static/vendor/htmx.min.js?v=")
		r := e.get(u)
		if r.status != http.StatusOK || len(r.body) == 0 {
			t.Errorf("%s: status %d, %d bytes", u, r.status, len(r.body))
		}
		if cc := r.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
		ct := r.header.Get("Content-Type")
		if (strings.Contains(u, ".js?") && !strings.Contains(ct, "javascript")) || (strings.Contains(u, ".css?") && !strings.HasPrefix(ct, "text/css")) {
			t.Errorf("%s: Content-Type %q", u, ct)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", u)
		}
	}
	if !sawHTMX {
		t.Errorf("the page does not load the vendored htmx: %v", urls)
	}
	if r := e.get("/static/vendor/htmx.min.js"); r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unversioned htmx: %d, Cache-Control %q", r.status, r.header.Get("Cache-Control"))
	}
	for _, bad := range []string{"/static/nope.js?v=1", "/static/../go.mod", "/static/..%2fstatic.go", "/static/static.go"} {
		if r := e.get(bad); r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", bad, r.status)
		}
	}
}

// TestHealthz proves the health check answers without a session or upstream call.
func TestHealthz(t *testing.T) {
	e := newEnv(t, options{})
	r := e.get("/healthz")
	if r.status != http.StatusOK || strings.TrimSpace(r.body) != "ok" {
		t.Errorf("healthz: %d %q", r.status, r.body)
	}
	if e.totalCalls() != 0 || r.header.Get("Set-Cookie") != "" {
		t.Error("healthz called the API or started a session")
	}
}

// TestHSTS proves Strict-Transport-Security is sent only when configured.
func TestHSTS(t *testing.T) {
	plain := newEnv(t, options{})
	if h := plain.get("/").header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS without the flag: %q", h)
	}
	tls := newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) { c.HSTS = true }})
	if h := tls.get("/").header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("HSTS = %q", h)
	}
}
