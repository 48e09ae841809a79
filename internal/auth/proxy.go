package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// ProxyConfig configures proxy mode: an authenticating reverse proxy such as
// oauth2-proxy signs people in and passes who they are in request headers.
type ProxyConfig struct {
	// TrustedProxies are the networks the proxy connects from. Required:
	// there is no default, since trusting every peer would let anyone who
	// reaches the port send a header and become anyone.
	TrustedProxies []netip.Prefix
	// Header names; the defaults are oauth2-proxy's: X-Forwarded-User,
	// X-Forwarded-Email, X-Forwarded-Groups, X-Forwarded-Preferred-Username.
	UserHeader, EmailHeader, GroupsHeader, PreferredUsernameHeader string
	// IDTokenIssuer, when set, makes the proxy's forwarded ID token
	// (Authorization: Bearer, oauth2-proxy's --pass-authorization-header)
	// required and verified for IDTokenAudience (the proxy's client ID), so
	// a forged header from a host inside TrustedProxies is not enough.
	IDTokenIssuer, IDTokenAudience string
	// GroupsClaim holds the groups in the ID token; default "groups".
	GroupsClaim string
}

// Proxy reads identities set by a trusted authenticating proxy.
type Proxy struct {
	trusted     []netip.Prefix
	headers     [4]string // user, email, groups, preferred username; canonical
	verifier    *oidc.IDTokenVerifier
	groupsClaim string
}

// NewProxy checks cfg and, when an ID-token issuer is set, discovers it with
// httpClient (nil means a client with a 10-second timeout). Discovery runs
// once, here, so a wrong issuer stops the process at start-up.
func NewProxy(ctx context.Context, cfg ProxyConfig, httpClient *http.Client) (*Proxy, error) {
	if len(cfg.TrustedProxies) == 0 {
		return nil, errors.New("auth proxy: trusted proxies are required")
	}
	p := &Proxy{groupsClaim: orDefault(cfg.GroupsClaim, "groups")}
	for _, pr := range cfg.TrustedProxies {
		n, err := normalizePrefix(pr)
		if err != nil {
			return nil, fmt.Errorf("auth proxy: trusted proxy %v: %w", pr, err)
		}
		if n.Bits() == 0 {
			return nil, fmt.Errorf("auth proxy: trusted proxy %v would trust every address", pr)
		}
		p.trusted = append(p.trusted, n)
	}
	names := [4]string{
		orDefault(cfg.UserHeader, "X-Forwarded-User"),
		orDefault(cfg.EmailHeader, "X-Forwarded-Email"),
		orDefault(cfg.GroupsHeader, "X-Forwarded-Groups"),
		orDefault(cfg.PreferredUsernameHeader, "X-Forwarded-Preferred-Username"),
	}
	for i, n := range names {
		if !validHeaderName(n) {
			return nil, fmt.Errorf("auth proxy: header name %q: use letters, digits and '-'", n)
		}
		n = http.CanonicalHeaderKey(n)
		if n == "Authorization" || contains(p.headers[:i], n) {
			return nil, fmt.Errorf("auth proxy: header %q named twice or reserved", n)
		}
		p.headers[i] = n
	}
	switch {
	case cfg.IDTokenIssuer == "" && cfg.IDTokenAudience != "":
		return nil, errors.New("auth proxy: an ID-token audience needs an ID-token issuer")
	case cfg.IDTokenIssuer != "" && cfg.IDTokenAudience == "":
		return nil, errors.New("auth proxy: an ID-token issuer needs an audience (the proxy's client ID)")
	case cfg.IDTokenIssuer != "":
		provider, err := oidc.NewProvider(oidc.ClientContext(ctx, clientOrDefault(httpClient)), cfg.IDTokenIssuer)
		if err != nil {
			return nil, fmt.Errorf("auth proxy: discovering %s: %w", cfg.IDTokenIssuer, err)
		}
		p.verifier = provider.Verifier(&oidc.Config{ClientID: cfg.IDTokenAudience})
	}
	return p, nil
}

// Identify returns the identity the proxy vouches for. The TCP peer
// (r.RemoteAddr) decides whether the headers are believed at all, never
// X-Forwarded-For or X-Real-IP, which any client can write.
func (p *Proxy) Identify(r *http.Request) (Identity, error) {
	peer, ok := peerAddr(r.RemoteAddr)
	if !ok || !p.isTrusted(peer) {
		return Identity{}, ErrUntrustedPeer
	}
	if err := p.checkSpellings(r.Header); err != nil {
		return Identity{}, err
	}
	user, err := single(r.Header, p.headers[0], maxNameLen)
	if err != nil {
		return Identity{}, err
	}
	if user == "" {
		return Identity{}, ErrNoIdentity
	}
	id := Identity{User: user}
	if id.Email, err = single(r.Header, p.headers[1], maxEmailLen); err != nil {
		return Identity{}, err
	}
	if id.PreferredUsername, err = single(r.Header, p.headers[3], maxNameLen); err != nil {
		return Identity{}, err
	}
	// Several group lines are not ambiguous: oauth2-proxy adds one per group.
	if p.verifier != nil {
		// The groups header is not read at all: the verified token alone
		// says which groups the person is in.
		return p.verifyToken(r, id)
	}
	if id.Groups, err = cleanGroups(r.Header.Values(p.headers[2])); err != nil {
		return Identity{}, fmt.Errorf("%w: %s: %v", ErrInvalidIdentity, p.headers[2], err)
	}
	id.GroupsSource = "header " + p.headers[2]
	return id, nil
}

// GroupsFrom says where this proxy configuration takes people's groups
// from, for the start-up log: the verified ID token's claim, or a header.
func (p *Proxy) GroupsFrom() string {
	if p.verifier != nil {
		return fmt.Sprintf("the verified ID token's %q claim only (the %s header is ignored; no claim means no groups)",
			p.groupsClaim, p.headers[2])
	}
	return "the " + p.headers[2] + " header"
}

func (p *Proxy) isTrusted(a netip.Addr) bool {
	for _, pr := range p.trusted {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// checkSpellings refuses a request carrying, say, X_Forwarded_User or a
// non-canonical key next to our headers. Some proxies and CGI-style servers
// map '_' to '-', so a client's variant could pass a proxy that strips only
// the canonical name and then be read as ours by something downstream;
// refusing it outright means no spelling is ever believed.
func (p *Proxy) checkSpellings(h http.Header) error {
	for key := range h {
		folded := strings.ReplaceAll(key, "_", "-")
		for _, name := range p.headers {
			if key != name && strings.EqualFold(folded, name) {
				return fmt.Errorf("%w: header %q imitates %s", ErrInvalidIdentity, key, name)
			}
		}
	}
	return nil
}

// single returns the one value of an identity header. Repeats are refused,
// never resolved by picking one: a proxy that appends instead of replacing
// would otherwise let the client's value win. A comma means the same thing
// (an appending proxy joining two values), as no user name or email has one.
func single(h http.Header, name string, limit int) (string, error) {
	vals := h.Values(name)
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("%w: header %s sent %d times", ErrInvalidIdentity, name, len(vals))
	}
	if strings.Contains(vals[0], ",") {
		return "", fmt.Errorf("%w: header %s holds several values", ErrInvalidIdentity, name)
	}
	v, err := cleanValue(name, vals[0], limit)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidIdentity, err)
	}
	return v, nil
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func validHeaderName(n string) bool {
	if n == "" {
		return false
	}
	for _, c := range n {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// clientOrDefault avoids http.DefaultClient, which has no timeout: a hung
// IdP must not hang start-up or a login forever.
func clientOrDefault(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 10 * time.Second}
}
