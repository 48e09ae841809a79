package auth

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// idp is a mockoidc server on loopback plus what it saw, for assertions.
type idp struct {
	*mockoidc.MockOIDC

	mu          sync.Mutex
	tokenForms  []url.Values // token endpoint form bodies, in order
	authQueries []url.Values // authorize endpoint queries, in order
	swapNonce   bool         // authorize: replace the client's nonce
	endSession  string       // discovery: add end_session_endpoint
}

// startIdP runs mockoidc on 127.0.0.1 with fixed client credentials. The
// server is built unstarted so the key ID is computed and the middleware
// added before its goroutines exist (mockoidc fills Kid lazily, unlocked).
func startIdP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.ClientID, m.ClientSecret = "dcs-dashboard", "test-secret"
	if _, err := m.Keypair.KeyID(); err != nil {
		t.Fatal(err)
	}
	p := &idp{MockOIDC: m}
	if err := m.AddMiddleware(p.observe); err != nil {
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
	return p
}

func (p *idp) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch r.URL.Path {
		case mockoidc.TokenEndpoint:
			if err := r.ParseForm(); err == nil {
				p.tokenForms = append(p.tokenForms, r.PostForm)
			}
		case mockoidc.AuthorizationEndpoint:
			q := r.URL.Query()
			p.authQueries = append(p.authQueries, q)
			if p.swapNonce {
				q.Set("nonce", "not-the-nonce-you-sent")
				r.URL.RawQuery = q.Encode()
			}
		case mockoidc.DiscoveryEndpoint:
			if p.endSession != "" {
				p.serveDiscoveryWithLogout(w, r, next)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (p *idp) serveDiscoveryWithLogout(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	doc["end_session_endpoint"] = p.endSession
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// sign mints a token with the IdP's key; claims override sensible defaults
// (a nil value deletes the claim).
func (p *idp) sign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{
		"iss": p.Issuer(), "aud": "oauth2-proxy", "sub": "u-1001",
		"email": "alice@example.com", "preferred_username": "alice",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok, err := p.Keypair.SignJWT(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// proxyRequest is a request from peer with the given header lines, added in
// order so that repeats stay repeats.
func proxyRequest(peer string, lines ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = peer
	for i := 0; i+1 < len(lines); i += 2 {
		r.Header.Add(lines[i], lines[i+1])
	}
	return r
}

// noRedirects is a client that hands back the IdP's redirect instead of
// following it to a callback nobody serves.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func testCookieKeys() [][]byte {
	return [][]byte{bytes.Repeat([]byte("h"), 32), bytes.Repeat([]byte("e"), 32)}
}
