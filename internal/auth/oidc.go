package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/securecookie"
	"golang.org/x/oauth2"
)

// OIDCConfig configures the native login: the authorization code flow with
// PKCE (S256), state and nonce, for an IdP that supports discovery.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is the dashboard's callback, registered at the IdP.
	RedirectURL string
	// Scopes default to openid, email, profile; add "groups" when the IdP
	// only sends groups for that scope. "openid" is always requested.
	Scopes []string
	// GroupsClaim holds the groups in the ID token; default "groups".
	GroupsClaim string
	// CookieKeys are securecookie hash/encrypt pairs (hash ≥ 32 bytes,
	// encrypt 16, 24 or 32) for the login-state cookie; the first pair
	// writes, every pair reads, so keys rotate by putting the new one first.
	CookieKeys [][]byte
	// SecureCookies marks the cookie Secure and names it with __Host-.
	SecureCookies bool
}

// OIDC runs logins against one IdP. It keeps no state between requests: what
// a login needs lives in a signed, encrypted cookie, so any replica serves
// the callback.
type OIDC struct {
	oauth       oauth2.Config
	verifier    *oidc.IDTokenVerifier
	client      *http.Client
	codecs      []securecookie.Codec
	secure      bool
	groupsClaim string
	endSession  string
	now         func() time.Time // tests move it
}

// NewOIDC checks cfg and discovers the issuer with httpClient (nil means a
// client with a 10-second timeout).
func NewOIDC(ctx context.Context, cfg OIDCConfig, httpClient *http.Client) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("auth oidc: issuer, client ID and redirect URL are required")
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("auth oidc: redirect URL %q must be absolute", cfg.RedirectURL)
	}
	codecs, err := newCodecs(cfg.CookieKeys)
	if err != nil {
		return nil, err
	}
	client := clientOrDefault(httpClient)
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth oidc: discovering %s: %w", cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	if len(cfg.Scopes) > 0 {
		scopes = []string{oidc.ScopeOpenID}
		for _, s := range cfg.Scopes {
			if s = strings.TrimSpace(s); s != "" && !contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = provider.Claims(&meta) // absent or malformed: no IdP logout, not a failure
	if u, err := url.Parse(meta.EndSession); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		meta.EndSession = ""
	}
	return &OIDC{
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			// AuthStyle stays auto-detect: IdPs differ on basic vs. post.
			Endpoint:    provider.Endpoint(),
			RedirectURL: cfg.RedirectURL,
			Scopes:      scopes,
		},
		verifier:    provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		client:      client,
		codecs:      codecs,
		secure:      cfg.SecureCookies,
		groupsClaim: orDefault(cfg.GroupsClaim, "groups"),
		endSession:  meta.EndSession,
		now:         time.Now,
	}, nil
}

// StartLogin sends the browser to the IdP (302) after storing a fresh state,
// nonce and PKCE verifier, and returnTo (reduced to a local path, else "/"),
// in the login cookie, valid 10 minutes.
func (o *OIDC) StartLogin(w http.ResponseWriter, r *http.Request, returnTo string) {
	st := loginState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: SafeReturnTo(returnTo),
		Expires:  o.now().Add(loginTTL).Unix(),
	}
	if err := o.saveState(w, st); err != nil {
		http.Error(w, "could not start the login", http.StatusInternalServerError)
		return
	}
	target := o.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// idpErrorCode is the shape of an OAuth error code; anything else the IdP
// (or someone crafting the callback URL) puts there is not repeated.
var idpErrorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// FinishLogin completes the callback: it checks the state against the
// cookie's, exchanges the code with the PKCE verifier, verifies the ID token
// and its nonce, and returns the identity and where to go next. The login
// cookie is cleared whatever the outcome, so a callback works at most once.
func (o *OIDC) FinishLogin(w http.ResponseWriter, r *http.Request) (Identity, string, error) {
	st, err := o.loadState(r)
	o.clearState(w)
	if err != nil {
		return Identity{}, "", err
	}
	q := r.URL.Query()
	if code := q.Get("error"); code != "" {
		if !idpErrorCode.MatchString(code) {
			code = "unrecognised error"
		}
		return Identity{}, "", fmt.Errorf("%w: %s", ErrIdP, code)
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return Identity{}, "", fmt.Errorf("%w: state does not match", ErrLoginState)
	}
	code := q.Get("code")
	if code == "" {
		return Identity{}, "", fmt.Errorf("%w: callback carries no code", ErrIdP)
	}
	ctx := oidc.ClientContext(r.Context(), o.client)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Identity{}, "", exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", fmt.Errorf("%w: token response has no ID token", ErrBadToken)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, "", fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return Identity{}, "", fmt.Errorf("%w: nonce does not match", ErrBadToken)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, "", fmt.Errorf("%w: access token hash does not match", ErrBadToken)
		}
	}
	id, err := identityFromToken(idt, o.groupsClaim, o.oauth.ClientID)
	if err != nil {
		return Identity{}, "", err
	}
	return id, st.ReturnTo, nil
}

// exchangeError keeps the status and OAuth error code only: the IdP's
// description may echo the code or other request values.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if !idpErrorCode.MatchString(code) {
			code = "no error code"
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("%w: token endpoint answered %d (%s)", ErrIdP, status, code)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%w: token request failed: %v", ErrIdP, ue.Err)
	}
	return fmt.Errorf("%w: token request failed", ErrIdP)
}

// EndSessionURL is the IdP's logout address (RP-initiated logout) with our
// client ID and postLogoutRedirect, or "" when discovery named none; the
// dashboard then only forgets its own session.
func (o *OIDC) EndSessionURL(postLogoutRedirect string) string {
	if o.endSession == "" {
		return ""
	}
	u, err := url.Parse(o.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", o.oauth.ClientID)
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
