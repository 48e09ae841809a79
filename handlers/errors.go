package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
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
	// said is what the page says, in English, for the log (which is not
	// translated); "" when Title and Text are English already.
	said string
}

func (e *pageError) Error() string {
	if e.said != "" {
		return fmt.Sprintf("%d %s", e.Status, e.said)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Text)
}

// pageErr is a pageError titled and told by the messages titleID and
// textID, placeholders filled from pairs, in ctx's language; the log reads
// them in English.
func pageErr(ctx context.Context, status int, titleID, textID string, pairs ...any) *pageError {
	en := context.Background() // English: no printer
	return &pageError{Status: status, Title: i18n.T(ctx, titleID, pairs...), Text: i18n.T(ctx, textID, pairs...),
		said: fmt.Sprintf("%s: %s", i18n.T(en, titleID, pairs...), i18n.T(en, textID, pairs...))}
}

// logged adds detail for the log only.
func (e *pageError) logged(detail string) *pageError {
	e.Log = detail
	return e
}

// badRequest is a 400 page titled and told by the messages titleID and
// textID (pageErr).
func badRequest(ctx context.Context, titleID, textID string, pairs ...any) error {
	return pageErr(ctx, http.StatusBadRequest, titleID, textID, pairs...)
}

// upstreamBanner turns a DCS API error into a banner a human can act on,
// in ctx's language; title says what failed ("Reading migration logs
// failed."). The API's code, message and request id are shown as sent.
func upstreamBanner(ctx context.Context, err error, title string) views.Banner {
	apiErr, ok := dcs.AsAPIError(err)
	if !ok {
		return views.Banner{Kind: "error", Title: title, Text: i18n.T(ctx, "errors.upstream.unexpected")}
	}
	b := views.Banner{
		Kind:       "error",
		Title:      title,
		HTTPStatus: apiErr.HTTPStatus,
		Code:       apiErr.Code,
		Message:    apiErr.Message,
		RequestID:  apiErr.RequestID,
	}
	if id, ok := detailByKind[apiErr.Kind]; ok && apiErr.Code == "" {
		// No answer the API wrote: the message is the dashboard's own
		// account of what happened, told in the page's language around
		// its technical detail.
		b.Message = i18n.T(ctx, id, "Detail", apiErr.Message)
	}
	b.Text = upstreamAdvice(ctx, apiErr)
	return b
}

// detailByKind frames the dcs package's own description of a failure that
// no API answer explains: the catalog ids, by kind.
var detailByKind = map[dcs.ErrorKind]string{
	dcs.KindTimeout: "errors.detail.timeout",
	dcs.KindNetwork: "errors.detail.network",
	dcs.KindDecode:  "errors.detail.decode",
	dcs.KindConfig:  "errors.detail.config",
}

// adviceByKind tells what to do about a failure the dashboard classified
// itself (no usable answer came back): the catalog ids of the advice.
var adviceByKind = map[dcs.ErrorKind]string{
	dcs.KindTimeout: "errors.advice.timeout",
	dcs.KindNetwork: "errors.advice.network",
	dcs.KindDecode:  "errors.advice.decode",
	dcs.KindConfig:  "errors.advice.config",
}

// upstreamAdvice tells what to do about an upstream failure, in ctx's
// language: by its kind, then by the status the API answered with.
func upstreamAdvice(ctx context.Context, e *dcs.APIError) string {
	if id, ok := adviceByKind[e.Kind]; ok {
		return i18n.T(ctx, id)
	}
	switch {
	case e.HTTPStatus == http.StatusUnauthorized:
		return i18n.T(ctx, "errors.advice.unauthorized")
	case e.HTTPStatus == http.StatusForbidden:
		return i18n.T(ctx, "errors.advice.forbidden")
	case e.NotFound():
		return i18n.T(ctx, "errors.advice.not_found")
	case e.HTTPStatus >= 500:
		return i18n.T(ctx, "errors.advice.server")
	case e.HTTPStatus < 400:
		return i18n.T(ctx, "errors.advice.redirect")
	}
	return i18n.T(ctx, "errors.advice.refused")
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
	ctx := c.Request().Context()
	status := http.StatusInternalServerError
	banner := views.Banner{Kind: "error", Title: i18n.T(ctx, "errors.internal.title"), Text: i18n.T(ctx, "errors.internal.text")}

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
		banner = views.Banner{Kind: "error", Title: statusTitle(ctx, he.Code), Text: echoErrorText(ctx, he)}
	default:
		if _, ok := dcs.AsAPIError(err); ok {
			status = upstreamStatus(err)
			banner = upstreamBanner(ctx, err, i18n.T(ctx, "errors.upstream.read_api"))
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
	s.log.Log(ctx, level, "request failed", attrs...)

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

// echoErrorText is what an error of Echo's own (no route, a body too
// large, ...) tells the person, in ctx's language. A message Echo wrote
// other than the status's name is shown as written.
func echoErrorText(ctx context.Context, he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return i18n.T(ctx, "errors.page.not_found")
	case http.StatusMethodNotAllowed:
		return i18n.T(ctx, "errors.page.method_not_allowed")
	case http.StatusRequestEntityTooLarge:
		return i18n.T(ctx, "errors.page.too_large")
	}
	if msg, ok := he.Message.(string); ok && msg != http.StatusText(he.Code) {
		return msg
	}
	return statusTitle(ctx, he.Code)
}

// statusTitles are the catalog ids of the HTTP statuses an error page may
// be titled with; in English they read as Go names them.
var statusTitles = map[int]string{
	http.StatusBadRequest:            "errors.http.bad_request",
	http.StatusUnauthorized:          "errors.http.unauthorized",
	http.StatusForbidden:             "errors.http.forbidden",
	http.StatusNotFound:              "errors.http.not_found",
	http.StatusMethodNotAllowed:      "errors.http.method_not_allowed",
	http.StatusRequestEntityTooLarge: "errors.http.too_large",
	http.StatusInternalServerError:   "errors.http.internal",
	http.StatusServiceUnavailable:    "errors.http.unavailable",
	http.StatusTooManyRequests:       "errors.http.too_many",
	http.StatusBadGateway:            "errors.http.bad_gateway",
	http.StatusGatewayTimeout:        "errors.http.gateway_timeout",
}

// statusTitle is an HTTP status's name in ctx's language; one the dashboard
// does not answer with is named by its number.
func statusTitle(ctx context.Context, code int) string {
	if id, ok := statusTitles[code]; ok {
		return i18n.T(ctx, id)
	}
	return i18n.T(ctx, "errors.http.other", "Code", code)
}
