package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// testRoles is -viewer-groups dcs-viewers -operator-groups dcs-operators.
var testRoles = auth.RoleConfig{ViewerGroups: []string{"dcs-viewers"}, OperatorGroups: []string{"dcs-operators"}}

// People as oauth2-proxy describes them (header, value pairs).
var (
	operator = []string{"X-Forwarded-User", "u-olga", "X-Forwarded-Email", "olga@example.com",
		"X-Forwarded-Preferred-Username", "olga", "X-Forwarded-Groups", "dcs-operators, staff"}
	viewer = []string{"X-Forwarded-User", "u-vera", "X-Forwarded-Email", "vera@example.com",
		"X-Forwarded-Preferred-Username", "vera", "X-Forwarded-Groups", "dcs-viewers"}
	outsider = []string{"X-Forwarded-User", "u-fred", "X-Forwarded-Email", "fred@example.com",
		"X-Forwarded-Groups", "finance"}
)

// with is who's headers plus more (a header named again replaces who's value).
func with(who []string, more ...string) []string { return append(slices.Clone(who), more...) }

// proxySetup is -auth proxy as cmd/web wires it.
type proxySetup struct {
	trusted  string // -trusted-proxies
	issuer   string // -proxy-id-token-issuer, audience "oauth2-proxy"; "" = headers only
	noXFF    bool   // Config.TrustedProxies left empty: the TCP peer is the client address
	readOnly bool
	// edit changes the configuration further, after the proxy is set up.
	edit func(t *testing.T, baseURL string, cfg *handlers.Config)
	// twoTargets and drOperators are options' (setup_test.go).
	twoTargets  bool
	drOperators []string
}

func newProxyEnv(t *testing.T, ps proxySetup) *env {
	t.Helper()
	return newEnv(t, options{twoTargets: ps.twoTargets, drOperators: ps.drOperators, edit: func(t *testing.T, _ string, cfg *handlers.Config) {
		nets, err := auth.ParseCIDRs(ps.trusted)
		if err != nil {
			t.Fatal(err)
		}
		pc := auth.ProxyConfig{TrustedProxies: nets}
		if ps.issuer != "" {
			pc.IDTokenIssuer, pc.IDTokenAudience = ps.issuer, "oauth2-proxy"
		}
		p, err := auth.NewProxy(context.Background(), pc, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Authenticate = handlers.AuthenticateProxy(p, testRoles)
		if !ps.noXFF {
			cfg.TrustedProxies = nets
		}
		cfg.ReadOnly = ps.readOnly
		if ps.edit != nil {
			ps.edit(t, "", cfg)
		}
	}})
}

// send writes the header lines exactly as given (repeats stay repeats, odd
// spellings such as X_Forwarded_User are kept); a non-nil form makes it a
// same-origin POST.
func (e *env) send(method, path string, form url.Values, lines ...string) *resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.url)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(lines); i += 2 {
		req.Header[lines[i]] = append(req.Header[lines[i]], lines[i+1])
	}
	return e.do(req)
}

// metaToken is the session's CSRF token from the layout's <meta name="csrf-token">.
func metaToken(t testing.TB, r *resp) string {
	t.Helper()
	tok, _ := r.doc.Find(`meta[name="csrf-token"]`).Attr("content")
	if tok == "" {
		t.Fatalf("no csrf-token meta (status %d):\n%s", r.status, clipBody(r.body))
	}
	return tok
}

// offersStop reports whether a page shows a Stop control (the button that
// opens the confirmation, or a dialog or form that posts a stop).
func offersStop(r *resp) bool {
	return r.doc.Find("form.stop-open, form.stop-form").Length()+r.find("stop-dialog").Length() > 0
}

// tokenAs loads the task list as who and returns the session's CSRF token.
func (e *env) tokenAs(who []string) string {
	e.t.Helper()
	r := e.get("/", who...)
	wantStatus(e.t, r, http.StatusOK)
	return metaToken(e.t, r)
}

func wantNoStops(t *testing.T, e *env) {
	t.Helper()
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("%d upstream stops, want 0", n)
	}
	if recs, err := e.audit.Recent(audit.Filter{}); err != nil || len(recs) != 0 {
		t.Errorf("audit records %+v, %v; want none", recs, err)
	}
}

// TestProxyUntrustedPeer proves identity headers from a peer outside
// -trusted-proxies get 401 whatever they say, even with forwarding headers
// naming a trusted address, before any handler or upstream call runs.
func TestProxyUntrustedPeer(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "10.0.0.0/8"})
	id := e.idWith(dcs.StatusFullMigrating)
	for name, h := range map[string][]string{
		"operator headers":        operator,
		"X-Forwarded-For trusted": with(operator, "X-Forwarded-For", "10.0.0.5"),
		"X-Real-IP trusted":       with(operator, "X-Real-IP", "10.0.0.5"),
		"Forwarded trusted":       with(operator, "Forwarded", "for=10.0.0.5"),
	} {
		wantStatus(t, e.get("/", h...), http.StatusUnauthorized)
		r := e.get(routes.TaskStatusURL(targets.DefaultName, id, ""), append(h, htmx...)...)
		wantStatus(t, r, http.StatusUnauthorized)
		if r.header.Get("HX-Refresh") != "true" || isFullPage(r) {
			t.Errorf("%s: htmx 401 without HX-Refresh or as a full page", name)
		}
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("any", name, "/"), h...), http.StatusUnauthorized)
	}
	if n := e.totalCalls(); n != 0 {
		t.Errorf("%d upstream calls for unauthenticated requests", n)
	}
	wantNoStops(t, e)
}

// TestProxyAmbiguousIdentity proves a trusted proxy's request is refused 401
// when its identity is empty, repeated, comma-joined, malformed or spelled
// with underscores, however operator-like it looks; nothing is stopped.
func TestProxyAmbiguousIdentity(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	id := e.idWith(dcs.StatusFullMigrating)
	ops := []string{"X-Forwarded-Groups", "dcs-operators"}
	for name, lines := range map[string][]string{
		"no identity":           nil,
		"groups only":           ops,
		"empty user":            append([]string{"X-Forwarded-User", ""}, ops...),
		"blank user":            append([]string{"X-Forwarded-User", "   "}, ops...),
		"user twice":            append([]string{"X-Forwarded-User", "u-vera", "X-Forwarded-User", "u-olga"}, ops...),
		"users comma-joined":    append([]string{"X-Forwarded-User", "u-vera, u-olga"}, ops...),
		"email twice":           append([]string{"X-Forwarded-User", "u-olga", "X-Forwarded-Email", "a@x", "X-Forwarded-Email", "b@x"}, ops...),
		"tab in user":           append([]string{"X-Forwarded-User", "u-ol\tga"}, ops...),
		"X_Forwarded_User only": append([]string{"X_Forwarded_User", "u-olga"}, ops...),
		"X_Forwarded_User too":  append([]string{"X-Forwarded-User", "u-vera", "X_Forwarded_User", "u-olga"}, ops...),
		"X_Forwarded_Groups":    {"X-Forwarded-User", "u-vera", "X_Forwarded_Groups", "dcs-operators"},
		"X-Forwarded_Email":     append([]string{"X-Forwarded-User", "u-olga", "X-Forwarded_Email", "olga@example.com"}, ops...),
	} {
		if r := e.send(http.MethodGet, "/", nil, lines...); r.status != http.StatusUnauthorized {
			t.Errorf("%s: GET status %d, want 401", name, r.status)
		}
		if r := e.send(http.MethodPost, routes.TaskStopURL(targets.DefaultName, id), stopForm("any", name, "/"), lines...); r.status != http.StatusUnauthorized {
			t.Errorf("%s: POST status %d, want 401", name, r.status)
		}
	}
	wantNoStops(t, e)
}

// TestProxyGroupsHeaderBelievedWithoutToken documents the trust boundary of
// headers-only proxy mode: a trusted proxy's groups header is believed (the
// proxy must strip clients' copies), so the groups it sends decide the role.
func TestProxyGroupsHeaderBelievedWithoutToken(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	r := e.get("/", with(viewer, "X-Forwarded-Groups", "dcs-viewers, dcs-operators")...)
	wantStatus(t, r, http.StatusOK)
	if got := r.text("viewer-role"); got != "operator" {
		t.Errorf("role %q, want operator from the proxy's groups header", got)
	}
}

// idToken mints an ID token for oauth2-proxy's client, signed by m's key.
func idToken(t *testing.T, m *mockoidc.MockOIDC, sub string, groups ...string) string {
	t.Helper()
	now := time.Now()
	tok, err := m.Keypair.SignJWT(jwt.MapClaims{"iss": m.Issuer(), "aud": "oauth2-proxy", "sub": sub,
		"email": strings.TrimPrefix(sub, "u-") + "@example.com", "groups": groups,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestProxyTokenOverridesForgedGroups proves that with -proxy-id-token-issuer
// the verified token's groups replace the headers': a viewer forging
// dcs-operators stays a viewer (403 on stop, nothing sent), an operator whose
// header says viewer still stops, and a missing or foreign token is 401.
func TestProxyTokenOverridesForgedGroups(t *testing.T) {
	m := startMockIdP(t)
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32", issuer: m.Issuer()})
	id := e.idWith(dcs.StatusIncrMigrating)
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	forged := with(viewer, append(bearer(idToken(t, m, "u-vera", "dcs-viewers")), "X-Forwarded-Groups", "dcs-operators")...)
	r := e.get(routes.TaskURL(targets.DefaultName, id), forged...)
	wantStatus(t, r, http.StatusOK)
	if r.text("viewer-role") != "viewer" || offersStop(r) {
		t.Errorf("forged groups: role %q, stop offered %v", r.text("viewer-role"), offersStop(r))
	}
	r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(metaToken(t, r), "forged", "/"), forged...)
	wantRefusedWithFlash(t, e, r, "/", forged, "viewer")
	for name, h := range map[string][]string{
		"no token":              with(operator),
		"token of another user": with(operator, bearer(idToken(t, m, "u-vera", "dcs-operators"))...),
		"token not a JWT":       with(operator, bearer("not.a.jwt")...),
	} {
		if r := e.get("/", h...); r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, r.status)
		}
	}
	wantNoStops(t, e)

	real := with(operator, append(bearer(idToken(t, m, "u-olga", "dcs-operators")), "X-Forwarded-Groups", "dcs-viewers")...)
	wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.tokenAs(real), "token", "/"), append(real, htmx...)...), http.StatusOK)
	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil || len(recs) != 2 || !slices.Equal(recs[1].Groups, []string{"dcs-operators"}) || recs[1].User != "u-olga" {
		t.Errorf("audit %+v, %v; want the token's groups", recs, err)
	}
}

// TestProxyAuditRemoteAddress proves the audited address is the client a
// trusted proxy forwarded (the rightmost untrusted hop, not what the client
// wrote first), and is the TCP peer when no proxy is configured or the peer
// is not one (loopback is not trusted by default).
func TestProxyAuditRemoteAddress(t *testing.T) {
	xff := []string{"X-Forwarded-For", "198.51.100.66, 203.0.113.7"}
	for _, tc := range []struct {
		name string
		e    func(t *testing.T) *env
		who  []string
		want string
	}{
		{"through trusted proxy", func(t *testing.T) *env { return newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"}) }, with(operator, xff...), "203.0.113.7"},
		{"proxy mode, no proxies for addresses", func(t *testing.T) *env {
			return newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32", noXFF: true})
		}, with(operator, xff...), "127.0.0.1"},
		{"-auth none", func(t *testing.T) *env { return newEnv(t, options{}) }, xff, "127.0.0.1"},
		{"peer is not a configured proxy", func(t *testing.T) *env {
			return newEnv(t, options{edit: func(t *testing.T, _ string, c *handlers.Config) {
				c.TrustedProxies, _ = auth.ParseCIDRs("10.0.0.0/8")
			}})
		}, xff, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e(t)
			id := e.idWith(dcs.StatusMigrating)
			wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.tokenAs(tc.who), "", "/"), append(tc.who, htmx...)...), http.StatusOK)
			recs, err := e.audit.Recent(audit.Filter{TaskID: id})
			if err != nil || len(recs) != 2 || recs[0].RemoteAddr != tc.want || recs[1].RemoteAddr != tc.want {
				t.Errorf("audit %+v, %v; want remote address %s", recs, err, tc.want)
			}
		})
	}
}

// TestProxyTokenWithoutGroupsClaim reproduces the attack where a verified
// token carries no groups claim and a forged groups header then granted
// operator: groups come only from the token, so the person has none (no
// access, nothing sent) and the log names the claim that was looked for.
func TestProxyTokenWithoutGroupsClaim(t *testing.T) {
	m := startMockIdP(t)
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32", issuer: m.Issuer()})
	forged := []string{"X-Forwarded-User", "u-olga", "X-Forwarded-Groups", "dcs-operators",
		"Authorization", "Bearer " + idToken(t, m, "u-olga")}
	r := e.get("/", forged...)
	wantStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.find("banner-error").Text(), "not in a group") {
		t.Errorf("no 'no access' page:\n%s", clipBody(r.body))
	}
	if !strings.Contains(e.logs.String(), `ID token without a \"groups\" claim`) {
		t.Errorf("the log does not name the claim looked for:\n%s", e.logs.String())
	}
	wantNoStops(t, e)
}
