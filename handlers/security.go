package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy allows only the dashboard's own files: no inline
// script or style, no eval, no framing, forms post only to this origin.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// documentHeaders govern a document a browser shows or runs; an answer
// without a body (204, 304) has none, so they are left off it. That is
// most of what an idle list tab receives: a rows' refresh that finds
// nothing changed is a 204 every few seconds, and these headers were two
// thirds of its bytes.
var documentHeaders = []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
	"Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy", "Content-Language"}

// SecurityHeaders sets the headers every response with a body carries;
// hsts adds Strict-Transport-Security for a dashboard served over HTTPS,
// to every response.
func SecurityHeaders(hsts bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			res.Before(func() {
				if res.Status != http.StatusNoContent && res.Status != http.StatusNotModified {
					return
				}
				for _, k := range documentHeaders {
					res.Header().Del(k)
				}
				if res.Status == http.StatusNoContent && res.Header().Get("Cache-Control") == "" {
					res.Header().Set("Cache-Control", "no-store") // an answer about now, not to keep
				}
			})
			h := res.Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// StaticCache lets browsers keep assets for a year: their URLs carry a
// content hash (static.URL), so a new release changes the URL.
func StaticCache() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.QueryParam("v") != "" {
				c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				c.Response().Header().Set("Cache-Control", "no-cache")
			}
			return next(c)
		}
	}
}
