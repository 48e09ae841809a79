package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/i18n"
)

const (
	// langCookie remembers a person's choice of language. It is not part
	// of the session, so it outlives sign-out and sign-in.
	langCookie = "dcs-dashboard-lang"
	langMaxAge = 365 * 24 * time.Hour
)

// language puts the request's printer in its context, for the pages and
// messages it answers with: the language chosen with the switch, else the
// browser's Accept-Language, else -default-lang.
func (s *Server) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		chosen := ""
		if ck, err := c.Cookie(langCookie); err == nil {
			chosen = ck.Value
		}
		r := c.Request()
		p := s.cfg.Catalog.Printer(s.cfg.Catalog.Match(chosen, r.Header.Get("Accept-Language")))
		c.SetRequest(r.WithContext(i18n.With(r.Context(), p)))
		h := c.Response().Header()
		h.Set("Content-Language", p.Lang())
		h.Add("Vary", "Accept-Language")
		h.Add("Vary", "Cookie")
		return next(c)
	}
}

// langOf is the language the request is answered in.
func langOf(c echo.Context) string { return i18n.From(c.Request().Context()).Lang() }

// SetLanguage remembers the language chosen with the switch and goes back
// to the page it was chosen on, with its query (filters, page) kept. A
// language the dashboard does not speak is a 400 that names the ones it
// does; an address that is not local returns to the list (auth.SafeReturnTo).
func (s *Server) SetLanguage(c echo.Context) error {
	lang := c.QueryParam("lang")
	if !i18n.Supported(lang) {
		return badRequest(c.Request().Context(), "lang.unknown.title", "lang.unknown.text", "Lang", lang)
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int(langMaxAge / time.Second),
		HttpOnly: true, Secure: s.cfg.Sessions.Secure(), SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, auth.SafeReturnTo(c.QueryParam("return_to")))
}

// tr is the request's words for a message id.
func (s *Server) tr(c echo.Context, id string, pairs ...any) string {
	return i18n.T(c.Request().Context(), id, pairs...)
}
