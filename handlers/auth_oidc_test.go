package handlers_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// -session-idle and -session-max of the OIDC tests: short, so the fake clock
// (shared with the simulator, which allows 15 minutes of skew) can pass them.
const (
	testIdle = 4 * time.Minute
	testMax  = 10 * time.Minute
)

var (
	olga = &mockoidc.MockUser{Subject: "u-olga", Email: "olga@example.com", PreferredUsername: "olga",
		Groups: []string{"dcs-operators", "staff"}}
	vera = &mockoidc.MockUser{Subject: "u-vera", Email: "vera@example.com", PreferredUsername: "vera",
		Groups: []string{"dcs-viewers"}}
	fred = &mockoidc.MockUser{Subject: "u-fred", Email: "fred@example.com", PreferredUsername: "fred",
		Groups: []string{"finance"}}
)

// startMockIdP runs mockoidc on loopback with the dashboard's client. The key
// ID is computed before Start: mockoidc fills it lazily without a lock.
func startMockIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.ClientID, m.ClientSecret = "dcs-dashboard", "secret"
	if _, err := m.Keypair.KeyID(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// newOIDCEnv is -auth oidc against m as cmd/web wires it, with -session-keys secrets.
func newOIDCEnv(t *testing.T, m *mockoidc.MockOIDC, secrets ...string) *env {
	t.Helper()
	return newEnv(t, options{edit: func(t *testing.T, base string, cfg *handlers.Config) {
		keys, _ := handlers.DeriveKeys(secrets, "dcs-dashboard session")
		loginKeys, _ := handlers.DeriveKeys(secrets, "dcs-dashboard login")
		sessions, err := handlers.NewSessions(keys, false, cfg.Log)
		if err != nil {
			t.Fatal(err)
		}
		o, err := auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: m.Issuer(), ClientID: m.ClientID,
			ClientSecret: m.ClientSecret, RedirectURL: base + "/auth/callback",
			Scopes: []string{"email", "profile", "groups"}, CookieKeys: handlers.Pairs(loginKeys)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Sessions, cfg.Authenticate = sessions, nil
		cfg.OIDC = &handlers.OIDCLogin{Provider: o, Roles: testRoles, Idle: testIdle, Max: testMax}
	}})
}

const oldSecret, newSecret = "old-session-secret-0123456789abcdef", "new-session-secret-0123456789abcdef"

// signIn goes through the code flow as a browser would: /auth/login, the
// IdP's authorize endpoint, /auth/callback. It returns the callback's answer.
func (e *env) signIn(m *mockoidc.MockOIDC, u *mockoidc.MockUser, returnTo string) *resp {
	e.t.Helper()
	return e.get(e.authorize(m, u, returnTo))
}

// authorize starts sign-in and has the IdP approve u; it returns the
// callback path (with code and state) the IdP sends the browser to.
func (e *env) authorize(m *mockoidc.MockOIDC, u *mockoidc.MockUser, returnTo string) string {
	e.t.Helper()
	m.QueueUser(u)
	start := e.get("/auth/login?return_to=" + url.QueryEscape(returnTo))
	idp := start.header.Get("Location")
	if start.status != http.StatusFound || !strings.HasPrefix(idp, m.AuthorizationEndpoint()) {
		e.t.Fatalf("login: %d to %q", start.status, idp)
	}
	res, err := e.client.Get(idp)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	back := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(back, e.url+"/auth/callback?") {
		e.t.Fatalf("IdP: %d to %q", res.StatusCode, back)
	}
	return strings.TrimPrefix(back, e.url)
}

// sessionCookie is the value of the browser's session cookie ("" if none).
func (e *env) sessionCookie() string {
	base, _ := url.Parse(e.url)
	for _, c := range e.client.Jar.Cookies(base) {
		if c.Name == "dcs_dashboard" {
			return c.Value
		}
	}
	return ""
}

func (e *env) setSessionCookie(value string) {
	base, _ := url.Parse(e.url)
	e.client.Jar.SetCookies(base, []*http.Cookie{{Name: "dcs_dashboard", Value: value, Path: "/"}})
}

// wantSignedOut checks a page is sent to sign in, an htmx request gets 401
// with HX-Redirect, and a post gets the 401 page: never a 500.
func wantSignedOut(t *testing.T, e *env, id string) {
	t.Helper()
	r := e.get(routes.TaskURL(targets.DefaultName, id))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != routes.LoginURL(routes.TaskURL(targets.DefaultName, id)) {
		t.Errorf("page: %d to %q, want 303 to sign in", r.status, r.header.Get("Location"))
	}
	r = e.get(routes.TaskStatusURL(targets.DefaultName, id, ""), "HX-Request", "true", "HX-Current-URL", e.url+routes.TaskURL(targets.DefaultName, id)+"?page=2")
	if r.status != http.StatusUnauthorized || isFullPage(r) || r.find("banner-error").Length() != 1 ||
		r.header.Get("HX-Redirect") != routes.LoginURL(routes.TaskURL(targets.DefaultName, id)+"?page=2") {
		t.Errorf("htmx: %d, HX-Redirect %q, body:\n%s", r.status, r.header.Get("HX-Redirect"), clipBody(r.body))
	}
	r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("stale", "after sign-out", "/"))
	if r.status != http.StatusUnauthorized || !isFullPage(r) || r.find("banner-error").Length() != 1 {
		t.Errorf("post: %d, body:\n%s", r.status, clipBody(r.body))
	}
}

// TestOIDCSignIn proves a page without a session is sent to sign in with its
// address (an htmx request's HX-Current-URL never leads off-site), and the code flow against the IdP signs the person in there,
// showing their name and role, with a new CSRF token (one issued before
// sign-in no longer works) and a working stop audited under their subject.
func TestOIDCSignIn(t *testing.T) {
	m := startMockIdP(t)
	e := newOIDCEnv(t, m, newSecret)
	r := e.get("/")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/auth/login?return_to=%2F" {
		t.Fatalf("GET / signed out: %d to %q", r.status, r.header.Get("Location"))
	}
	for _, cur := range []string{"http://x//evil.example/", "javascript:alert(1)", "%zz", ""} { // never off-site
		r := e.get("/", "HX-Request", "true", "HX-Current-URL", cur)
		if got := r.header.Get("HX-Redirect"); r.status != http.StatusUnauthorized || got != "/auth/login?return_to=%2F" {
			t.Errorf("HX-Current-URL %q: %d, HX-Redirect %q", cur, r.status, got)
		}
	}
	before := metaToken(t, e.get("/auth/callback")) // a token issued before sign-in (fixation)
	id := e.idWith(dcs.StatusFullMigrating)
	r = e.signIn(m, olga, routes.TaskURL(targets.DefaultName, id))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != routes.TaskURL(targets.DefaultName, id) {
		t.Fatalf("callback: %d to %q", r.status, r.header.Get("Location"))
	}
	page := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, page, http.StatusOK)
	if page.text("viewer-name") != "olga" || page.text("viewer-role") != "operator" || !offersStop(page) {
		t.Errorf("viewer %q, role %q", page.text("viewer-name"), page.text("viewer-role"))
	}
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(before, "fixed", "/"), htmx...), http.StatusForbidden)
	wantNoStops(t, e)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(metaToken(t, page), "oidc", "/"), htmx...), http.StatusOK)
	if recs, err := e.audit.Recent(audit.Filter{TaskID: id}); err != nil || len(recs) != 2 || recs[1].User != "u-olga" ||
		recs[1].Email != "olga@example.com" || strings.Join(recs[1].Groups, ",") != "dcs-operators" {
		t.Errorf("audit %+v, %v", recs, err)
	}
}

// TestOIDCSessionExpiry proves a session ends after -session-idle without a
// request, and after -session-max despite steady use: then pages redirect,
// htmx gets 401 with HX-Redirect and a banner, and a post gets a 401 page
// with nothing sent upstream even with a valid CSRF token.
func TestOIDCSessionExpiry(t *testing.T) {
	for name, steps := range map[string][]time.Duration{
		"idle": {testIdle + time.Second},
		"max":  {3 * time.Minute, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute}, // each step < idle
	} {
		t.Run(name, func(t *testing.T) {
			m := startMockIdP(t)
			e := newOIDCEnv(t, m, newSecret)
			id := e.idWith(dcs.StatusFullMigrating)
			e.signIn(m, olga, "/")
			tok := e.tokenAs(nil)
			for i, d := range steps {
				e.clock.Advance(d)
				if i < len(steps)-1 {
					wantStatus(t, e.get("/audit"), http.StatusOK) // still signed in; refreshes the idle clock
				}
			}
			wantSignedOut(t, e, id)
			for _, h := range [][]string{nil, htmx} {
				wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "expired", "/"), h...), http.StatusUnauthorized)
			}
			wantNoStops(t, e)
		})
	}
}

// TestOIDCBadSessionCookies proves a tampered, truncated or garbage session
// cookie, or one signed with a retired key, is treated as signed out (never
// a 500), while a server listing the old key after the new one keeps the
// person signed in.
func TestOIDCBadSessionCookies(t *testing.T) {
	m := startMockIdP(t)
	old := newOIDCEnv(t, m, oldSecret)
	old.signIn(m, vera, "/")
	good := old.sessionCookie()
	if len(good) < 8 {
		t.Fatalf("session cookie %q", good)
	}
	flip := []byte(good)
	flip[len(flip)/2] ^= 1
	id := old.idWith(dcs.StatusFullMigrating)
	for name, v := range map[string]string{"tampered": string(flip), "truncated": good[:len(good)-4], "garbage": "%%%not-a-cookie"} {
		old.setSessionCookie(v)
		t.Run(name, func(t *testing.T) { wantSignedOut(t, old, id) })
	}

	retired := newOIDCEnv(t, m, newSecret)
	retired.setSessionCookie(good)
	t.Run("retired key", func(t *testing.T) { wantSignedOut(t, retired, id) })

	rotated := newOIDCEnv(t, m, newSecret, oldSecret)
	rotated.setSessionCookie(good)
	r := rotated.get("/")
	wantStatus(t, r, http.StatusOK)
	if r.text("viewer-name") != "vera" || r.text("viewer-role") != "viewer" {
		t.Errorf("after rotation: %q %q", r.text("viewer-name"), r.text("viewer-role"))
	}
}

// TestOIDCLogout proves sign-out needs the CSRF token and a same-site post
// (403 otherwise, still signed in), and then signs the person out.
func TestOIDCLogout(t *testing.T) {
	m := startMockIdP(t)
	e := newOIDCEnv(t, m, newSecret)
	e.signIn(m, olga, "/")
	tok := e.tokenAs(nil)
	wantStatus(t, e.post("/auth/logout", url.Values{}), http.StatusForbidden)
	wantStatus(t, e.post("/auth/logout", url.Values{"_csrf": {"wrong"}}), http.StatusForbidden)
	wantStatus(t, e.post("/auth/logout", url.Values{"_csrf": {tok}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"), http.StatusForbidden)
	wantStatus(t, e.get("/"), http.StatusOK)

	r := e.post("/auth/logout", url.Values{"_csrf": {tok}})
	wantStatus(t, r, http.StatusOK)
	if r.find("viewer-role").Text() == "operator" {
		t.Error("the signed-out page still shows an operator")
	}
	wantSignedOut(t, e, e.idWith(dcs.StatusFullMigrating))
	wantNoStops(t, e)
}

// TestOIDCCallbackRefusals proves a callback without a started login, with a
// wrong state, with an IdP error, from another browser's login, or replayed
// after use gets a 401 page, never a 500, and signs nobody in.
func TestOIDCCallbackRefusals(t *testing.T) {
	m := startMockIdP(t)
	e := newOIDCEnv(t, m, newSecret)
	for _, q := range []string{"state=x&code=y", "", "error=access_denied", "error=%3Cscript%3Ealert(1)%3C%2Fscript%3E"} {
		r := e.get("/auth/callback?" + q)
		if r.status != http.StatusUnauthorized || !isFullPage(r) || strings.Contains(r.body, "<script>alert") {
			t.Errorf("no login, %q: %d", q, r.status)
		}
		wantStatus(t, e.get("/auth/login?return_to=%2F"), http.StatusFound)
		if r := e.get("/auth/callback?state=wrong&code=y&" + q); r.status != http.StatusUnauthorized {
			t.Errorf("started login, wrong state, %q: %d", q, r.status)
		}
	}
	wantStatus(t, e.get("/"), http.StatusSeeOther)

	// Login CSRF: an attacker's genuine callback (their code and state),
	// opened in the victim's browser that started its own sign-in.
	attacker := *e
	attacker.client = &http.Client{Jar: newJar(), CheckRedirect: e.client.CheckRedirect}
	forged := attacker.authorize(m, olga, "/")
	e.authorize(m, vera, "/")
	wantStatus(t, e.get(forged), http.StatusUnauthorized)
	wantStatus(t, e.get("/"), http.StatusSeeOther)
	// Replay: the callback works once, in its own browser, then never again.
	wantStatus(t, attacker.get(forged), http.StatusSeeOther)
	attacker.setSessionCookie("")
	wantStatus(t, attacker.get(forged), http.StatusUnauthorized)
	wantStatus(t, attacker.get("/"), http.StatusSeeOther)
}

// TestOIDCLogoutRevokesCopies reproduces a session cookie copied before
// sign-out: after sign-out the copy is refused, as the server remembers the
// session ended, not only the browser that signed out.
func TestOIDCLogoutRevokesCopies(t *testing.T) {
	m := startMockIdP(t)
	e := newOIDCEnv(t, m, newSecret)
	e.signIn(m, olga, "/")
	copied := e.sessionCookie()
	tok := e.tokenAs(nil)
	wantStatus(t, e.post(routes.Logout, url.Values{"_csrf": {tok}}), http.StatusOK)
	e.setSessionCookie(copied)
	wantSignedOut(t, e, e.idWith(dcs.StatusFullMigrating))
	wantNoStops(t, e)
}

// TestOIDCRevokeUser proves an operator can end every session of a person:
// the person's cookie stops working at once; a viewer may not do it.
func TestOIDCRevokeUser(t *testing.T) {
	m := startMockIdP(t)
	e := newOIDCEnv(t, m, newSecret)
	e.signIn(m, vera, "/")
	veras := e.sessionCookie()
	wantStatus(t, e.post(routes.RevokeSessions, url.Values{"_csrf": {e.tokenAs(nil)}, "user": {"u-olga"}}), http.StatusForbidden)

	e.signIn(m, olga, "/")
	page := e.get(routes.Audit)
	wantStatus(t, page, http.StatusOK)
	if page.find("revoke-sessions").Length() != 1 {
		t.Fatal("the audit page offers no way to end a person's sessions")
	}
	r := e.post(routes.RevokeSessions, url.Values{"_csrf": {e.tokenAs(nil)}, "user": {"u-vera"}})
	wantStatus(t, r, http.StatusSeeOther)
	if b := e.get(r.header.Get("Location")).find("banner-success"); !strings.Contains(b.Text(), "u-vera") {
		t.Errorf("no confirmation naming the person: %q", b.Text())
	}
	wantStatus(t, e.get(routes.List), http.StatusOK) // the operator's own session goes on

	e.setSessionCookie(veras)
	wantSignedOut(t, e, e.idWith(dcs.StatusFullMigrating))
	e.clock.Advance(time.Second)
	e.signIn(m, vera, "/") // signing in again, later, works
	wantStatus(t, e.get(routes.List), http.StatusOK)
}
