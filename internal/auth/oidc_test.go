package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

const callbackURL = "http://127.0.0.1:8080/auth/callback"

func newTestOIDC(t *testing.T, m *idp, edit func(*OIDCConfig)) *OIDC {
	t.Helper()
	cfg := OIDCConfig{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		RedirectURL: callbackURL, CookieKeys: testCookieKeys(),
	}
	if edit != nil {
		edit(&cfg)
	}
	o, err := NewOIDC(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// login runs StartLogin, lets the IdP authorize, and returns the callback
// request the browser would make, with the login cookie, and StartLogin's
// response.
func login(t *testing.T, o *OIDC, returnTo string) (*http.Request, *http.Response) {
	t.Helper()
	rec := httptest.NewRecorder()
	o.StartLogin(rec, httptest.NewRequest(http.MethodGet, "/login", nil), returnTo)
	start := rec.Result()
	if start.StatusCode != http.StatusFound {
		t.Fatalf("StartLogin: %d", start.StatusCode)
	}
	resp, err := noRedirects.Get(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back, callbackURL+"?") {
		t.Fatalf("IdP answered %d, Location %q", resp.StatusCode, back)
	}
	cb := httptest.NewRequest(http.MethodGet, back, nil)
	for _, c := range start.Cookies() {
		cb.AddCookie(c)
	}
	return cb, start
}

func finish(o *OIDC, r *http.Request) (Identity, string, *http.Response, error) {
	rec := httptest.NewRecorder()
	id, to, err := o.FinishLogin(rec, r)
	return id, to, rec.Result(), err
}

func TestOIDCLoginRoundTrip(t *testing.T) {
	m := startIdP(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "u-42", Email: "olga@example.com", PreferredUsername: "olga",
		Groups: []string{"dcs-operators", "staff"}})
	o := newTestOIDC(t, m, func(c *OIDCConfig) { c.Scopes = []string{"email", "profile", "groups"} })

	cb, start := login(t, o, routes.TaskURL(targets.DefaultName, "42")+"?page=2")
	id, to, resp, err := finish(o, cb)
	if err != nil {
		t.Fatal(err)
	}
	if id.User != "u-42" || id.Email != "olga@example.com" || id.PreferredUsername != "olga" ||
		!slices.Equal(id.Groups, []string{"dcs-operators", "staff"}) || to != routes.TaskURL(targets.DefaultName, "42")+"?page=2" {
		t.Errorf("got %+v, returnTo %q", id, to)
	}
	if got := (RoleConfig{OperatorGroups: []string{"dcs-operators"}}).RoleOf(id); got != RoleOperator {
		t.Errorf("role %q", got)
	}

	// The authorize request: code flow, S256 PKCE, state, nonce, our scopes.
	auth, _ := url.Parse(start.Header.Get("Location"))
	q := auth.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("state") == "" || q.Get("nonce") == "" || q.Get("scope") != "openid email profile groups" ||
		q.Get("redirect_uri") != callbackURL || q.Get("client_id") != m.ClientID {
		t.Errorf("authorize query: %v", q)
	}
	if start.Header.Get("Cache-Control") != "no-store" {
		t.Error("login redirect may be cached")
	}
	// The token request carried the verifier matching the S256 challenge.
	m.mu.Lock()
	forms := slices.Clone(m.tokenForms)
	m.mu.Unlock()
	if len(forms) == 0 {
		t.Fatal("no token request seen")
	}
	verifier := forms[len(forms)-1].Get("code_verifier")
	if verifier == "" || oauth2.S256ChallengeFromVerifier(verifier) != q.Get("code_challenge") {
		t.Errorf("token request verifier %q does not match challenge %q", verifier, q.Get("code_challenge"))
	}

	// The login cookie: short-lived, HttpOnly, Lax, encrypted (no verifier inside).
	set := start.Cookies()
	if len(set) != 1 {
		t.Fatalf("cookies set: %v", set)
	}
	c := set[0]
	if c.Name != "dcs_login" || c.MaxAge != 600 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/" || c.Secure || strings.Contains(c.Value, verifier) {
		t.Errorf("login cookie %+v", c)
	}
	// FinishLogin cleared it.
	if cl := resp.Cookies(); len(cl) != 1 || cl[0].Name != "dcs_login" || cl[0].MaxAge >= 0 {
		t.Errorf("login cookie not cleared: %v", cl)
	}
}

func TestOIDCDefaultScopes(t *testing.T) {
	m := startIdP(t) // the default user is in groups, sent only for the groups scope
	o := newTestOIDC(t, m, nil)
	cb, start := login(t, o, "")
	auth, _ := url.Parse(start.Header.Get("Location"))
	if got := auth.Query().Get("scope"); got != "openid email profile" {
		t.Errorf("scope %q", got)
	}
	id, to, _, err := finish(o, cb)
	if err != nil || id.User != "1234567890" || id.Email != "jane.doe@example.com" || id.Groups != nil || to != "/" {
		t.Errorf("got %+v, %q, %v", id, to, err)
	}
}

func TestOIDCSecureCookie(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, func(c *OIDCConfig) { c.SecureCookies = true })
	cb, start := login(t, o, "/")
	if c := start.Cookies()[0]; c.Name != "__Host-dcs_login" || !c.Secure || c.Domain != "" || c.Path != "/" {
		t.Errorf("secure login cookie %+v", c)
	}
	if _, _, resp, err := finish(o, cb); err != nil || !resp.Cookies()[0].Secure {
		t.Errorf("%v, clearing cookie %+v", err, resp.Cookies())
	}
}

func TestEndSessionURL(t *testing.T) {
	m := startIdP(t)
	if got := newTestOIDC(t, m, nil).EndSessionURL("http://127.0.0.1:8080/"); got != "" {
		t.Errorf("mockoidc has no end_session_endpoint, got %q", got)
	}
	m.mu.Lock()
	m.endSession = m.Addr() + "/oidc/logout?tenant=a"
	m.mu.Unlock()
	o := newTestOIDC(t, m, nil)
	u, err := url.Parse(o.EndSessionURL("http://127.0.0.1:8080/signed-out"))
	if err != nil || u.Path != "/oidc/logout" || u.Query().Get("tenant") != "a" ||
		u.Query().Get("client_id") != m.ClientID || u.Query().Get("post_logout_redirect_uri") != "http://127.0.0.1:8080/signed-out" {
		t.Errorf("end session URL %v, %v", u, err)
	}
	if got := o.EndSessionURL(""); strings.Contains(got, "post_logout_redirect_uri") {
		t.Errorf("empty redirect still sent: %q", got)
	}
}

func TestNewOIDCErrors(t *testing.T) {
	m := startIdP(t)
	short := [][]byte{[]byte("too-short"), make([]byte, 32)}
	for _, tc := range []struct {
		name string
		edit func(*OIDCConfig)
		want string
	}{
		{"no issuer", func(c *OIDCConfig) { c.Issuer = "" }, "required"},
		{"no client", func(c *OIDCConfig) { c.ClientID = "" }, "required"},
		{"relative redirect", func(c *OIDCConfig) { c.RedirectURL = "/auth/callback" }, "absolute"},
		{"no keys", func(c *OIDCConfig) { c.CookieKeys = nil }, "pairs"},
		{"odd keys", func(c *OIDCConfig) { c.CookieKeys = c.CookieKeys[:1] }, "pairs"},
		{"short hash key", func(c *OIDCConfig) { c.CookieKeys = short }, "at least 32"},
		{"no encryption", func(c *OIDCConfig) { c.CookieKeys = [][]byte{make([]byte, 32), nil} }, "encryption key"},
		{"wrong issuer", func(c *OIDCConfig) { c.Issuer += "/other" }, "discovering"},
	} {
		cfg := OIDCConfig{Issuer: m.Issuer(), ClientID: "c", RedirectURL: callbackURL, CookieKeys: testCookieKeys()}
		tc.edit(&cfg)
		if _, err := NewOIDC(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestOIDCTokenAudienceAndAuthorizedParty(t *testing.T) {
	m := startIdP(t)
	o := newTestOIDC(t, m, nil)
	for _, tc := range []struct {
		name   string
		claims jwt.MapClaims
		ok     bool
	}{
		{"ours", jwt.MapClaims{"aud": m.ClientID}, true},
		{"ours among several, azp ours", jwt.MapClaims{"aud": []string{m.ClientID, "api"}, "azp": m.ClientID}, true},
		{"another audience", jwt.MapClaims{"aud": "grafana"}, false},
		{"issued to another client", jwt.MapClaims{"aud": []string{m.ClientID, "grafana"}, "azp": "grafana"}, false},
	} {
		idt, err := o.verifier.Verify(context.Background(), m.sign(t, tc.claims))
		if err == nil {
			_, err = identityFromToken(idt, "groups", m.ClientID)
		}
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadToken) && !strings.Contains(err.Error(), "audience")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
