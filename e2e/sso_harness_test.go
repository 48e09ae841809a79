//go:build e2e

package e2e

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

const (
	oidcClientID     = "dcs-dashboard"
	oidcClientSecret = "e2e-client-secret"
	sessionKey       = "e2e-session-key-0123456789abcdef0123456789"
	operatorGroup    = "dcs-operators"
	viewerGroup      = "dcs-viewers"
)

// startIdP runs an OpenID Connect provider in this process, on loopback.
func startIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.ClientID, m.ClientSecret = oidcClientID, oidcClientSecret
	m.Keypair.KeyID() // fills a lazily computed field before the server's goroutines read it
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

func user(name string, groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + name, Email: name + "@example.com", EmailVerified: true,
		PreferredUsername: name, Groups: groups}
}

// freePort finds a loopback port for a server whose URL must be known before
// it starts (an OAuth redirect URL).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startOAuth2Proxy runs the real oauth2-proxy in front of the dashboard, as
// the README's deployment section configures it, and returns its URL.
func startOAuth2Proxy(t *testing.T, idp *mockoidc.MockOIDC, upstream string) string {
	t.Helper()
	bin := os.Getenv("OAUTH2_PROXY_BIN")
	if bin == "" {
		t.Fatal("OAUTH2_PROXY_BIN is not set: run the e2e tests with `make e2e`, which builds oauth2-proxy")
	}
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	cmd := exec.Command(bin,
		"--http-address=127.0.0.1:"+port,
		"--upstream="+upstream,
		"--provider=oidc",
		"--oidc-issuer-url="+idp.Issuer(),
		"--client-id="+oidcClientID,
		"--client-secret="+oidcClientSecret,
		"--redirect-url="+base+"/oauth2/callback",
		"--scope=openid email profile groups",
		"--oidc-groups-claim=groups",
		"--code-challenge-method=S256",
		"--email-domain=*",
		"--cookie-secret=0123456789abcdef0123456789abcdef",
		"--cookie-secure=false",
		// When a session ends under an open page, its polls and its reload each
		// start a sign-in; one shared CSRF cookie would let the last overwrite
		// the verifier of the one the browser completes.
		"--cookie-csrf-per-request=true",
		"--skip-provider-button=true",
		"--pass-user-headers=true",
		"--pass-authorization-header=true",
		"--reverse-proxy=false",
	)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("oauth2-proxy log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base + "/"
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("oauth2-proxy did not start; log:\n%s", logs.String())
	return ""
}

// proxyModeArgs configure the dashboard behind oauth2-proxy on loopback, with
// the forwarded ID token verified against the same provider.
func proxyModeArgs(idp *mockoidc.MockOIDC) []string {
	return []string{"-auth", "proxy", "-trusted-proxies", "127.0.0.1/32",
		"-proxy-id-token-issuer", idp.Issuer(), "-proxy-id-token-audience", oidcClientID,
		"-operator-groups", operatorGroup, "-viewer-groups", operatorGroup + "," + viewerGroup,
		"-session-keys", sessionKey, "-insecure-cookies"}
}
