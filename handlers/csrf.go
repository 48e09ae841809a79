package handlers

import (
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo/v4"
)

// CSRF refuses state-changing requests that are cross-origin (by the
// browser's Sec-Fetch-Site and Origin headers, through net/http's
// CrossOriginProtection) or that do not carry the session's token. Both checks
// run before any handler, so a refused post never reaches the DCS API.
//
// The token lives in the signed session cookie and is echoed in a hidden
// form field (or the X-CSRF-Token header); a same-origin post without it is
// refused too, unlike middleware that trusts Sec-Fetch-Site alone.
func (s *Sessions) CSRF() echo.MiddlewareFunc {
	origin := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			sess := s.get(c)
			token, _ := sess.Values[csrfKey].(string)
			if token == "" {
				token = newToken()
				sess.Values[csrfKey] = token
				if err := s.save(c, sess); err != nil {
					return err
				}
			}
			withCSRFToken(c, token)

			r := c.Request()
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			if err := origin.Check(r); err != nil {
				return pageErr(r.Context(), http.StatusForbidden, "errors.csrf.cross_site.title", "errors.csrf.cross_site.text")
			}
			// From the header or the form body only, never the query string:
			// a token in a URL leaks through logs, history and Referer.
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = r.PostFormValue("_csrf")
			}
			if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return pageErr(r.Context(), http.StatusForbidden, "errors.csrf.token.title", "errors.csrf.token.text")
			}
			return next(c)
		}
	}
}
