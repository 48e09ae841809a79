package main

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/auth"
)

// minSessionKeyLength is the shortest secret accepted for -session-keys.
const minSessionKeyLength = 32

// authConfig is how people are identified and what they may do. Like
// config, each exported field is set by one entry of the settings table.
type authConfig struct {
	Auth           string
	TrustedProxies string
	trusted        []netip.Prefix // parsed from TrustedProxies by validate

	ProxyUserHeader, ProxyEmailHeader, ProxyGroupsHeader, ProxyPreferredUsernameHeader string
	ProxyIDTokenIssuer, ProxyIDTokenAudience                                           string

	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirectURL string
	OIDCScopes                                                  []string
	GroupsClaim                                                 string

	SessionKeys []string
	SessionIdle time.Duration
	SessionMax  time.Duration

	ViewerGroups, OperatorGroups []string
}

// validate checks that the chosen -auth mode has what it needs, and parses
// the trusted proxies; listen is checked because -auth none is safe only on
// loopback.
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
	if len(a.SessionKeys) == 0 {
		return &usageError{"-auth " + a.Auth + " needs -session-keys (or DASHBOARD_SESSION_KEYS): one or more secrets of 32+ characters, shared by every replica"}
	}
	for i, k := range a.SessionKeys {
		if len(k) < minSessionKeyLength {
			return &usageError{fmt.Sprintf("-session-keys: key %d has %d characters; use at least %d random ones", i+1, len(k), minSessionKeyLength)}
		}
	}
	return nil
}
