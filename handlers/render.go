package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// render writes a component with the given status. Pages and fragments carry
// operational data, so neither is cached.
//
// The component is rendered whole into a buffer first and written in one
// piece with its length: the answer leaves in one write rather than a
// chunk per few kilobytes, and a component that fails half-way sends
// nothing, so the error page can be shown instead of half a page.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	if err := comp.Render(withRequestID(c), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", hxRequest) // a fragment and a page share an address
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// pageBuffers hold pages while they are rendered; one larger than
// maxPooledPage (an export-sized page, say) is left to the collector.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledPage = 256 << 10

// redirectAfterPost sends a browser that posted a plain form to a page (303,
// so a reload does not post again).
func redirectAfterPost(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
