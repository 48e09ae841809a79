package handlers_test

// Bytes on the wire, as a browser would move them: the first and
// the repeat visit to the list page, and an idle list tab's refreshes.
//
// What is counted: every byte the client writes to and reads from the TCP
// connection, so the request line and headers, the response's status line
// and headers, and the body as sent (compressed, chunked framing included),
// over HTTP/1.1 without TLS, to the real server newEnv starts on a loopback
// listener. TCP/IP and TLS framing are not counted; a browser on HTTP/2
// would send headers compressed (HPACK), so these header counts are if
// anything on the high side. Requests carry the headers Chromium sends
// (chromeHeaders), because they are a good part of a small answer's cost.
// 1 KB here is 1000 bytes.

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	// chromeAcceptEncoding is what Chromium accepts (since version 123).
	chromeAcceptEncoding = "gzip, deflate, br, zstd"
	chromeUA             = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	// defaultRefresh is cmd/web's -refresh default, used when it cannot be
	// read from cmd/web/settings.go (refreshDefault): the env's own is 1 s.
	defaultRefresh = 5 * time.Second
)

// chromeHeaders are the headers Chromium sends with every request over
// HTTP/1.1 besides Host, Cookie and the per-kind ones set by the caller.
// (Checked against e2e's TestIdleTabCostsNothing, which reads Chromium's
// own byte counts: an idle refresh of its three-row list, 1,589 bytes in
// Chromium, is 1,599 bytes counted this way.)
var chromeHeaders = [][2]string{
	{"Connection", "keep-alive"},
	{"sec-ch-ua", `"Chromium";v="131", "Not_A Brand";v="24"`},
	{"sec-ch-ua-mobile", "?0"},
	{"sec-ch-ua-platform", `"Linux"`},
	{"User-Agent", chromeUA},
	{"Accept-Encoding", chromeAcceptEncoding},
	{"Accept-Language", "en-US,en;q=0.9"},
}

// countingConn counts what goes through a connection, each way.
type countingConn struct {
	net.Conn
	read, written *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// browser is one fresh browser profile: its own cookies, its own
// connections, every byte of which is counted, and no decoding by the
// transport (it sets Accept-Encoding itself, so the body stays as sent).
type browser struct {
	tb     testing.TB
	base   string
	client *http.Client
	// sent and received are every byte of every connection, each way.
	sent, received atomic.Int64
}

func newBrowser(tb testing.TB, base string) *browser {
	br := &browser{tb: tb, base: base}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{Conn: c, read: &br.received, written: &br.sent}, nil
		},
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		MaxIdleConnsPerHost: 6,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	br.client = &http.Client{Transport: tr, Jar: newJar(), Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return br
}

// exchange is one request and its answer, with the bytes it moved.
type exchange struct {
	status int
	header http.Header
	wire   int64  // request and response as sent, headers included
	sent   int64  // of which the request
	body   []byte // decoded
	coded  int    // the body's length as sent (before decoding)
}

// get sends a GET of path with Chromium's headers plus the given pairs and
// reads the whole answer.
func (br *browser) get(path string, header ...string) exchange {
	br.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, br.base+path, nil)
	if err != nil {
		br.tb.Fatal(err)
	}
	for _, h := range chromeHeaders {
		req.Header.Set(h[0], h[1])
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	sent0, received0 := br.sent.Load(), br.received.Load()
	res, err := br.client.Do(req)
	if err != nil {
		br.tb.Fatalf("GET %s: %v", path, err)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		br.tb.Fatalf("read %s: %v", path, err)
	}
	sent := br.sent.Load() - sent0
	x := exchange{status: res.StatusCode, header: res.Header, wire: sent + br.received.Load() - received0, sent: sent, coded: len(raw)}
	x.body = decode(br.tb, res.Header.Get("Content-Encoding"), raw)
	return x
}

// navigate is a top-level navigation to path (typed in the address bar).
func (br *browser) navigate(path string) exchange {
	return br.get(path,
		"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
		"Upgrade-Insecure-Requests", "1",
		"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-User", "?1", "Sec-Fetch-Dest", "document")
}

// subresource fetches an asset the page at referer links, with the Accept
// and Sec-Fetch-Dest Chromium uses for its kind.
func (br *browser) subresource(a asset, referer string) exchange {
	accept, dest := "*/*", "script"
	switch a.kind {
	case "stylesheet":
		accept, dest = "text/css,*/*;q=0.1", "style"
	case "image":
		accept, dest = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image"
	}
	return br.get(a.path, "Accept", accept, "Referer", referer,
		"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", dest)
}

// decode undoes a content coding: every one Chromium accepts.
func decode(tb testing.TB, coding string, b []byte) []byte {
	tb.Helper()
	var r io.Reader
	switch coding {
	case "", "identity":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			tb.Fatal(err)
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(b))
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			tb.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		tb.Fatalf("unknown content coding %q", coding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("decoding %s: %v", coding, err)
	}
	return out
}

// asset is a same-origin resource a page makes the browser load.
type asset struct {
	path string // path and query, as linked
	kind string // "script", "stylesheet" or "image"
}

// assetsOf lists what a browser loads for the page base+"/" on its own:
// scripts, stylesheets, icons and images under /static/. Anything else
// same-origin that it would load is a broken premise (not counted).
func assetsOf(tb testing.TB, base string, html []byte) []asset {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	if err != nil {
		tb.Fatal(err)
	}
	origin, _ := url.Parse(base + "/")
	var out []asset
	seen := map[string]bool{}
	add := func(ref, kind string) {
		u, err := origin.Parse(ref)
		if err != nil {
			tb.Fatalf("unparsable asset URL %q: %v", ref, err)
		}
		if u.Host != origin.Host {
			tb.Fatalf("the page loads %s from elsewhere: its bytes would not be counted", ref)
		}
		if !strings.HasPrefix(u.Path, "/static/") {
			tb.Fatalf("the page loads %s, outside /static/ (not counted as an asset)", ref)
		}
		if p := u.RequestURI(); !seen[p] {
			seen[p] = true
			out = append(out, asset{path: p, kind: kind})
		}
	}
	doc.Find("script[src]").Each(func(_ int, s *goquery.Selection) { add(s.AttrOr("src", ""), "script") })
	doc.Find("img[src]").Each(func(_ int, s *goquery.Selection) { add(s.AttrOr("src", ""), "image") })
	doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		switch rel := strings.Fields(strings.ToLower(s.AttrOr("rel", ""))); {
		case containsWord(rel, "stylesheet"):
			add(s.AttrOr("href", ""), "stylesheet")
		case containsWord(rel, "icon"), containsWord(rel, "apple-touch-icon"):
			add(s.AttrOr("href", ""), "image")
		case containsWord(rel, "preload"), containsWord(rel, "modulepreload"), containsWord(rel, "manifest"):
			add(s.AttrOr("href", ""), "script")
		}
	})
	if !doc.Find("link[rel~=icon]").Is("link") {
		// Chromium asks for /favicon.ico when the page names no icon.
		tb.Fatal("the page names no icon: Chromium would also ask for /favicon.ico, which this does not count")
	}
	return out
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

// cachedForever reports whether a browser may reuse the answer without
// asking again: immutable, with a max-age of a day or more.
func cachedForever(h http.Header) bool {
	cc := strings.ToLower(h.Get("Cache-Control"))
	if !strings.Contains(cc, "immutable") || strings.Contains(cc, "no-cache") || strings.Contains(cc, "no-store") {
		return false
	}
	m := maxAge.FindStringSubmatch(cc)
	if m == nil {
		return false
	}
	age, err := strconv.Atoi(m[1])
	return err == nil && age >= 86400
}

var maxAge = regexp.MustCompile(`max-age=(\d+)`)

// taskRows are the rows of the list's table body in html, a page or a rows'
// answer (a bare <tbody>, which an HTML parser drops outside a table, so
// the answer is parsed inside one): whole rows, and the stubs that stand
// for rows the browser already has (data-unchanged).
func taskRows(tb testing.TB, html []byte) (whole, stubs *goquery.Selection) {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(io.MultiReader(strings.NewReader("<table>"), bytes.NewReader(html), strings.NewReader("</table>")))
	if err != nil {
		tb.Fatal(err)
	}
	rows := doc.Find("tbody#task-rows > tr")
	return rows.Not("[data-unchanged]"), rows.Filter("[data-unchanged]")
}

// BenchmarkFirstVisit: a browser with nothing cached opens the list page
// and loads every asset it links; then it comes back. Targets:
// the first visit moves at most 40 KB (40,000 bytes) on the wire, and the
// repeat visit only the page, its assets being cached (immutable, checked
// here, as is that the repeat links the very same asset URLs).
//
// Each op is one fresh browser's first and repeat visit. Reported:
// first-visit-bytes, first-visit-body-bytes (the bodies alone, as sent,
// without either side's headers), repeat-visit-bytes and repeat-visit-requests (1: the
// page alone), html-wire-bytes (the page's exchange on the first visit) and
// html-bytes (the page decoded), assets (how many), rows (task rows on the
// page: the env's seeded demo tasks, one default page).
func BenchmarkFirstVisit(b *testing.B) {
	e := newEnv(b, options{})
	var first, bodies, repeat, repeatReqs, htmlWire, htmlBytes, assets, rows int64
	for b.Loop() {
		br := newBrowser(b, e.url)
		page := br.navigate("/")
		if page.status != http.StatusOK {
			b.Fatalf("GET /: %d", page.status)
		}
		if page.header.Get("Content-Encoding") == "" {
			b.Fatalf("the page came uncompressed (%d bytes) to a browser accepting %q", page.coded, chromeAcceptEncoding)
		}
		whole, _ := taskRows(b, page.body)
		n := whole.Length()
		if n == 0 {
			b.Fatal("the page has no task rows")
		}
		list := assetsOf(b, e.url, page.body)
		if len(list) < 3 {
			b.Fatalf("the page links %d assets, expected at least its stylesheet, htmx and app.js: %v", len(list), list)
		}
		total, body := page.wire, int64(page.coded)
		cached := map[string]bool{}
		for _, a := range list {
			x := br.subresource(a, e.url+"/")
			if x.status != http.StatusOK {
				b.Fatalf("%s: status %d", a.path, x.status)
			}
			if len(x.body) >= 1024 && x.header.Get("Content-Encoding") == "" {
				b.Fatalf("%s: %d bytes sent uncompressed", a.path, len(x.body))
			}
			if !cachedForever(x.header) {
				b.Fatalf("%s: Cache-Control %q: a repeat visit would ask for it again", a.path, x.header.Get("Cache-Control"))
			}
			cached[a.path] = true
			total += x.wire
			body += int64(x.coded)
		}

		// The repeat visit: the page (no-store, so whole), and whatever it
		// links that the first visit did not leave cached.
		again := br.navigate("/")
		if again.status != http.StatusOK {
			b.Fatalf("repeat GET /: %d", again.status)
		}
		rep, reqs := again.wire, int64(1)
		for _, a := range assetsOf(b, e.url, again.body) {
			if cached[a.path] {
				continue
			}
			x := br.subresource(a, e.url+"/")
			rep += x.wire
			reqs++
		}
		first += total
		bodies += body
		repeat += rep
		repeatReqs += reqs
		htmlWire += page.wire
		htmlBytes += int64(len(page.body))
		assets += int64(len(list))
		rows += int64(n)
	}
	per := func(v int64) float64 { return float64(v) / float64(b.N) }
	b.ReportMetric(per(first), "first-visit-bytes")
	b.ReportMetric(per(bodies), "first-visit-body-bytes")
	b.ReportMetric(per(repeat), "repeat-visit-bytes")
	b.ReportMetric(per(repeatReqs), "repeat-visit-requests")
	b.ReportMetric(per(htmlWire), "html-wire-bytes")
	b.ReportMetric(per(htmlBytes), "html-bytes")
	b.ReportMetric(per(assets), "assets")
	b.ReportMetric(per(rows), "rows")
}

// refreshDefault is cmd/web's -refresh default as its settings table
// states it, or defaultRefresh when that cannot be read.
func refreshDefault(tb testing.TB) time.Duration {
	src, err := os.ReadFile("../cmd/web/settings.go")
	if err == nil {
		m := regexp.MustCompile(`flag:\s*"refresh",[^}]*?def:\s*"([^"]+)"`).FindSubmatch(src)
		if m != nil {
			if d, err := time.ParseDuration(string(m[1])); err == nil && d > 0 {
				return d
			}
		}
	}
	tb.Logf("cmd/web's -refresh default not found in cmd/web/settings.go; taking %s", defaultRefresh)
	return defaultRefresh
}

// rowsRefresh is the list's rows refresh as the page declares it.
type rowsRefresh struct {
	path string // the tbody's hx-get
	page string // the page's URL (HX-Current-URL, Referer)
}

// send makes the refresh as htmx 4 and app.js do: htmx's own headers, the
// rows' state app.js copies from #rows-state, and a fetch's Sec-Fetch-*.
func (r rowsRefresh) send(br *browser, state string) exchange {
	return br.get(r.path,
		"HX-Request", "true", "HX-Source", "tbody#task-rows", "HX-Target", "tbody#task-rows",
		"HX-Current-URL", r.page, "HX-Request-Type", "partial", "Accept", "text/html",
		views.RowsStateHeader, state, "Referer", r.page,
		"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "same-origin", "Sec-Fetch-Dest", "empty")
}

// stateOf is the rows' state an answer leaves in #rows-state.
func stateOf(tb testing.TB, html []byte) string {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	if err != nil {
		tb.Fatal(err)
	}
	s, ok := doc.Find("#rows-state").Attr("data-state")
	if !ok {
		tb.Fatal("the answer has no #rows-state")
	}
	return s
}

// BenchmarkIdleTab: an open list tab while nothing changes. Target (issue
// 15): at most 20 KB (20,000 bytes) a minute on the wire at the product's
// default refresh (cmd/web -refresh, 5 s: 12 refreshes a minute), every
// idle answer a bodiless 204; and when one task changes, only its row is
// sent whole.
//
// The page loads with an empty #rows-state, so its first refresh gets the
// rows whole (first-refresh-bytes, once per page load, not part of the
// idle rate); each op after that is one idle refresh with the state that
// answer left. Reported: idle-bytes/refresh (of which idle-request-bytes
// the request, rows-state-bytes its X-Rows-State), idle-bytes/min,
// refreshes/min, first-refresh-bytes, then after one task's status changes:
// changed-rows-sent (whole rows in the answer: target 1), stub-rows-sent
// and changed-answer-bytes; and rows.
func BenchmarkIdleTab(b *testing.B) {
	e := newEnv(b, options{})
	refresh := refreshDefault(b)
	br := newBrowser(b, e.url)
	page := br.navigate("/")
	if page.status != http.StatusOK {
		b.Fatalf("GET /: %d", page.status)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page.body))
	if err != nil {
		b.Fatal(err)
	}
	tbody := doc.Find("tbody#task-rows")
	path, ok := tbody.Attr("hx-get")
	if !ok || path == "" {
		b.Fatal("the list's rows do not refresh (no hx-get on tbody#task-rows): no task in progress on the first page?")
	}
	// Anything else on the page that polls would cost an idle tab too.
	doc.Find("[hx-trigger]").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.AttrOr("hx-trigger", ""), "every ") && s.AttrOr("id", "") != "task-rows" {
			b.Fatalf("%s polls too (hx-trigger %q): the idle figure would leave it out", goquery.NodeName(s), s.AttrOr("hx-trigger", ""))
		}
	})
	state, ok := doc.Find("#rows-state").Attr("data-state")
	if !ok {
		b.Fatal("the page has no #rows-state for app.js to read")
	}
	whole, _ := taskRows(b, page.body)
	rows := whole.Length()
	if rows < 2 {
		b.Fatalf("%d rows on the page: too few to tell one changed row from all", rows)
	}
	// The task to change later: a seeded one whose row is on the page, found
	// by its id in the row's markup (whatever attribute carries it).
	id := ""
	for _, t := range dcssim.Seed(e.clock.Now()) {
		if row, _ := goquery.OuterHtml(whole.First()); strings.Contains(row, t.TaskID) && t.Status != "FAILED" {
			id = t.TaskID
		}
	}
	if id == "" {
		b.Fatal("no seeded task's id in the page's first row (or it has already failed)")
	}
	r := rowsRefresh{path: path, page: e.url + "/"}

	// The page's first refresh: the page said it holds nothing yet (or
	// already something, then nothing needs to come).
	prime := r.send(br, state)
	switch prime.status {
	case http.StatusOK:
		state = stateOf(b, prime.body)
		if state == "" {
			b.Fatal("the rows' answer leaves an empty #rows-state")
		}
	case http.StatusNoContent:
	default:
		b.Fatalf("first refresh: status %d", prime.status)
	}

	var idle, idleSent int64
	for b.Loop() {
		x := r.send(br, state)
		if x.status != http.StatusNoContent || x.coded != 0 {
			b.Fatalf("an idle refresh got %d with %d bytes of body, want 204 and none: %.300q", x.status, x.coded, x.body)
		}
		idle += x.wire
		idleSent += x.sent
	}
	b.StopTimer()

	// One task changes: its row alone comes whole, the others as stubs.
	if err := e.sim.SetStatus(id, "FAILED"); err != nil {
		b.Fatal(err)
	}
	changed := r.send(br, state)
	if changed.status != http.StatusOK {
		b.Fatalf("after %s changed, the refresh got %d, want 200", id, changed.status)
	}
	sent, stubRows := taskRows(b, changed.body)
	wholeSent, stubs := sent.Length(), stubRows.Length()
	if wholeSent+stubs != rows {
		b.Fatalf("the answer has %d whole rows and %d stubs, the page %d rows", wholeSent, stubs, rows)
	}
	if row, _ := goquery.OuterHtml(sent.First()); wholeSent == 0 || !strings.Contains(row, id) {
		b.Fatalf("the answer after %s changed does not carry its row whole", id)
	}

	perRefresh := float64(idle) / float64(b.N)
	perMin := float64(time.Minute / refresh)
	b.ReportMetric(perRefresh, "idle-bytes/refresh")
	b.ReportMetric(float64(idleSent)/float64(b.N), "idle-request-bytes")
	b.ReportMetric(float64(len(state)), "rows-state-bytes")
	b.ReportMetric(perRefresh*perMin, "idle-bytes/min")
	b.ReportMetric(perMin, "refreshes/min")
	b.ReportMetric(float64(prime.wire), "first-refresh-bytes")
	b.ReportMetric(float64(wholeSent), "changed-rows-sent")
	b.ReportMetric(float64(stubs), "stub-rows-sent")
	b.ReportMetric(float64(changed.wire), "changed-answer-bytes")
	b.ReportMetric(float64(rows), "rows")
}
