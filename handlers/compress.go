package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/static"
)

// compressMin is the smallest answer worth compressing: below it the
// coding's own overhead eats most of the gain.
const compressMin = 1024

// compressedTypes are the answers compressed on the way out: pages,
// fragments, exports and the readiness text. Static assets come compressed
// already (serveAsset) and pass through untouched.
var compressedTypes = []string{"text/html", "application/json", "text/csv", "text/plain",
	"text/css", "text/javascript", "application/javascript", "image/svg+xml"}

// compression compresses answers of compressMin bytes or more with zstd or
// gzip, as the client accepts (gzhttp, from klauspost/compress: pooled
// encoders, Vary and ETag handled). The handler's error is rendered inside
// the wrapper, so error pages are compressed too and written before the
// encoder closes.
func compression() (echo.MiddlewareFunc, error) {
	// Stateless gzip keeps no window between writes: a few KB an answer
	// rather than the ~1 MB of a stateful encoder, which under a few
	// hundred concurrent answers was most of the dashboard's memory. Pages
	// compress about as well, being written in one go.
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMin), gzhttp.ContentTypes(compressedTypes),
		gzhttp.CompressionLevel(gzip.StatelessCompression))
	if err != nil {
		return nil, err
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			plain := res.Writer
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				defer func() { res.Writer = plain }()
				c.SetRequest(r)
				if err := next(c); err != nil {
					c.Error(err)
				}
			})).ServeHTTP(plain, c.Request())
			return nil
		}
	}, nil
}

// serveAsset answers an embedded file in the best content coding the
// client accepts, compressed once at start, with a strong ETag per coding;
// a matching If-None-Match is a 304. StaticCache sets how long it keeps.
func serveAsset(c echo.Context) error {
	a, ok := static.Lookup(strings.TrimPrefix(c.Param("*"), "/"))
	if !ok {
		return echo.ErrNotFound
	}
	coding := chooseCoding(c.Request().Header.Get("Accept-Encoding"), a)
	body := a.Raw
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("ETag", a.ETag(coding))
	if coding != "" {
		body = a.Encoded[coding]
		h.Set("Content-Encoding", coding)
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, a.ETag(coding)) {
		return c.NoContent(http.StatusNotModified)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, a.Type, body)
}

// chooseCoding is the best of the asset's codings the Accept-Encoding
// header allows ("" for the raw bytes). A coding with q=0 is refused.
func chooseCoding(accept string, a *static.Asset) string {
	allowed := map[string]bool{}
	for part := range strings.SplitSeq(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		allowed[strings.ToLower(strings.TrimSpace(name))] = !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	for _, coding := range static.Codings {
		if _, ok := a.Encoded[coding]; ok && allowed[coding] {
			return coding
		}
	}
	return ""
}

// etagMatches reports whether an If-None-Match header names etag (or *).
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}
