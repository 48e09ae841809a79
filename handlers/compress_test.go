package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/static"
)

// raw fetches path with the given Accept-Encoding and no decoding by the
// client: the bytes as they came over the wire.
func (e *env) raw(t *testing.T, method, path, acceptEncoding string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", acceptEncoding) // set, so the transport does not decode
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestPagesCompressed: pages, fragments, error pages and exports go out
// compressed in a coding the client accepts; small answers and clients
// that accept none go out as they are.
func TestPagesCompressed(t *testing.T) {
	e := newEnv(t, options{})
	for _, tc := range []struct {
		path, accept string
		status       int
		want         []string // acceptable codings
		contains     string
	}{
		{"/", "gzip", http.StatusOK, []string{"gzip"}, `data-testid="task-table"`},
		{"/", "zstd, gzip", http.StatusOK, []string{"zstd", "gzip"}, `data-testid="task-table"`},
		{"/", "", http.StatusOK, []string{""}, `data-testid="task-table"`},
		{"/", "identity", http.StatusOK, []string{""}, `data-testid="task-table"`},
		{"/export.csv", "gzip", http.StatusOK, []string{"gzip"}, "task_id"},
		{"/t/default/tasks/00000000-0000-4000-8000-000000009999", "gzip", http.StatusNotFound, []string{"gzip"}, "<html"},
		{"/healthz", "gzip", http.StatusOK, []string{""}, "ok"},
	} {
		res, b := e.raw(t, http.MethodGet, tc.path, tc.accept)
		coding := res.Header.Get("Content-Encoding")
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, res.StatusCode, tc.status)
		}
		ok := false
		for _, w := range tc.want {
			ok = ok || coding == w
		}
		if !ok {
			t.Errorf("%s with Accept-Encoding %q: Content-Encoding %q, want one of %q", tc.path, tc.accept, coding, tc.want)
			continue
		}
		if body := decode(t, coding, b); !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s (%s): the decoded body lacks %q", tc.path, coding, tc.contains)
		}
		if coding != "" && !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: compressed without Vary: Accept-Encoding", tc.path)
		}
	}
	// A fragment htmx asks for is compressed as well.
	res, b := e.raw(t, http.MethodGet, "/task-rows", "gzip", "HX-Request", "true")
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(string(decode(t, "gzip", b)), `<tr id="row-`) {
		t.Errorf("the rows fragment: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
}

// TestAssetsPrecompressed: an asset is served in the best coding the client
// accepts, from bytes compressed at start, with a strong ETag of its own
// per coding; a matching If-None-Match is a 304 with no body, and a
// versioned URL may be cached for a year.
func TestAssetsPrecompressed(t *testing.T) {
	e := newEnv(t, options{})
	url := static.URL("js/app.js")
	a, _ := static.Lookup("js/app.js")
	for _, tc := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip, zstd", "zstd"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"", ""},
	} {
		res, b := e.raw(t, http.MethodGet, url, tc.accept)
		if got := res.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			continue
		}
		if !bytes.Equal(decode(t, tc.want, b), a.Raw) {
			t.Errorf("Accept-Encoding %q: the decoded asset differs from the file", tc.accept)
		}
		etag := res.Header.Get("ETag")
		if etag != a.ETag(tc.want) || strings.HasPrefix(etag, "W/") {
			t.Errorf("Accept-Encoding %q: ETag %q, want the strong %q", tc.accept, etag, a.ETag(tc.want))
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("Cache-Control %q", cc)
		}
		again, body := e.raw(t, http.MethodGet, url, tc.accept, "If-None-Match", etag)
		if again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("Accept-Encoding %q: a repeat with its ETag got %d and %d bytes, want 304 and none", tc.accept, again.StatusCode, len(body))
		}
	}
	if n := len(a.Encoded["br"]); n == 0 || n >= len(a.Raw)/2 {
		t.Errorf("app.js: %d bytes in brotli of %d", n, len(a.Raw))
	}
	head, b := e.raw(t, http.MethodHead, url, "br")
	if head.StatusCode != http.StatusOK || len(b) != 0 || head.Header.Get("Content-Length") != itoa(len(a.Encoded["br"])) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", head.StatusCode, len(b), head.Header.Get("Content-Length"))
	}
	if res, _ := e.raw(t, http.MethodGet, "/static/js/nope.js", "gzip"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown asset: %d", res.StatusCode)
	}
}
