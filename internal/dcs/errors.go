package dcs

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrorKind says what went wrong talking to the API, which decides what a
// user can do next and whether the outcome of a stop is known.
type ErrorKind int

// The kinds of APIError.
const (
	// KindResponse: the API answered with an HTTP error status.
	KindResponse ErrorKind = iota
	// KindTimeout: no answer within the configured timeout.
	KindTimeout
	// KindNetwork: the request could not be sent or the connection broke.
	KindNetwork
	// KindDecode: the API answered 2xx with a body that is not what it documents.
	KindDecode
	// KindConfig: the client could not build the request (credentials, endpoint).
	KindConfig
)

// APIError is the only error type the Client returns for a failed call. It
// never holds the response body: an HTML error page or a body echoing
// credentials must not reach a page or a log.
type APIError struct {
	Op         string // the call, e.g. "StopMigrationTask"
	Kind       ErrorKind
	HTTPStatus int    // 0 when there was no HTTP answer
	Code       string // DCS error code such as DCS.4957, if the API sent one
	Message    string // the API's error_msg, or a description written by this package
	RequestID  string // X-Request-Id: what Huawei support asks for
}

func (e *APIError) Error() string {
	s := e.Op + ": "
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf("HTTP %d ", e.HTTPStatus)
	}
	if e.Code != "" {
		s += e.Code + " "
	}
	s += e.Message
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Ambiguous reports whether a write may have taken effect despite the error:
// a timeout, a broken connection, a server error, or a success status with a
// body that could not be read (the API did act). After an ambiguous stop the
// task must be read again to learn its real status.
func (e *APIError) Ambiguous() bool {
	switch e.Kind {
	case KindTimeout, KindNetwork, KindDecode:
		return true
	case KindResponse:
		// A server error, or a redirect: something between the dashboard
		// and DCS answered, and what DCS did is not known.
		return e.HTTPStatus >= 500 || e.HTTPStatus < 400
	}
	return false
}

// NotFound reports whether the API said the task does not exist.
func (e *APIError) NotFound() bool {
	return e.Kind == KindResponse && (e.HTTPStatus == http.StatusNotFound || e.Code == "DCS.4133")
}

// AsAPIError returns err's *APIError, if it has one.
func AsAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}
