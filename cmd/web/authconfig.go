package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/auth"
)

// minSessionKeyLength is the shortest secret accepted for -session-keys.
const minSessionKeyLength = 32

// authConfig is how people are identified and what they may do.
type authConfig struct {
	Auth           string
	TrustedProxies string
	trusted        []netip.Prefix

	ProxyUserHeader, ProxyEmailHeader, ProxyGroupsHeader, ProxyPreferredUsernameHeader string
	ProxyIDTokenIssuer, ProxyIDTokenAudience                                           string

	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirectURL, OIDCScopes string
	GroupsClaim                                                             string

	SessionKeys string
	SessionIdle time.Duration
	SessionMax  time.Duration

	ViewerGroups, OperatorGroups string
}

func (a *authConfig) addFlags(fs *flag.FlagSet, env *envReader) {
	fs.StringVar(&a.Auth, "auth", env.str("DASHBOARD_AUTH", "none"),
		"how people are identified: none (one local operator; loopback listen address only), proxy (headers of an authenticating reverse proxy such as oauth2-proxy), oidc (native OpenID Connect sign-in) (env DASHBOARD_AUTH)")
	fs.StringVar(&a.TrustedProxies, "trusted-proxies", env.str("DASHBOARD_TRUSTED_PROXIES", ""),
		"comma-separated CIDRs of the reverse proxies in front of the dashboard: only their identity headers (proxy mode, where this is required) and X-Forwarded-For are believed; no default (env DASHBOARD_TRUSTED_PROXIES)")
	fs.StringVar(&a.ProxyUserHeader, "proxy-user-header", env.str("DASHBOARD_PROXY_USER_HEADER", "X-Forwarded-User"),
		"proxy mode: header naming the user (env DASHBOARD_PROXY_USER_HEADER)")
	fs.StringVar(&a.ProxyEmailHeader, "proxy-email-header", env.str("DASHBOARD_PROXY_EMAIL_HEADER", "X-Forwarded-Email"),
		"proxy mode: header with the user's email (env DASHBOARD_PROXY_EMAIL_HEADER)")
	fs.StringVar(&a.ProxyGroupsHeader, "proxy-groups-header", env.str("DASHBOARD_PROXY_GROUPS_HEADER", "X-Forwarded-Groups"),
		"proxy mode: header with the user's groups, comma-separated (env DASHBOARD_PROXY_GROUPS_HEADER)")
	fs.StringVar(&a.ProxyPreferredUsernameHeader, "proxy-preferred-username-header",
		env.str("DASHBOARD_PROXY_PREFERRED_USERNAME_HEADER", "X-Forwarded-Preferred-Username"),
		"proxy mode: header with the user's preferred username (env DASHBOARD_PROXY_PREFERRED_USERNAME_HEADER)")
	fs.StringVar(&a.ProxyIDTokenIssuer, "proxy-id-token-issuer", env.str("DASHBOARD_PROXY_ID_TOKEN_ISSUER", ""),
		"proxy mode, optional: verify the bearer ID token the proxy forwards against this OIDC issuer (env DASHBOARD_PROXY_ID_TOKEN_ISSUER)")
	fs.StringVar(&a.ProxyIDTokenAudience, "proxy-id-token-audience", env.str("DASHBOARD_PROXY_ID_TOKEN_AUDIENCE", ""),
		"proxy mode: the audience (client id) that forwarded ID token must carry (env DASHBOARD_PROXY_ID_TOKEN_AUDIENCE)")
	fs.StringVar(&a.OIDCIssuer, "oidc-issuer", env.str("DASHBOARD_OIDC_ISSUER", ""),
		"oidc mode: the identity provider's issuer URL (env DASHBOARD_OIDC_ISSUER)")
	fs.StringVar(&a.OIDCClientID, "oidc-client-id", env.str("DASHBOARD_OIDC_CLIENT_ID", ""),
		"oidc mode: client id registered with the identity provider (env DASHBOARD_OIDC_CLIENT_ID)")
	fs.StringVar(&a.OIDCClientSecret, "oidc-client-secret", env.str("DASHBOARD_OIDC_CLIENT_SECRET", ""),
		"oidc mode: client secret; prefer the environment variable so it stays out of process listings (env DASHBOARD_OIDC_CLIENT_SECRET)")
	fs.StringVar(&a.OIDCRedirectURL, "oidc-redirect-url", env.str("DASHBOARD_OIDC_REDIRECT_URL", ""),
		"oidc mode: this dashboard's callback URL as the browser sees it, ending in /auth/callback (env DASHBOARD_OIDC_REDIRECT_URL)")
	fs.StringVar(&a.OIDCScopes, "oidc-scopes", env.str("DASHBOARD_OIDC_SCOPES", "openid,email,profile"),
		"oidc mode: scopes to request, comma-separated; add groups if your provider needs it for the groups claim (env DASHBOARD_OIDC_SCOPES)")
	fs.StringVar(&a.GroupsClaim, "groups-claim", env.str("DASHBOARD_GROUPS_CLAIM", "groups"),
		"ID-token claim holding the user's groups (oidc mode, and proxy mode with a verified token) (env DASHBOARD_GROUPS_CLAIM)")
	fs.StringVar(&a.SessionKeys, "session-keys", env.str("DASHBOARD_SESSION_KEYS", ""),
		"comma-separated secrets (32+ characters each) for the session cookie: the first signs, all verify, so keys rotate by putting a new one first; required unless -auth none (env DASHBOARD_SESSION_KEYS)")
	fs.DurationVar(&a.SessionIdle, "session-idle", env.duration("DASHBOARD_SESSION_IDLE", time.Hour),
		"oidc mode: sign out after this long without a request (env DASHBOARD_SESSION_IDLE)")
	fs.DurationVar(&a.SessionMax, "session-max", env.duration("DASHBOARD_SESSION_MAX", 12*time.Hour),
		"oidc mode: sign out this long after signing in (env DASHBOARD_SESSION_MAX)")
	fs.StringVar(&a.ViewerGroups, "viewer-groups", env.str("DASHBOARD_VIEWER_GROUPS", ""),
		"comma-separated groups allowed to view; empty means every signed-in user (env DASHBOARD_VIEWER_GROUPS)")
	fs.StringVar(&a.OperatorGroups, "operator-groups", env.str("DASHBOARD_OPERATOR_GROUPS", ""),
		"comma-separated groups allowed to stop tasks; empty means nobody, except with -auth none (env DASHBOARD_OPERATOR_GROUPS)")
}

func (a *authConfig) validate(listen string) error {
	// Trusted proxies also decide which client address the audit trail
	// records, so they are read in every mode; proxy mode requires them.
	if strings.TrimSpace(a.TrustedProxies) != "" {
		var err error
		if a.trusted, err = auth.ParseCIDRs(a.TrustedProxies); err != nil {
			return &usageError{"-trusted-proxies: " + err.Error()}
		}
	}
	switch a.Auth {
	case "none":
		if !loopback(listen) {
			return &usageError{fmt.Sprintf("-auth none lets anyone who reaches the dashboard stop tasks, so it is allowed only on a loopback address; %q is not one", listen)}
		}
		return nil
	case "proxy":
		if len(a.trusted) == 0 {
			return &usageError{"-auth proxy needs -trusted-proxies: the CIDRs of the proxy, e.g. 127.0.0.1/32"}
		}
		if (a.ProxyIDTokenIssuer == "") != (a.ProxyIDTokenAudience == "") {
			return &usageError{"-proxy-id-token-issuer and -proxy-id-token-audience go together"}
		}
	case "oidc":
		for flagName, v := range map[string]string{"-oidc-issuer": a.OIDCIssuer, "-oidc-client-id": a.OIDCClientID,
			"-oidc-client-secret": a.OIDCClientSecret, "-oidc-redirect-url": a.OIDCRedirectURL} {
			if v == "" {
				return &usageError{"-auth oidc needs " + flagName}
			}
		}
		if a.SessionIdle <= 0 || a.SessionMax <= 0 {
			return &usageError{"-session-idle and -session-max must be positive durations"}
		}
	default:
		return &usageError{fmt.Sprintf("-auth %q is not supported; use none, proxy or oidc", a.Auth)}
	}
	keys := auth.ParseList(a.SessionKeys)
	if len(keys) == 0 {
		return &usageError{"-auth " + a.Auth + " needs -session-keys (or DASHBOARD_SESSION_KEYS): one or more secrets of 32+ characters, shared by every replica"}
	}
	for i, k := range keys {
		if len(k) < minSessionKeyLength {
			return &usageError{fmt.Sprintf("-session-keys: key %d has %d characters; use at least %d random ones", i+1, len(k), minSessionKeyLength)}
		}
	}
	return nil
}
