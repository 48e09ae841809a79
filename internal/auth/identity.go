// Package auth tells who is behind a request: either from the headers of an
// authenticating reverse proxy (oauth2-proxy and the like) that sits in front
// of the dashboard, or by a native OpenID Connect login. It knows nothing of
// Echo or of the handlers; they call it and keep the result in the request's
// context.
package auth

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Identity is the person behind a request, as the proxy or the IdP vouched.
type Identity struct {
	// User is the stable identifier: the proxy's user header (oauth2-proxy
	// sends the subject or the email there), or the ID token's subject.
	User              string
	Email             string
	PreferredUsername string
	// Groups are exactly as the IdP spells them, deduplicated, in order.
	Groups []string
	// GroupsSource says where Groups came from (a header, or an ID token's
	// claim, or a token that has no such claim), for the log line that
	// explains a refusal. It is never shown as a group.
	GroupsSource string
}

// DisplayName is what a page should show: subjects are often opaque IDs, so
// a preferred username or an email reads better when there is one.
func (id Identity) DisplayName() string {
	switch {
	case id.PreferredUsername != "":
		return id.PreferredUsername
	case id.Email != "":
		return id.Email
	}
	return id.User
}

// Sentinel errors; test them with errors.Is. Messages wrapped around them
// never contain a token, a code or a cookie, so they are safe to log.
var (
	// ErrUntrustedPeer: the TCP peer is not one of the trusted proxies, so
	// whatever identity headers the request carries are not believed.
	ErrUntrustedPeer = errors.New("auth: request did not come through a trusted proxy")
	// ErrNoIdentity: a trusted proxy sent no user.
	ErrNoIdentity = errors.New("auth: no signed-in user on the request")
	// ErrInvalidIdentity: identity headers were repeated, misspelled (an
	// underscore variant), too long or held control characters. Nothing
	// is believed rather than guessing which value is the real one.
	ErrInvalidIdentity = errors.New("auth: identity headers are ambiguous or malformed")
	// ErrBadToken: an ID token was required and is missing, does not verify
	// (signature, issuer, audience, expiry, nonce) or names another user.
	ErrBadToken = errors.New("auth: ID token missing, invalid or for another user")
	// ErrLoginState: the login cookie is missing, expired or tampered with,
	// or its state does not match the callback's: the login must restart.
	ErrLoginState = errors.New("auth: login state missing, expired or not matching")
	// ErrIdP: the identity provider refused the login or the code exchange.
	ErrIdP = errors.New("auth: identity provider refused the login")
)

// Limits on what is believed. They are generous for real directories and
// keep a misbehaving proxy or IdP from filling pages and logs.
const (
	maxNameLen  = 256
	maxEmailLen = 320 // RFC 5321's path limit
	maxGroups   = 200 // Entra ID puts at most 200 groups in a token
	maxGroupLen = 256
)

// cleanValue trims spaces and tabs (as HTTP does around header values) and
// rejects what a name can never legitimately hold: control characters (a
// CR/LF could forge log lines; trimming them first would hide "alice\r\n"),
// invalid UTF-8 and excess length.
func cleanValue(what, v string, limit int) (string, error) {
	v = strings.Trim(v, " \t")
	if len(v) > limit {
		return "", fmt.Errorf("%s is longer than %d bytes", what, limit)
	}
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%s is not valid UTF-8", what)
	}
	if strings.ContainsFunc(v, invisible) {
		return "", fmt.Errorf("%s contains control or invisible format characters", what)
	}
	return v, nil
}

// invisible reports characters that have no place in a name and could make
// two different names look alike in the audit trail: controls, format
// characters (zero-width space, right-to-left override) and line or
// paragraph separators.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

// cleanGroups splits every value on commas (nginx's auth_request joins the
// groups into one header, oauth2-proxy adds one header line per group), trims
// them, drops empties and duplicates, and rejects rather than truncates when
// a limit is passed, so a silently dropped group never changes a role.
func cleanGroups(values []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, g := range strings.Split(v, ",") {
			g, err := cleanValue("group", g, maxGroupLen)
			if err != nil {
				return nil, err
			}
			if g == "" || seen[g] {
				continue
			}
			if len(out) == maxGroups {
				return nil, fmt.Errorf("more than %d groups", maxGroups)
			}
			seen[g] = true
			out = append(out, g)
		}
	}
	return out, nil
}

// ParseList splits a comma-separated list (a flag or environment value),
// trimming items and dropping empty ones and repeats.
func ParseList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item != "" && !contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
