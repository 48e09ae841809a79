package dcs

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// callHeader carries a call's token from the SDK's request builder to
// callTransport. The SDK's signer leaves headers whose name holds "_"
// unsigned (extractSignedHeaders in core/auth/signer), so the transport can
// remove it without breaking the signature; it never leaves the process.
const callHeader = "X_Dcs_Dashboard_Call"

// callTransport gives the SDK's context-free requests a context. The SDK
// builds every request with http.NewRequest, so without this a call whose
// caller gave up would keep its connection open until the HTTP timeout.
// Requests without a token (the SDK's IAM project lookup) pass unchanged.
type callTransport struct {
	next http.RoundTripper

	mu    sync.Mutex
	seq   uint64
	calls map[string]context.Context
}

func newCallTransport(next http.RoundTripper) *callTransport {
	if next == nil {
		next = defaultTransport()
	}
	return &callTransport{next: next, calls: map[string]context.Context{}}
}

// defaultTransport is what the SDK would build for itself (no proxy from
// the environment, certificate checks on), plus the standard library's
// dial, TLS-handshake and idle-connection limits.
func defaultTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        32,
		// One host (the DCS endpoint) takes every call: keep as many idle
		// connections to it as the pool holds, not the default two, so
		// concurrent pages reuse connections instead of dialling anew.
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// register ties ctx to a fresh token; release must be called when the
// SDK call returns.
func (t *callTransport) register(ctx context.Context) (token string, release func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	token = strconv.FormatUint(t.seq, 10)
	t.calls[token] = ctx
	return token, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.calls, token)
	}
}

// RoundTrip implements http.RoundTripper.
func (t *callTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	token := r.Header.Get(callHeader)
	if token == "" {
		return t.next.RoundTrip(r)
	}
	t.mu.Lock()
	ctx, ok := t.calls[token]
	t.mu.Unlock()
	if !ok {
		ctx = r.Context()
	}
	// Clone, not modify: a RoundTripper must leave the caller's request alone.
	// The call's context carries the same timeout as the SDK's http.Client,
	// started a moment earlier, plus the caller's cancellation.
	out := r.Clone(ctx)
	out.Header.Del(callHeader)
	return t.next.RoundTrip(out)
}
