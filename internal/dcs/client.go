package dcs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/exchange"
	v2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
)

// MaxBatchStop is the API's limit of task ids per BatchStop call.
const MaxBatchStop = 50

// userAgent is appended to the SDK's own User-Agent so server logs can tell
// the dashboard's calls apart.
const userAgent = "dcs-dashboard"

// Client calls the DCS migration-task API through the official SDK. The SDK
// still builds URLs, signs and sends every request; the Client adds a
// context-bounded call, its own error handling and tolerant decoding, and
// never retries. It is safe for concurrent use.
type Client struct {
	hc       *v2.DcsClient
	calls    *callTransport
	endpoint string
	timeout  time.Duration
}

// NewClient validates cfg, finds credentials and builds the SDK client. With
// an Endpoint it sends nothing. With a Region and a project id it sends
// nothing either; with a Region and no project id the SDK asks IAM for one.
// Errors are *APIError with Kind KindConfig and Op "NewClient".
func NewClient(cfg Config) (*Client, error) {
	return newClient(cfg, nil)
}

// newClient lets tests put a RoundTripper under the SDK, to prove that no
// request leaves during construction.
func newClient(cfg Config, rt http.RoundTripper) (*Client, error) {
	fail := func(err error) (*Client, error) {
		return nil, &APIError{Op: "NewClient", Kind: KindConfig, Message: err.Error()}
	}
	t, err := cfg.resolve()
	if err != nil {
		return fail(err)
	}
	// Redirects stay off (the SDK's default, set explicitly because a followed
	// 302 to a login page would read as success); the SDK never retries.
	calls := newCallTransport(rt)
	httpCfg := config.DefaultHttpConfig().WithTimeout(t.timeout).WithAllowRedirects(false).
		WithRetries(0).WithUserAgent(userAgent).WithHttpRoundTripper(calls)
	builder := v2.DcsClientBuilder().
		WithCredential(t.cred).
		WithHttpConfig(httpCfg).
		WithErrorHandler(errorHandler{})
	if t.region != nil {
		builder = builder.WithRegion(t.region)
	} else {
		builder = builder.WithEndpoints([]string{t.endpoint})
	}
	hc, err := builder.SafeBuild()
	if err != nil {
		if t.region != nil && t.cred.ProjectId == "" {
			return fail(fmt.Errorf("could not find the project id of region %s through IAM (set -dcs-project-id or %s): %s",
				t.region.Id, projectIDEnv, clip(oneLine(err.Error()), 512)))
		}
		return fail(fmt.Errorf("could not build the SDK client: %s", clip(oneLine(err.Error()), 512)))
	}
	return &Client{hc: v2.NewDcsClient(hc), calls: calls, endpoint: t.endpoint, timeout: t.timeout}, nil
}

// Endpoint is the base URL every call goes to, for display and logs.
func (c *Client) Endpoint() string { return c.endpoint }

// rawAnswer replaces the SDK's response model. A Body field of type
// io.ReadCloser makes the SDK hand over the stream undecoded (see
// deserializeResponse in core/hc_http_client.go), so its strict jsoniter
// decoder never sees an answer. HttpStatusCode is set by the SDK too.
type rawAnswer struct {
	Body           io.ReadCloser `json:"-"`
	HttpStatusCode int           `json:"-"`
}

// result carries a goroutine's outcome back to the waiting call.
type result[T any] struct {
	val  T
	call Call
	err  *APIError
}

// call runs one SDK request and decodes its answer. The SDK takes no
// context, so the request runs in a goroutine and the call returns when ctx
// ends or c.timeout passes, whichever comes first; callTransport then
// aborts the request in flight. Nothing is ever sent twice.
func call[T any](ctx context.Context, c *Client, op string, req any, reqDef *def.HttpRequestDef,
	decode func([]byte) (T, *APIError)) (T, error) {
	v, _, err := callFor(ctx, c, op, req, reqDef, decode)
	return v, err
}

// callFor is call that also returns the Call that answered: writes report
// its request id even when they succeed, since that id is what Huawei
// support asks for when an accepted stop "did nothing".
func callFor[T any](ctx context.Context, c *Client, op string, req any, reqDef *def.HttpRequestDef,
	decode func([]byte) (T, *APIError)) (T, Call, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		// Nothing was sent: say so, so a stop is known not to have happened.
		return zero, Call{}, &APIError{Op: op, Kind: KindTimeout, Message: "not sent: the request was cancelled first (" + err.Error() + ")"}
	}
	bounded, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	done := make(chan result[T], 1) // buffered: the goroutine never blocks
	go func() {
		v, answered, err := run(bounded, c, req, reqDef, decode)
		done <- result[T]{v, answered, err}
	}()

	select {
	case r := <-done:
		if r.err == nil {
			return r.val, r.call, nil // a complete answer counts even if ctx just ended
		}
		if bounded.Err() == nil {
			r.err.Op = op
			return zero, Call{}, r.err
		}
		// The request failed because ctx ended: report that, not its symptom.
	case <-bounded.Done():
	}
	msg := fmt.Sprintf("no answer within %s", c.timeout)
	if err := ctx.Err(); err != nil {
		// The caller's own deadline or cancellation came first.
		msg = "gave up waiting for an answer: " + err.Error()
	}
	return zero, Call{}, &APIError{Op: op, Kind: KindTimeout, Message: msg}
}

// run is the goroutine's body: send through the SDK, then read and decode.
// Decoding happens here so the body is always closed, even after the
// caller stopped waiting.
func run[T any](ctx context.Context, c *Client, req any, reqDef *def.HttpRequestDef,
	decode func([]byte) (T, *APIError)) (val T, answered Call, apiErr *APIError) {
	defer func() {
		// The SDK works by reflection; a panic there must not kill the server.
		if p := recover(); p != nil {
			apiErr = &APIError{Kind: KindConfig, Message: fmt.Sprintf("the SDK failed while handling the request: %v", p)}
		}
	}()
	raw := &rawAnswer{}
	reqDef.Response = raw
	token, release := c.calls.register(ctx)
	defer release()
	// SyncInvokeWithExtraHeaders is what HcHttpClient.Sync calls, plus the
	// call token for callTransport.
	exg := &exchange.SdkExchange{ApiReference: &exchange.ApiReference{}, Attributes: map[string]any{}}
	if _, err := c.hc.HcClient.SyncInvokeWithExtraHeaders(req, reqDef, exg, map[string]string{callHeader: token}); err != nil {
		return val, answered, classify("", err, c.timeout)
	}
	if raw.Body == nil {
		return val, answered, &APIError{Kind: KindDecode, HTTPStatus: raw.HttpStatusCode, Message: "the SDK returned no body"}
	}
	defer raw.Body.Close()
	answered.HTTPStatus = raw.HttpStatusCode
	if a, ok := raw.Body.(*answer); ok {
		answered.RequestID = a.requestID
	}
	data, apiErr := readAnswer(raw.Body, c.timeout.String())
	if apiErr != nil {
		return val, answered, apiErr
	}
	val, apiErr = decode(data)
	if apiErr != nil {
		apiErr.HTTPStatus, apiErr.RequestID = answered.HTTPStatus, answered.RequestID
	}
	return val, answered, apiErr
}
