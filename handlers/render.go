package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// render writes a component with the given status. Pages and fragments carry
// operational data, so neither is cached.
func render(c echo.Context, status int, comp templ.Component) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", hxRequest) // a fragment and a page share an address
	c.Response().WriteHeader(status)
	return comp.Render(withRequestID(c), c.Response())
}

// redirectAfterPost sends a browser that posted a plain form to a page (303,
// so a reload does not post again).
func redirectAfterPost(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
