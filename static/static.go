// Package static holds the dashboard's CSS, JavaScript and vendored htmx,
// embedded in the binary so the dashboard runs in closed networks with no CDN.
//
// Assets are served under routes.Static with a content hash in the query string
// (see URL), so browsers may cache them for a year and still see a new
// version the moment a release changes a file.
package static

import (
	"embed"

	"github.com/dcs-dashboard/migrations/internal/routes"
)

//go:embed css js img vendor
var files embed.FS

// URL is the path a page uses for an asset, with its content hash as a cache
// buster. An unknown name still gets a URL (without hash) so a typo shows up
// as a 404 in the browser rather than a panic.
func URL(name string) string {
	u := routes.Static + "/" + name
	if a, ok := Lookup(name); ok {
		return u + "?v=" + a.Hash[:12]
	}
	return u
}
