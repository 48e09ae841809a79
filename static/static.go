// Package static holds the dashboard's CSS, JavaScript and vendored htmx,
// embedded in the binary so the dashboard runs in closed networks with no CDN.
//
// Assets are served under routes.Static with a content hash in the query string
// (see URL), so browsers may cache them for a year and still see a new
// version the moment a release changes a file.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"

	"github.com/dcs-dashboard/migrations/internal/routes"
)

//go:embed css js img vendor
var files embed.FS

// FS is the tree served under routes.Static.
func FS() fs.FS { return files }

// hashes maps an asset's path to a short hash of its content. The embedded
// files never change while the process runs, so the map is built once.
var hashes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
})

// URL is the path a page uses for an asset, with its content hash as a cache
// buster. An unknown name still gets a URL (without hash) so a typo shows up
// as a 404 in the browser rather than a panic.
func URL(name string) string {
	u := routes.Static + "/" + name
	if h, ok := hashes()[name]; ok {
		return u + "?v=" + h
	}
	return u
}
