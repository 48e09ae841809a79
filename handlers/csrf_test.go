package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestCSRFRefusals proves a stop post without the session's token, with a
// wrong one, or from another site (even with a valid token) is refused 403
// before any upstream call, as a page or, for htmx, as a retargeted banner.
func TestCSRFRefusals(t *testing.T) {
	tests := []struct {
		name   string
		token  func(valid string) string
		header []string
	}{
		{"no token", func(string) string { return "" }, nil},
		{"wrong token", func(string) string { return "not-the-token" }, nil},
		{"token of another length", func(v string) string { return v + "x" }, nil},
		{"cross-site with valid token", func(v string) string { return v }, []string{"Sec-Fetch-Site", "cross-site"}},
		{"foreign Origin with valid token", func(v string) string { return v }, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
		{"htmx, no token", func(string) string { return "" }, htmx},
		{"htmx, cross-site", func(v string) string { return v }, append([]string{"Sec-Fetch-Site", "cross-site"}, htmx...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{})
			id := e.idWith(dcs.StatusFullMigrating)
			form := stopForm(tc.token(e.token(id)), "csrf", "/")
			if form.Get("_csrf") == "" {
				form.Del("_csrf")
			}
			r := e.post(routes.TaskStopURL(targets.DefaultName, id), form, tc.header...)
			wantStatus(t, r, http.StatusForbidden)
			if r.find("banner-error").Length() != 1 {
				t.Errorf("no error banner:\n%s", clipBody(r.body))
			}
			isHTMX := len(tc.header) >= 2 && tc.header[len(tc.header)-2] == "HX-Request"
			if got := r.header.Get("HX-Retarget"); isHTMX && got != "#client-alerts" {
				t.Errorf("htmx error: HX-Retarget %q, want #client-alerts", got)
			}
			if isHTMX && strings.Contains(strings.ToLower(r.body), "<html") {
				t.Error("htmx error answered with a full page")
			}
			if !isHTMX && r.doc.Find("h1").Length() != 1 {
				t.Error("plain error is not a full page")
			}
			if n := e.sim.Calls(dcssim.OpStop); n != 0 {
				t.Errorf("%d upstream stops, want 0", n)
			}
		})
	}
}

// TestCSRFTokenInHeader proves the X-CSRF-Token header is accepted in place
// of the form field.
func TestCSRFTokenInHeader(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), url.Values{"return_to": {"/"}}, append([]string{"X-CSRF-Token", tok}, htmx...)...)
	wantStatus(t, r, http.StatusOK)
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops, want 1", n)
	}
}

// TestTamperedSessionCookie proves a session cookie that does not verify
// starts a new session (a fresh token and cookie) and the post it came with
// is refused 403, never 500; the new session then works.
func TestTamperedSessionCookie(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	base, _ := url.Parse(e.url)
	cookies := e.client.Jar.Cookies(base)
	if len(cookies) != 1 {
		t.Fatalf("%d cookies, want the one session cookie", len(cookies))
	}
	c := cookies[0]
	if c.Value == "" {
		t.Fatal("empty session cookie")
	}
	// Flip one character in the middle of the signed value.
	v := []byte(c.Value)
	if v[len(v)/2] == 'A' {
		v[len(v)/2] = 'B'
	} else {
		v[len(v)/2] = 'A'
	}
	tampered := &http.Cookie{Name: c.Name, Value: string(v), Path: "/"}
	e.client.Jar.SetCookies(base, []*http.Cookie{tampered})

	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "tampered", "/"))
	wantStatus(t, r, http.StatusForbidden)
	if r.find("banner-error").Length() != 1 {
		t.Errorf("no error banner:\n%s", clipBody(r.body))
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("%d upstream stops, want 0", n)
	}
	if after := e.client.Jar.Cookies(base); len(after) != 1 || after[0].Value == string(v) {
		t.Error("no new session cookie was issued")
	}

	// A page load works with the tampered cookie too, and its token is new.
	e.client.Jar.SetCookies(base, []*http.Cookie{tampered})
	if page := e.get(routes.TaskURL(targets.DefaultName, id)); page.status != http.StatusOK {
		t.Errorf("page with a tampered cookie: status %d", page.status)
	}
	fresh := e.token(id)
	if fresh == tok {
		t.Error("the old token survived a tampered cookie")
	}
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(fresh, "", "/"), htmx...), http.StatusOK)
}

// TestTokenNotShared proves another browser's token does not work in this one.
func TestTokenNotShared(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	mine := e.token(id)
	other := *e
	other.client = &http.Client{Jar: newJar(), CheckRedirect: e.client.CheckRedirect}
	theirs := other.token(id)
	if theirs == mine {
		t.Fatal("two sessions got the same token")
	}
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(theirs, "", "/")), http.StatusForbidden)
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("%d upstream stops, want 0", n)
	}
}

// TestSessionCookieFlags proves the session cookie is HttpOnly and SameSite=Lax.
func TestSessionCookieFlags(t *testing.T) {
	e := newEnv(t, options{})
	res, err := e.client.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("%d cookies set, want 1", len(cookies))
	}
	if c := cookies[0]; !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Path=%q", c.HttpOnly, c.SameSite, c.Path)
	}
}

// TestViewerCannotStop proves a request without an operator identity sees
// no Stop control, is refused the confirmation page, and cannot post a stop.
func TestViewerCannotStop(t *testing.T) {
	e := newEnv(t, options{anonymous: true})
	id := e.idWith(dcs.StatusFullMigrating)
	for _, path := range []string{"/", routes.TaskURL(targets.DefaultName, id)} {
		r := e.get(path)
		wantStatus(t, r, http.StatusOK)
		if r.find("stop-dialog").Length() != 0 || r.doc.Find(`input[name="_csrf"]`).Length() != 0 {
			t.Errorf("%s offers a stop to a viewer", path)
		}
		if got := strings.TrimSpace(r.doc.Find(".viewer-role").Text()); got != "viewer" {
			t.Errorf("%s: role shown %q", path, got)
		}
	}
	wantStatus(t, e.get(routes.TaskStopURL(targets.DefaultName, id)), http.StatusForbidden)
	for _, h := range [][]string{nil, htmx} {
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("any", "", "/"), h...), http.StatusForbidden)
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("%d upstream stops, want 0", n)
	}
}

// TestOversizedPost proves a post over the 64 KiB body limit is refused 413
// with a page, before the CSRF check or any upstream call.
func TestOversizedPost(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), strings.Repeat("x", 100<<10), "/"))
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if r.find("banner-error").Length() != 1 {
		t.Errorf("no error banner:\n%s", clipBody(r.body))
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("%d upstream stops, want 0", n)
	}
}

// TestCSRFTokenNotFromQuery proves the token is taken only from the form
// body or the header: in a query string it leaks through logs, history and
// Referer, so a post carrying it there alone is refused.
func TestCSRFTokenNotFromQuery(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id)+"?_csrf="+url.QueryEscape(tok), url.Values{"return_to": {"/"}}, htmx...)
	wantStatus(t, r, http.StatusForbidden)
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("%d upstream stops, want 0", n)
	}
}
