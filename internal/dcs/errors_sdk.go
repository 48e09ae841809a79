package dcs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

// maxErrorBody bounds what is read of an error answer: a DCS error body is a
// few hundred bytes, a gateway page may be anything.
const maxErrorBody = 64 << 10

// maxErrorText bounds error_msg; the reference documents 1024 characters.
const maxErrorText = 1024

// answer wraps the body of a 2xx response so the decoder, which gets only
// the body from the SDK, still knows the status and the request id.
type answer struct {
	io.ReadCloser
	status    int
	requestID string
}

// errorHandler replaces sdkerr.DefaultErrorHandler, which copies a non-JSON
// body (an HTML gateway page, say) verbatim into the error message and lets
// a 3xx through as success. The SDK calls it for every response.
type errorHandler struct{}

var _ sdkerr.ErrorHandler = errorHandler{}

// HandleError turns every non-2xx answer into an *APIError without Op (the
// caller sets it) and tags 2xx bodies for the decoder.
func (errorHandler) HandleError(_ *request.DefaultHttpRequest, resp *response.DefaultHttpResponse) error {
	r := resp.Response
	reqID := strings.TrimSpace(r.Header.Get("X-Request-Id"))
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		r.Body = &answer{ReadCloser: r.Body, status: r.StatusCode, requestID: reqID}
		return nil
	}
	defer r.Body.Close()
	e := &APIError{Kind: KindResponse, HTTPStatus: r.StatusCode, RequestID: reqID}
	if r.StatusCode < 400 {
		// Redirects are not followed (HttpConfig.AllowRedirects stays false), so
		// a 3xx arrives here; it is never the documented answer.
		e.Message = fmt.Sprintf("the DCS API answered %s, a redirect, instead of a result; it was not followed", statusLine(r.StatusCode))
		return e
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	e.Code, e.Message = parseErrorBody(body)
	switch {
	case e.Code == "" && e.Message == "":
		e.Message = fmt.Sprintf("the DCS API answered %s without a DCS error body", statusLine(r.StatusCode))
	case e.Message == "":
		e.Message = fmt.Sprintf("the DCS API answered %s with no error message", statusLine(r.StatusCode))
	}
	return e
}

// parseErrorBody reads {"error_code","error_msg"}, the API gateway's
// {"code","message"} or IAM's {"error":{"code","message"}}. Anything else,
// including a truncated body, gives nothing: the raw body is never shown.
func parseErrorBody(body []byte) (code, msg string) {
	var b struct {
		ErrorCode wireString `json:"error_code"`
		ErrorMsg  wireString `json:"error_msg"`
		Code      wireString `json:"code"`
		Message   wireString `json:"message"`
		Error     *struct {
			Code    wireString `json:"code"`
			Message wireString `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil {
		return "", ""
	}
	code, msg = string(b.ErrorCode), string(b.ErrorMsg)
	if code == "" && msg == "" {
		code, msg = string(b.Code), string(b.Message)
	}
	if code == "" && msg == "" && b.Error != nil {
		code, msg = string(b.Error.Code), string(b.Error.Message)
	}
	return clip(code, 64), clip(msg, maxErrorText)
}

// clip trims s and cuts it to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("HTTP %d %s", code, text)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// classify turns whatever the SDK returned into an *APIError for op.
func classify(op string, err error, timeout time.Duration) *APIError {
	if e, ok := AsAPIError(err); ok {
		e.Op = op
		return e
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return &APIError{Op: op, Kind: KindTimeout, Message: fmt.Sprintf("no answer within %s", timeout)}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return &APIError{Op: op, Kind: KindNetwork, Message: "could not talk to the DCS API: " + netMessage(urlErr)}
	}
	var sre *sdkerr.ServiceResponseError
	if errors.As(err, &sre) {
		// Only reachable if the SDK bypassed errorHandler; its ErrorMessage may
		// hold a raw body, so only the structured parts are kept.
		return &APIError{Op: op, Kind: KindResponse, HTTPStatus: sre.StatusCode, Code: clip(sre.ErrorCode, 64),
			RequestID: sre.RequestId, Message: fmt.Sprintf("the DCS API answered %s", statusLine(sre.StatusCode))}
	}
	// What is left comes from building the request: credentials, signing.
	return &APIError{Op: op, Kind: KindConfig, Message: "could not build the request: " + clip(oneLine(err.Error()), 512)}
}

// netMessage names the failing step without the request URL.
func netMessage(urlErr *url.Error) string {
	var opErr *net.OpError
	if errors.As(urlErr, &opErr) && opErr.Err != nil {
		return opErr.Op + ": " + opErr.Err.Error()
	}
	if urlErr.Err != nil {
		return clip(urlErr.Err.Error(), 256)
	}
	return "connection failed"
}
