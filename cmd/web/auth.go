package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/auth"
)

// idpTimeout bounds calls to the identity provider (discovery, token exchange).
const idpTimeout = 10 * time.Second

// buildAuth returns the session keys and the identity part of the handlers'
// configuration for the chosen -auth mode.
func buildAuth(ctx context.Context, c config, hc *handlers.Config) ([]handlers.SessionKey, error) {
	secrets := c.SessionKeys
	keys, err := handlers.DeriveKeys(secrets, "dcs-dashboard session")
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 { // -auth none without keys: sessions last until restart
		keys = []handlers.SessionKey{handlers.RandomSessionKey()}
	}
	roles := auth.RoleConfig{ViewerGroups: c.ViewerGroups, OperatorGroups: c.OperatorGroups}
	idp := &http.Client{Timeout: idpTimeout}

	switch c.Auth {
	case "proxy":
		p, err := auth.NewProxy(ctx, auth.ProxyConfig{
			TrustedProxies: c.trusted, UserHeader: c.ProxyUserHeader, EmailHeader: c.ProxyEmailHeader,
			GroupsHeader: c.ProxyGroupsHeader, PreferredUsernameHeader: c.ProxyPreferredUsernameHeader,
			IDTokenIssuer: c.ProxyIDTokenIssuer, IDTokenAudience: c.ProxyIDTokenAudience, GroupsClaim: c.GroupsClaim,
		}, idp)
		if err != nil {
			return nil, err
		}
		hc.Log.Info("proxy sign-in: groups come from "+p.GroupsFrom(), "groups_claim", c.GroupsClaim)
		hc.Authenticate = handlers.AuthenticateProxy(p, roles)
		hc.TrustedProxies = c.trusted
	case "oidc":
		loginKeys, err := handlers.DeriveKeys(secrets, "dcs-dashboard login")
		if err != nil {
			return nil, err
		}
		o, err := auth.NewOIDC(ctx, auth.OIDCConfig{
			Issuer: c.OIDCIssuer, ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret,
			RedirectURL: c.OIDCRedirectURL, Scopes: c.OIDCScopes, GroupsClaim: c.GroupsClaim,
			CookieKeys: handlers.Pairs(loginKeys), SecureCookies: !c.InsecureCookies,
		}, idp)
		if err != nil {
			return nil, err
		}
		redirect, err := url.Parse(c.OIDCRedirectURL)
		if err != nil || redirect.Scheme == "" || redirect.Host == "" {
			return nil, fmt.Errorf("-oidc-redirect-url %q is not an absolute URL", c.OIDCRedirectURL)
		}
		hc.OIDC = &handlers.OIDCLogin{Provider: o, Roles: roles, Idle: c.SessionIdle, Max: c.SessionMax,
			Origin: redirect.Scheme + "://" + redirect.Host}
		hc.TrustedProxies = c.trusted
	default:
		hc.Authenticate = handlers.AuthenticateLocal()
		hc.TrustedProxies = c.trusted
	}
	return keys, nil
}
