package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/routes"
)

// TestLanguageFromBrowser: with no choice made, the page speaks the
// browser's language, says so in <html lang> and Content-Language, and
// falls back to English for a language it does not speak.
func TestLanguageFromBrowser(t *testing.T) {
	e := newEnv(t, options{})
	for accept, want := range map[string]string{"zh-CN,zh;q=0.9": "zh-CN", "zh": "zh-CN", "en-US": "en", "fr-FR": "en", "": "en"} {
		r := e.get("/", "Accept-Language", accept)
		wantStatus(t, r, http.StatusOK)
		if lang, _ := r.doc.Find("html").Attr("lang"); lang != want {
			t.Errorf("Accept-Language %q: <html lang=%q>, want %s", accept, lang, want)
		}
		if got := r.header.Get("Content-Language"); got != want {
			t.Errorf("Accept-Language %q: Content-Language %q", accept, got)
		}
	}
	r := e.get("/", "Accept-Language", "zh-CN")
	if got := strings.TrimSpace(r.doc.Find(".brand").Text()); got != "DCS 迁移任务" {
		t.Errorf("the Chinese page's brand reads %q", got)
	}
}

// TestLanguageSwitch: the switch on every page leads back to the same page
// with its query, and the choice, kept in a cookie, outweighs the browser's.
func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t, options{})
	page := "/?sort=name&status=failed" // canonical: keys in order
	r := e.get(page)
	link := r.doc.Find(`[data-testid="lang-switch"] a[data-lang="zh-CN"]`)
	href, _ := link.Attr("href")
	if want := routes.LanguageURL("zh-CN", page); href != want {
		t.Fatalf("the switch to Chinese leads to %q, want %q", href, want)
	}
	if cur, _ := r.doc.Find(`[data-testid="lang-switch"] a[data-lang="en"]`).Attr("aria-current"); cur != "true" {
		t.Error("the switch does not mark English as the current language")
	}
	sw := e.get(href)
	wantStatus(t, sw, http.StatusSeeOther)
	if loc := sw.header.Get("Location"); loc != page {
		t.Errorf("the switch returns to %q, want %q", loc, page)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: sw.header}).Cookies() {
		if c.Name == "dcs-dashboard-lang" {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "zh-CN" || !cookie.HttpOnly || cookie.MaxAge < 300*24*3600 {
		t.Fatalf("the choice is not remembered: %+v", cookie)
	}
	back := e.get(page, "Accept-Language", "en-US")
	if lang, _ := back.doc.Find("html").Attr("lang"); lang != "zh-CN" {
		t.Errorf("after choosing Chinese, <html lang=%q>", lang)
	}

	// Only local addresses are returned to; an unknown language is refused
	// with words that name the ones it speaks.
	away := e.get(routes.Language + "?" + url.Values{"lang": {"en"}, "return_to": {"//evil.example/x"}}.Encode())
	if loc := away.header.Get("Location"); loc != "/" {
		t.Errorf("a foreign return_to leads to %q, want /", loc)
	}
	bad := e.get(routes.LanguageURL("fr", "/"), "Accept-Language", "en")
	wantStatus(t, bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, "zh-CN") || !strings.Contains(bad.body, "“fr”") {
		t.Errorf("the refusal does not name the languages: %s", clipBody(bad.body))
	}
}
