package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// tokenClaims are the ID-token claims the dashboard uses besides the subject.
type tokenClaims struct {
	Email             string `json:"email"`
	PreferredUsername string `json:"preferred_username"`
	AuthorizedParty   string `json:"azp"`
}

// verifyToken checks the proxy's forwarded ID token and that it names the
// user in the header; the token's email, preferred username and groups then
// replace the headers', so forged headers beside a genuine token count for
// nothing. Groups come only from the token: a token without the groups
// claim means no groups, never the groups header's.
func (p *Proxy) verifyToken(r *http.Request, id Identity) (Identity, error) {
	authz := r.Header.Values("Authorization")
	if len(authz) != 1 {
		return Identity{}, fmt.Errorf("%w: want one Authorization: Bearer header, got %d", ErrBadToken, len(authz))
	}
	scheme, raw, _ := strings.Cut(strings.TrimSpace(authz[0]), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return Identity{}, fmt.Errorf("%w: Authorization is not a bearer token", ErrBadToken)
	}
	// go-oidc's errors name claims (issuer, audience, expiry), never the token.
	tok, err := p.verifier.Verify(r.Context(), raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	fromToken, err := identityFromToken(tok, p.groupsClaim, "")
	if err != nil {
		return Identity{}, err
	}
	if !matchesUser(id.User, fromToken) {
		return Identity{}, fmt.Errorf("%w: token is not for user %q", ErrBadToken, id.User)
	}
	if fromToken.Email != "" {
		id.Email = fromToken.Email
	}
	if fromToken.PreferredUsername != "" {
		id.PreferredUsername = fromToken.PreferredUsername
	}
	id.Groups, id.GroupsSource = fromToken.Groups, fromToken.GroupsSource
	return id, nil
}

// matchesUser: oauth2-proxy puts the subject, the email or (with some
// providers) the preferred username in X-Forwarded-User.
func matchesUser(user string, tok Identity) bool {
	return user == tok.User || (tok.Email != "" && user == tok.Email) ||
		(tok.PreferredUsername != "" && user == tok.PreferredUsername)
}

// identityFromToken reads a verified token. Groups are nil when the claim is
// absent (no groups) and non-nil, maybe empty, when it is present. A non-empty clientID also checks azp (only in
// native login, where we are the client; the proxy's token names the proxy).
func identityFromToken(tok *oidc.IDToken, groupsClaim, clientID string) (Identity, error) {
	var c tokenClaims
	if err := tok.Claims(&c); err != nil {
		return Identity{}, fmt.Errorf("%w: claims: %v", ErrBadToken, err)
	}
	// go-oidc checks that our client is in the audience; OIDC Core 3.1.3.7
	// also wants azp, when present, to be us, or the token was issued to
	// another client that merely listed us.
	if clientID != "" && c.AuthorizedParty != "" && c.AuthorizedParty != clientID {
		return Identity{}, fmt.Errorf("%w: token was issued to client %q", ErrBadToken, c.AuthorizedParty)
	}
	var err error
	id := Identity{}
	if id.User, err = cleanValue("subject", tok.Subject, maxNameLen); err != nil || id.User == "" {
		return Identity{}, fmt.Errorf("%w: subject missing or malformed", ErrBadToken)
	}
	if id.Email, err = cleanValue("email", c.Email, maxEmailLen); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if id.PreferredUsername, err = cleanValue("preferred_username", c.PreferredUsername, maxNameLen); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if id.Groups, err = groupsFromClaims(tok, groupsClaim); err != nil {
		return Identity{}, fmt.Errorf("%w: %s claim: %v", ErrBadToken, groupsClaim, err)
	}
	id.GroupsSource = fmt.Sprintf("ID token claim %q", groupsClaim)
	if id.Groups == nil {
		id.GroupsSource = fmt.Sprintf("ID token without a %q claim: no groups", groupsClaim)
	}
	return id, nil
}

// groupsFromClaims accepts a list of strings or one string (some IdPs send a
// lone group that way); anything else is refused rather than half-read.
func groupsFromClaims(tok *oidc.IDToken, claim string) ([]string, error) {
	var all map[string]json.RawMessage
	if err := tok.Claims(&all); err != nil {
		return nil, err
	}
	raw, ok := all[claim]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil, fmt.Errorf("not a list of strings")
		}
		list = []string{one}
	}
	for _, g := range list {
		// A comma inside one group would split it in two below.
		if strings.Contains(g, ",") {
			return nil, fmt.Errorf("group %q contains a comma", g)
		}
	}
	groups, err := cleanGroups(list)
	if err == nil && groups == nil {
		groups = []string{} // present but empty: still replaces header groups
	}
	return groups, err
}
