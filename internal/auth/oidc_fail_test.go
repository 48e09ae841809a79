package auth

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// withQuery returns a copy of the callback request with one parameter changed.
func withQuery(r *http.Request, key, value string) *http.Request {
	u := *r.URL
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	c := r.Clone(r.Context())
	c.URL = &u
	c.RequestURI = u.RequestURI()
	return c
}

// expectFail checks the error's kind and that it leaks no secret of the callback.
func expectFail(t *testing.T, name string, o *OIDC, r *http.Request, want error) {
	t.Helper()
	id, to, resp, err := finish(o, r)
	if !errors.Is(err, want) {
		t.Errorf("%s: got %+v, %q, %v; want %v", name, id, to, err, want)
		return
	}
	if id.User != "" || to != "" {
		t.Errorf("%s: failed login still returned %+v, %q", name, id, to)
	}
	for _, secret := range []string{r.URL.Query().Get("code"), "test-secret", "wrong-secret"} {
		if secret != "" && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error leaks %q: %v", name, secret, err)
		}
	}
	if cl := resp.Cookies(); len(cl) != 1 || cl[0].MaxAge >= 0 {
		t.Errorf("%s: login cookie not cleared on failure: %v", name, cl)
	}
}

func TestOIDCCallbackRefused(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, nil)

	cb, _ := login(t, o, "/")
	expectFail(t, "wrong state", o, withQuery(cb, "state", "forged"), ErrLoginState)
	expectFail(t, "empty state", o, withQuery(cb, "state", ""), ErrLoginState)

	cb, _ = login(t, o, "/")
	expectFail(t, "missing cookie", o, httptest.NewRequest(http.MethodGet, cb.URL.String(), nil), ErrLoginState)

	cb, _ = login(t, o, "/")
	bad := cb.Clone(cb.Context())
	bad.Header.Set("Cookie", "dcs_login="+strings.Repeat("A", 200))
	expectFail(t, "tampered cookie", o, bad, ErrLoginState)

	cb, _ = login(t, o, "/")
	expectFail(t, "IdP error", o, withQuery(cb, "error", "access_denied"), ErrIdP)
	if _, _, _, err := finish(o, withQuery(cb, "error", "<b>evil</b>")); !errors.Is(err, ErrIdP) ||
		strings.Contains(err.Error(), "evil") {
		t.Errorf("crafted IdP error repeated: %v", err)
	}
	expectFail(t, "no code", o, withQuery(cb, "code", ""), ErrIdP)
	expectFail(t, "unknown code", o, withQuery(cb, "code", "made-up-code"), ErrIdP)

	// Login CSRF: the attacker's callback in the victim's browser, which
	// holds the victim's own login cookie.
	attacker, _ := login(t, o, "/")
	victim, _ := login(t, o, "/")
	swapped := httptest.NewRequest(http.MethodGet, attacker.URL.String(), nil)
	swapped.Header.Set("Cookie", victim.Header.Get("Cookie"))
	expectFail(t, "callback with another login's cookie", o, swapped, ErrLoginState)
}

func TestOIDCReplayedCallback(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, nil)
	cb, _ := login(t, o, "/")
	if _, _, _, err := finish(o, cb.Clone(cb.Context())); err != nil {
		t.Fatal(err)
	}
	// The browser replays: its cookie was cleared, so the state is gone.
	expectFail(t, "replay without cookie", o, httptest.NewRequest(http.MethodGet, cb.URL.String(), nil), ErrLoginState)
	// Someone who copied both the URL and the cookie: the IdP spent the code.
	expectFail(t, "replay with copied cookie", o, cb.Clone(cb.Context()), ErrIdP)
}

func TestOIDCNonceMismatch(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, nil)
	m.mu.Lock()
	m.swapNonce = true
	m.mu.Unlock()
	cb, _ := login(t, o, "/")
	expectFail(t, "nonce mismatch", o, cb, ErrBadToken)
}

func TestOIDCLoginExpired(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, nil)
	cb, _ := login(t, o, "/")
	o.now = func() time.Time { return time.Now().Add(loginTTL + time.Minute) }
	expectFail(t, "expired login", o, cb, ErrLoginState)
}

func TestOIDCWrongClientSecret(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, func(c *OIDCConfig) { c.ClientSecret = "wrong-secret" })
	cb, _ := login(t, o, "/")
	expectFail(t, "wrong client secret", o, cb, ErrIdP)
}

func TestOIDCCookieKeys(t *testing.T) {
	m := startIdP(t)
	old := newTestOIDC(t, m, nil)
	other := [][]byte{bytes.Repeat([]byte("H"), 32), bytes.Repeat([]byte("E"), 32)}

	cb, _ := login(t, old, "/x")
	stranger := newTestOIDC(t, m, func(c *OIDCConfig) { c.CookieKeys = other })
	expectFail(t, "cookie from other keys", stranger, cb, ErrLoginState)

	// Rotation: the new key first, the old one still read.
	cb, _ = login(t, old, "/x")
	rotated := newTestOIDC(t, m, func(c *OIDCConfig) { c.CookieKeys = append(other, testCookieKeys()...) })
	if _, to, _, err := finish(rotated, cb); err != nil || to != "/x" {
		t.Errorf("old-key cookie after rotation: %q, %v", to, err)
	}
}

func TestOIDCReturnToOpenRedirect(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, nil)
	for _, evil := range []string{"//evil.example", "https://evil", `/\evil`, "/\t/evil.example"} {
		cb, _ := login(t, o, evil)
		if _, to, _, err := finish(o, cb); err != nil || to != "/" {
			t.Errorf("returnTo %q: got %q, %v; want /", evil, to, err)
		}
	}
}

func TestSafeReturnTo(t *testing.T) {
	task, stop := routes.TaskURL(targets.DefaultName, "42"), routes.TaskStopURL(targets.DefaultName, "42")+"?x=1#frag"
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		task:                            task,
		stop:                            stop,
		"/search?q=a//b":                "/search?q=a//b",
		"//evil.example":                "/",
		"///evil.example":               "/",
		"https://evil":                  "/",
		"http:/evil":                    "/",
		"javascript:alert(1)":           "/",
		`/\evil`:                        "/",
		`\\evil`:                        "/",
		"/tasks\\..\\evil":              "/",
		"/\t/evil.example":              "/",
		"/\n/evil.example":              "/",
		"/%2F%2Fevil.example":           "/",
		"/%5Cevil":                      "/",
		"/%zz":                          "/",
		"evil.example":                  "/",
		"tasks/42":                      "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := SafeReturnTo(in); got != want {
			t.Errorf("SafeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}
