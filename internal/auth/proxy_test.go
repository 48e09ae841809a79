package auth

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func newTestProxy(t *testing.T, cidrs string) *Proxy {
	t.Helper()
	trusted, err := ParseCIDRs(cidrs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProxy(context.Background(), ProxyConfig{TrustedProxies: trusted}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProxyTrustedPeers(t *testing.T) {
	p := newTestProxy(t, "127.0.0.1/32, 10.20.0.0/16, ::1/128, fd00:1::/64")
	for _, tc := range []struct {
		peer    string
		trusted bool
	}{
		{"127.0.0.1:40000", true},
		{"10.20.3.4:40000", true},
		{"[::1]:40000", true},
		{"[fd00:1::42]:40000", true},
		{"[::ffff:127.0.0.1]:40000", true}, // IPv4-mapped, from a dual-stack listener
		{"[::ffff:10.20.9.9]:40000", true},
		{"127.0.0.2:40000", false},
		{"10.21.0.1:40000", false},
		{"[::2]:40000", false},
		{"[fd00:2::1]:40000", false},
		{"[::ffff:10.21.0.1]:40000", false},
		{"[::7f00:1]:40000", false}, // IPv4-compatible ::127.0.0.1 is not 127.0.0.1
		{"@", false},
		{"", false},
	} {
		id, err := p.Identify(proxyRequest(tc.peer, "X-Forwarded-User", "alice"))
		if tc.trusted && (err != nil || id.User != "alice") {
			t.Errorf("peer %q: got %+v, %v; want alice", tc.peer, id, err)
		}
		if !tc.trusted && !errors.Is(err, ErrUntrustedPeer) {
			t.Errorf("peer %q: got %+v, %v; want ErrUntrustedPeer", tc.peer, id, err)
		}
	}
}

func TestProxyIgnoresForwardedForSpoofing(t *testing.T) {
	p := newTestProxy(t, "10.0.0.0/8")
	// The client claims to be, or to come through, the proxy; only the TCP
	// peer counts, and it is the client itself.
	r := proxyRequest("203.0.113.9:5000", "X-Forwarded-User", "admin",
		"X-Forwarded-For", "10.0.0.1", "X-Real-Ip", "10.0.0.1", "Forwarded", "for=10.0.0.1")
	if _, err := p.Identify(r); !errors.Is(err, ErrUntrustedPeer) {
		t.Errorf("spoofed X-Forwarded-For believed: %v", err)
	}
	// Through the proxy, a client-written X-Forwarded-For changes nothing.
	r = proxyRequest("10.0.0.1:5000", "X-Forwarded-User", "alice", "X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	if id, err := p.Identify(r); err != nil || id.User != "alice" {
		t.Errorf("got %+v, %v", id, err)
	}
}

func TestProxyFullIdentity(t *testing.T) {
	p := newTestProxy(t, "127.0.0.1")
	r := proxyRequest("127.0.0.1:1", "X-Forwarded-User", " u-1001 ", "X-Forwarded-Email", "alice@example.com",
		"X-Forwarded-Preferred-Username", "alice", "X-Forwarded-Groups", "dcs-viewers, sre,,dcs-viewers",
		"X-Forwarded-Groups", "dcs-operators") // oauth2-proxy adds one line per group
	id, err := p.Identify(r)
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{User: "u-1001", Email: "alice@example.com", PreferredUsername: "alice",
		Groups: []string{"dcs-viewers", "sre", "dcs-operators"}}
	if id.User != want.User || id.Email != want.Email || id.PreferredUsername != want.PreferredUsername ||
		!slices.Equal(id.Groups, want.Groups) {
		t.Errorf("got %+v, want %+v", id, want)
	}
}

func TestProxyEmptyIdentity(t *testing.T) {
	p := newTestProxy(t, "127.0.0.1")
	for _, lines := range [][]string{
		nil,
		{"X-Forwarded-User", ""},
		{"X-Forwarded-User", "  \t "},
		{"X-Forwarded-Email", "alice@example.com", "X-Forwarded-Groups", "dcs-operators"},
	} {
		if id, err := p.Identify(proxyRequest("127.0.0.1:1", lines...)); !errors.Is(err, ErrNoIdentity) {
			t.Errorf("%q: got %+v, %v; want ErrNoIdentity", lines, id, err)
		}
	}
}

func TestProxyAmbiguousHeaders(t *testing.T) {
	p := newTestProxy(t, "127.0.0.1")
	for _, tc := range []struct {
		name  string
		lines []string
		raw   map[string][]string // keys set verbatim, bypassing canonicalisation
	}{
		{name: "user twice", lines: []string{"X-Forwarded-User", "admin", "X-Forwarded-User", "alice"}},
		{name: "user twice, same value", lines: []string{"X-Forwarded-User", "alice", "X-Forwarded-User", "alice"}},
		{name: "email twice", lines: []string{"X-Forwarded-User", "alice", "X-Forwarded-Email", "a@x", "X-Forwarded-Email", "b@x"}},
		{name: "preferred username twice", lines: []string{"X-Forwarded-User", "alice",
			"X-Forwarded-Preferred-Username", "a", "X-Forwarded-Preferred-Username", "b"}},
		{name: "user joined by an appending proxy", lines: []string{"X-Forwarded-User", "admin, alice"}},
		{name: "underscore user", lines: []string{"X-Forwarded-User", "alice"},
			raw: map[string][]string{"X_Forwarded_User": {"admin"}}},
		{name: "underscore user as Go's server stores it", lines: []string{"X-Forwarded-User", "alice"},
			raw: map[string][]string{"X_forwarded_user": {"admin"}}},
		{name: "underscore user alone", raw: map[string][]string{"X_Forwarded_User": {"admin"}}},
		{name: "mixed underscore groups", lines: []string{"X-Forwarded-User", "alice"},
			raw: map[string][]string{"X-Forwarded_Groups": {"dcs-operators"}}},
		{name: "underscore email", lines: []string{"X-Forwarded-User", "alice"},
			raw: map[string][]string{"x_forwarded_email": {"admin@x"}}},
		{name: "underscore preferred username", lines: []string{"X-Forwarded-User", "alice"},
			raw: map[string][]string{"X_FORWARDED_PREFERRED_USERNAME": {"root"}}},
		{name: "non-canonical key", lines: []string{"X-Forwarded-User", "alice"},
			raw: map[string][]string{"x-forwarded-groups": {"dcs-operators"}}},
	} {
		r := proxyRequest("127.0.0.1:1", tc.lines...)
		for k, v := range tc.raw {
			r.Header[k] = v
		}
		if id, err := p.Identify(r); !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("%s: got %+v, %v; want ErrInvalidIdentity", tc.name, id, err)
		}
	}
	// Unrelated headers with underscores are fine.
	r := proxyRequest("127.0.0.1:1", "X-Forwarded-User", "alice")
	r.Header["X_Request_Id"] = []string{"1"}
	if _, err := p.Identify(r); err != nil {
		t.Errorf("unrelated underscore header refused: %v", err)
	}
}

func TestProxyMalformedValues(t *testing.T) {
	p := newTestProxy(t, "127.0.0.1")
	long := strings.Repeat("a", maxNameLen+1)
	for _, lines := range [][]string{
		{"X-Forwarded-User", "alice\r\nX-Forwarded-Groups: dcs-operators"},
		{"X-Forwarded-User", "alice\x00admin"},
		{"X-Forwarded-User", "al\tice"},
		{"X-Forwarded-User", "alice\u0085"}, // C1 control (NEL)
		{"X-Forwarded-User", "\xc3\x28"},    // invalid UTF-8
		{"X-Forwarded-User", long},
		{"X-Forwarded-User", "alice", "X-Forwarded-Email", strings.Repeat("e", maxEmailLen) + "@x"},
		{"X-Forwarded-User", "alice", "X-Forwarded-Email", "a@x\x1b[31m"},
		{"X-Forwarded-User", "alice", "X-Forwarded-Preferred-Username", "ali\x07ce"},
		{"X-Forwarded-User", "alice", "X-Forwarded-Groups", "dcs-viewers,ops\x00"},
		{"X-Forwarded-User", "alice", "X-Forwarded-Groups", strings.Repeat("g", maxGroupLen+1)},
	} {
		if id, err := p.Identify(proxyRequest("127.0.0.1:1", lines...)); !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("%q: got %+v, %v; want ErrInvalidIdentity", lines, id, err)
		}
	}
	if id, err := p.Identify(proxyRequest("127.0.0.1:1", "X-Forwarded-User", "Zoë Müller")); err != nil || id.User != "Zoë Müller" {
		t.Errorf("UTF-8 name: %+v, %v", id, err)
	}
}

func TestProxyForgedGroupsWithoutToken(t *testing.T) {
	// Without ID-token verification, groups are whatever the trusted proxy
	// sends; they are believed only from the proxy's address.
	p := newTestProxy(t, "127.0.0.1")
	r := proxyRequest("192.0.2.1:1", "X-Forwarded-User", "mallory", "X-Forwarded-Groups", "dcs-operators")
	if _, err := p.Identify(r); !errors.Is(err, ErrUntrustedPeer) {
		t.Errorf("forged groups from an untrusted peer: %v", err)
	}
	id, err := p.Identify(proxyRequest("127.0.0.1:1", "X-Forwarded-User", "alice", "X-Forwarded-Groups", "dcs-operators"))
	if err != nil || !slices.Equal(id.Groups, []string{"dcs-operators"}) {
		t.Errorf("groups from the trusted proxy: %+v, %v", id, err)
	}
}

func TestProxyCustomHeaders(t *testing.T) {
	p, err := NewProxy(context.Background(), ProxyConfig{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		UserHeader:     "x-auth-request-user", GroupsHeader: "X-Auth-Request-Groups",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Identify(proxyRequest("127.0.0.1:1", "X-Auth-Request-User", "alice",
		"X-Auth-Request-Groups", "sre", "X-Forwarded-User", "ignored"))
	if err != nil || id.User != "alice" || !slices.Equal(id.Groups, []string{"sre"}) {
		t.Errorf("got %+v, %v", id, err)
	}
	r := proxyRequest("127.0.0.1:1", "X-Auth-Request-User", "alice")
	r.Header["X_Auth_Request_User"] = []string{"admin"}
	if _, err := p.Identify(r); !errors.Is(err, ErrInvalidIdentity) {
		t.Errorf("variant of a custom header: %v", err)
	}
}

func TestNewProxyErrors(t *testing.T) {
	local := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	for _, tc := range []struct {
		name string
		cfg  ProxyConfig
		want string
	}{
		{"no trusted proxies", ProxyConfig{}, "trusted proxies are required"},
		{"trust everyone v4", ProxyConfig{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "every address"},
		{"trust everyone v6", ProxyConfig{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("::/0")}}, "every address"},
		{"zero prefix", ProxyConfig{TrustedProxies: []netip.Prefix{{}}}, "invalid network"},
		{"bad header", ProxyConfig{TrustedProxies: local, UserHeader: "X Forwarded User"}, "header name"},
		{"underscore header", ProxyConfig{TrustedProxies: local, UserHeader: "X_User"}, "header name"},
		{"same header twice", ProxyConfig{TrustedProxies: local, EmailHeader: "x-forwarded-user"}, "named twice"},
		{"authorization", ProxyConfig{TrustedProxies: local, UserHeader: "authorization"}, "reserved"},
		{"audience without issuer", ProxyConfig{TrustedProxies: local, IDTokenAudience: "x"}, "needs an ID-token issuer"},
		{"issuer without audience", ProxyConfig{TrustedProxies: local, IDTokenIssuer: "http://127.0.0.1:1"}, "needs an audience"},
	} {
		if _, err := NewProxy(context.Background(), tc.cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestNewProxyDiscoveryFailure(t *testing.T) {
	m := startIdP(t)
	_, err := NewProxy(context.Background(), ProxyConfig{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		IDTokenIssuer:  m.Issuer() + "/wrong", IDTokenAudience: "oauth2-proxy",
	}, &http.Client{})
	if err == nil || !strings.Contains(err.Error(), "discovering") {
		t.Errorf("wrong issuer: %v", err)
	}
}
