package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// tokenProxy is a Proxy that requires oauth2-proxy's ID token, for audience
// "oauth2-proxy", from the mock IdP.
func tokenProxy(t *testing.T, m *idp) *Proxy {
	t.Helper()
	p, err := NewProxy(context.Background(), ProxyConfig{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		IDTokenIssuer:  m.Issuer(), IDTokenAudience: "oauth2-proxy",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestProxyTokenVerified(t *testing.T) {
	m := startIdP(t)
	p := tokenProxy(t, m)
	tok := m.sign(t, jwt.MapClaims{"groups": []string{"dcs-viewers", "sre"}})
	// oauth2-proxy may put the subject, the email or the username in the user header.
	for _, user := range []string{"u-1001", "alice@example.com", "alice"} {
		r := proxyRequest("127.0.0.1:1", append(bearer(tok), "X-Forwarded-User", user,
			"X-Forwarded-Email", "forged@example.com", "X-Forwarded-Groups", "dcs-operators")...)
		id, err := p.Identify(r)
		if err != nil {
			t.Fatalf("user %q: %v", user, err)
		}
		// The token's claims win over forged headers.
		if id.User != user || id.Email != "alice@example.com" || id.PreferredUsername != "alice" ||
			!slices.Equal(id.Groups, []string{"dcs-viewers", "sre"}) {
			t.Errorf("user %q: got %+v", user, id)
		}
	}
	// Lower-case scheme is still a bearer token (RFC 9110: case-insensitive).
	r := proxyRequest("127.0.0.1:1", "Authorization", "bearer "+tok, "X-Forwarded-User", "alice")
	if _, err := p.Identify(r); err != nil {
		t.Errorf("lower-case bearer: %v", err)
	}
}

func TestProxyTokenGroupsClaimShapes(t *testing.T) {
	m := startIdP(t)
	p := tokenProxy(t, m)
	for _, tc := range []struct {
		name   string
		claim  any // nil: no groups claim
		header string
		want   []string
		bad    bool
	}{
		{"absent: no groups, the header ignored", nil, "dcs-operators", nil, false},
		{"empty list replaces forged header", []string{}, "dcs-operators", []string{}, false},
		{"single string", "dcs-viewers", "dcs-operators", []string{"dcs-viewers"}, false},
		{"numbers refused", []int{1, 2}, "", nil, true},
		{"object refused", map[string]string{"a": "b"}, "", nil, true},
		{"control character refused", []string{"ops\n"}, "", nil, true},
		{"comma refused", []string{"a,dcs-operators"}, "", nil, true},
	} {
		lines := append(bearer(m.sign(t, jwt.MapClaims{"groups": tc.claim})), "X-Forwarded-User", "alice")
		if tc.header != "" {
			lines = append(lines, "X-Forwarded-Groups", tc.header)
		}
		id, err := p.Identify(proxyRequest("127.0.0.1:1", lines...))
		switch {
		case tc.bad && !errors.Is(err, ErrBadToken):
			t.Errorf("%s: got %+v, %v; want ErrBadToken", tc.name, id, err)
		case !tc.bad && (err != nil || !slices.Equal(id.Groups, tc.want)):
			t.Errorf("%s: got %q, %v; want %q", tc.name, id.Groups, err, tc.want)
		}
	}
}

func TestProxyTokenRejected(t *testing.T) {
	m := startIdP(t)
	other := startIdP(t) // mockoidc's default key is shared: only the issuer differs
	p := tokenProxy(t, m)
	stranger, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	good := m.sign(t, nil)
	past := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name, why string // why: what the error must say, so it failed for that reason
		lines     []string
	}{
		{"no token", "got 0", []string{"X-Forwarded-User", "alice", "X-Forwarded-Groups", "dcs-operators"}},
		{"token for another user", "not for user", append(bearer(m.sign(t, jwt.MapClaims{"sub": "u-2002",
			"email": "bob@example.com", "preferred_username": "bob"})), "X-Forwarded-User", "alice")},
		{"another user's token, forged groups", "not for user", append(bearer(good), "X-Forwarded-User", "mallory",
			"X-Forwarded-Groups", "dcs-operators")},
		{"token without email or username for user alice", "not for user", append(bearer(m.sign(t, jwt.MapClaims{
			"email": nil, "preferred_username": nil})), "X-Forwarded-User", "alice")},
		{"case differs", "not for user", append(bearer(good), "X-Forwarded-User", "Alice")},
		{"another audience", "expected audience", append(bearer(m.sign(t, jwt.MapClaims{"aud": "grafana"})), "X-Forwarded-User", "alice")},
		{"expired", "expired", append(bearer(m.sign(t, jwt.MapClaims{"iat": past.Unix(), "nbf": past.Unix(),
			"exp": past.Add(10 * time.Minute).Unix()})), "X-Forwarded-User", "alice")},
		{"not yet valid", "nbf", append(bearer(m.sign(t, jwt.MapClaims{"nbf": time.Now().Add(time.Hour).Unix(),
			"exp": time.Now().Add(2 * time.Hour).Unix()})), "X-Forwarded-User", "alice")},
		{"another issuer, same key", "different provider", append(bearer(other.sign(t, nil)), "X-Forwarded-User", "alice")},
		{"another key", "signature", append(bearer(signWith(t, stranger, m.Issuer())), "X-Forwarded-User", "alice")},
		{"unsigned (alg none)", "signature algorithm", append(bearer(unsigned(m.Issuer())), "X-Forwarded-User", "alice")},
		{"tampered payload", "signature", append(bearer(tamper(good)), "X-Forwarded-User", "alice")},
		{"garbage", "malformed", append(bearer("not.a.jwt"), "X-Forwarded-User", "alice")},
		{"basic auth", "not a bearer", []string{"Authorization", "Basic YWxpY2U6eA==", "X-Forwarded-User", "alice"}},
		{"bearer without token", "not a bearer", []string{"Authorization", "Bearer ", "X-Forwarded-User", "alice"}},
		{"two tokens", "got 2", append(append(bearer(good), bearer(good)...), "X-Forwarded-User", "alice")},
		{"control character in email claim", "control or invisible format characters", append(bearer(m.sign(t, jwt.MapClaims{"email": "a@x\r\n"})),
			"X-Forwarded-User", "alice")},
	} {
		id, err := p.Identify(proxyRequest("127.0.0.1:1", tc.lines...))
		if !errors.Is(err, ErrBadToken) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: got %+v, %v; want ErrBadToken (%s)", tc.name, id, err, tc.why)
		}
		if err != nil && strings.Contains(err.Error(), good[:20]) {
			t.Errorf("%s: error repeats the token: %v", tc.name, err)
		}
	}
	// A valid token never rescues an untrusted peer or ambiguous headers.
	if _, err := p.Identify(proxyRequest("192.0.2.1:1", append(bearer(good), "X-Forwarded-User", "alice")...)); !errors.Is(err, ErrUntrustedPeer) {
		t.Errorf("untrusted peer with a valid token: %v", err)
	}
	r := proxyRequest("127.0.0.1:1", append(bearer(good), "X-Forwarded-User", "alice")...)
	r.Header["X_Forwarded_User"] = []string{"root"}
	if _, err := p.Identify(r); !errors.Is(err, ErrInvalidIdentity) {
		t.Errorf("underscore variant with a valid token: %v", err)
	}
}

func signWith(t *testing.T, kp *mockoidc.Keypair, issuer string) string {
	t.Helper()
	now := time.Now()
	tok, err := kp.SignJWT(jwt.MapClaims{"iss": issuer, "aud": "oauth2-proxy", "sub": "u-1001",
		"email": "alice@example.com", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func unsigned(issuer string) string {
	enc := base64.RawURLEncoding.EncodeToString
	exp := time.Now().Add(time.Minute).Unix()
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(`{"iss":"`+issuer+
		`","aud":"oauth2-proxy","sub":"u-1001","email":"alice@example.com","exp":`+
		strconv.FormatInt(exp, 10)+`}`)) + "."
}

// tamper swaps the payload for one naming an operator group, keeping the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"sub":"u-1001"`, `"sub":"u-1001","groups":["dcs-operators"]`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}
