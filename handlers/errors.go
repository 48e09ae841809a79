package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

// pageError is a failure the dashboard itself describes: bad input, a refused
// request. Its text is written for the person reading the page.
type pageError struct {
	Status int
	Title  string
	Text   string
	// Log is detail for the log only (never shown): why, in the dashboard's terms.
	Log string
}

func (e *pageError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Text) }

func badRequest(title, text string) error {
	return &pageError{Status: http.StatusBadRequest, Title: title, Text: text}
}

// upstreamBanner turns a DCS API error into a banner a human can act on.
func upstreamBanner(err error, what string) views.Banner {
	apiErr, ok := dcs.AsAPIError(err)
	if !ok {
		return views.Banner{Kind: "error", Title: what + " failed.", Text: "An unexpected error occurred; the dashboard log has the details."}
	}
	b := views.Banner{
		Kind:       "error",
		Title:      what + " failed.",
		HTTPStatus: apiErr.HTTPStatus,
		Code:       apiErr.Code,
		Message:    apiErr.Message,
		RequestID:  apiErr.RequestID,
	}
	b.Text = upstreamAdvice(apiErr)
	return b
}

// adviceByKind tells what to do about a failure the dashboard classified
// itself (no usable answer came back).
var adviceByKind = map[dcs.ErrorKind]string{
	dcs.KindTimeout: "The DCS API did not answer in time. Try again in a moment; if it keeps happening, check the API's status.",
	dcs.KindNetwork: "The DCS API could not be reached. Check the dashboard's network path to the DCS endpoint.",
	dcs.KindDecode: "The DCS API answered with something that is not a valid response. Try again; if it persists, " +
		"report the request id to Huawei Cloud support.",
	dcs.KindConfig: "The dashboard could not build the request. Check its DCS credentials and endpoint settings.",
}

// upstreamAdvice tells what to do about an upstream failure: by its kind,
// then by the status the API answered with.
func upstreamAdvice(e *dcs.APIError) string {
	if text, ok := adviceByKind[e.Kind]; ok {
		return text
	}
	switch {
	case e.HTTPStatus == http.StatusUnauthorized:
		return "The DCS API did not accept the dashboard's credentials. Check the access key, secret key and project id it runs with."
	case e.HTTPStatus == http.StatusForbidden:
		return "The dashboard's account is not allowed to do this. Check its IAM permissions for DCS."
	case e.NotFound():
		return "The DCS API does not know this task. It may have been deleted."
	case e.HTTPStatus >= 500:
		return "The DCS API had an internal problem. Try again later; if it persists, give Huawei Cloud support the request id."
	case e.HTTPStatus < 400:
		return "The DCS endpoint answered with a redirect, which the dashboard does not follow. Check the DCS endpoint setting " +
			"(https, host name, any proxy or gateway in between)."
	}
	return "The DCS API refused the request."
}

// upstreamStatus is the status the dashboard answers with after an upstream error.
func upstreamStatus(err error) int {
	apiErr, ok := dcs.AsAPIError(err)
	switch {
	case !ok:
		return http.StatusInternalServerError
	case apiErr.NotFound():
		return http.StatusNotFound
	case apiErr.Kind == dcs.KindTimeout:
		return http.StatusGatewayTimeout
	case apiErr.Kind == dcs.KindResponse && apiErr.HTTPStatus >= 400 && apiErr.HTTPStatus < 500:
		return http.StatusConflict
	default:
		return http.StatusBadGateway
	}
}

// ErrorHandler renders every error a handler or middleware returns. htmx
// requests get the banner alone, retargeted to the page's alert region so it
// never replaces the element that made the request; other requests get a page.
func (s *Server) ErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	banner := views.Banner{Kind: "error", Title: "Something went wrong.", Text: "The dashboard could not complete this request; its log has the details."}

	var pe *pageError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		status = pe.Status
		banner = views.Banner{Kind: "error", Title: pe.Title, Text: pe.Text}
		if status < 400 {
			banner.Kind = "info"
		}
	case errors.As(err, &he):
		status = he.Code
		banner = views.Banner{Kind: "error", Title: http.StatusText(he.Code), Text: echoErrorText(he)}
	default:
		if _, ok := dcs.AsAPIError(err); ok {
			status = upstreamStatus(err)
			banner = upstreamBanner(err, "Reading from the DCS API")
		}
	}

	level := slog.LevelInfo
	if status < 400 {
		level = slog.LevelDebug
	}
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []any{"status", status, "method", c.Request().Method, "path", c.Request().URL.Path, "err", err.Error()}
	if pe != nil && pe.Log != "" {
		attrs = append(attrs, "detail", pe.Log)
	}
	s.log.Log(c.Request().Context(), level, "request failed", attrs...)

	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if isHTMX(c) {
		toAlerts.apply(c)
		_ = render(c, status, views.BannerView(banner))
		return
	}
	page := views.ErrorPage{Chrome: s.chrome(c, banner.Title), Status: status, Banner: banner}
	_ = render(c, status, views.ErrorView(page))
}

func echoErrorText(he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return "There is no page at this address."
	case http.StatusMethodNotAllowed:
		return "This address does not accept that kind of request."
	case http.StatusRequestEntityTooLarge:
		return "The request was too large."
	}
	if msg, ok := he.Message.(string); ok {
		return msg
	}
	return http.StatusText(he.Code)
}
