package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// pageKind is which dashboard page a soak request asks for.
type pageKind int

const (
	kindList   pageKind = iota // /?page=N
	kindDetail                 // /tasks/{id}
	numKinds
)

var kindNames = [numKinds]string{"list", "detail"}

// markers prove that a 200 answer is the page asked for, not an empty
// shell: the task table of a list page that has rows, a task's name.
var markers = [numKinds][]byte{[]byte(`data-testid="task-table"`), []byte(`data-testid="task-name"`)}

// outcome classifies one answer.
type outcome int

const (
	outOK             outcome = iota // 200, marker present, no error banner
	outUpstreamPage                  // 404/409/502/504 page whose banner names the upstream's answer
	outUpstreamBanner                // 200, marker present, a panel's banner names the upstream's answer
	outDashboard                     // anything else: the dashboard's own failure
	numOutcomes
)

var (
	bannerError = []byte(`data-testid="banner-error"`)
	// Every upstream banner shows the HTTP status the DCS API answered
	// (views.BannerView); the dashboard's own failures carry none.
	bannerStatus = regexp.MustCompile(`data-testid="error-http-status">(\d{3})<`)
	// A timeout has no upstream answer to show, only this text
	// (handlers.upstreamBanner); it is the upstream's doing all the same.
	timeoutText = []byte("The DCS API did not answer in time.")
)

// upstreamPageStatus are the statuses the dashboard answers a failed
// upstream call with (handlers.upstreamStatus), 500 excluded: that one
// means the error was not the API's.
var upstreamPageStatus = map[int]bool{404: true, 409: true, 502: true, 504: true}

// classify decides what an answer was, from its status and body. claims
// are the upstream HTTP statuses its banners name (0 for a timeout), to be
// checked against what the simulator answered; reason says why an answer
// counts as the dashboard's own failure.
func classify(kind pageKind, status int, body []byte) (o outcome, claims []int, reason string) {
	banners := bytes.Count(body, bannerError)
	for _, m := range bannerStatus.FindAllSubmatch(body, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		claims = append(claims, n)
	}
	for range bytes.Count(body, timeoutText) {
		claims = append(claims, 0)
	}
	// Every error banner must be an upstream one: a page with one upstream
	// banner and one of the dashboard's own is still the dashboard's fault.
	upstream := banners > 0 && len(claims) == banners
	switch {
	case status == http.StatusOK && !bytes.Contains(body, markers[kind]):
		return outDashboard, nil, fmt.Sprintf("200 without %s", markers[kind])
	case status == http.StatusOK && banners == 0:
		return outOK, nil, ""
	case status == http.StatusOK && upstream:
		return outUpstreamBanner, claims, ""
	case status == http.StatusOK:
		return outDashboard, nil, "200 with an error banner naming no upstream answer"
	case upstreamPageStatus[status] && upstream:
		return outUpstreamPage, claims, ""
	case upstreamPageStatus[status]:
		return outDashboard, nil, fmt.Sprintf("HTTP %d without an upstream error banner", status)
	}
	return outDashboard, nil, fmt.Sprintf("HTTP %d", status)
}

// tally is what was seen for one page kind.
type tally struct {
	counts  [numOutcomes]int
	lat     []time.Duration // answers that were not the dashboard's failure
	claims  map[int]int     // upstream status named by a banner -> banners
	reasons map[string]int  // the dashboard's failures by reason
	example map[string]string
}

func (t *tally) add(u *tally) {
	for i := range t.counts {
		t.counts[i] += u.counts[i]
	}
	t.lat = append(t.lat, u.lat...)
	for k, v := range u.claims {
		t.claim(k, v)
	}
	for k, v := range u.reasons {
		t.fail(k, v, u.example[k])
	}
}

// claim counts n banners naming upstream status st.
func (t *tally) claim(st, n int) {
	if t.claims == nil {
		t.claims = map[int]int{}
	}
	t.claims[st] += n
}

// fail counts n failures of the dashboard's own for reason, keeping the
// first example of each.
func (t *tally) fail(reason string, n int, example string) {
	if t.reasons == nil {
		t.reasons, t.example = map[string]int{}, map[string]string{}
	}
	t.reasons[reason] += n
	if _, ok := t.example[reason]; !ok {
		t.example[reason] = example
	}
}

func (t *tally) requests() int {
	return t.counts[outOK] + t.counts[outUpstreamPage] + t.counts[outUpstreamBanner] + t.counts[outDashboard]
}

// soakResult is the soak's figures per page kind.
type soakResult struct {
	kinds   [numKinds]tally
	elapsed time.Duration
}

func (r soakResult) total() tally {
	var t tally
	for i := range r.kinds {
		t.add(&r.kinds[i])
	}
	return t
}

// soak is the load: browsers (one cookie jar per client) over the seeded
// tasks' list pages and detail pages.
type soak struct {
	b     *browsers
	base  string
	ids   []string // the simulator's seeded task ids
	pages int      // list pages those ids fill
	sim   *simServer
}

// newSoak takes the task ids from dcssim.Seed, which is what the in-process
// simulator was built from (startSim passes no tasks), so no request is
// spent discovering them and every id is one the simulator knows.
func newSoak(clients int, dashURL string, sim *simServer) *soak {
	var ids []string
	for _, t := range dcssim.Seed(time.Now()) {
		ids = append(ids, t.TaskID)
	}
	return &soak{b: &browsers{client: loadClient(clients), cookies: make([]string, clients)},
		base: strings.TrimSuffix(dashURL, "/"), ids: ids, pages: (len(ids) + listLimit - 1) / listLimit, sim: sim}
}

// url is the page client w asks for on its i-th request: list and detail in
// turn, each client starting at a different page and task, as people do.
func (s *soak) url(w, i int) (pageKind, string) {
	n := w + i/2
	if i%2 == 0 {
		return kindList, s.base + listquery.Query{Page: n%s.pages + 1}.URL()
	}
	return kindDetail, s.base + routes.TaskURL(targets.DefaultName, s.ids[(n*7)%len(s.ids)])
}

// check fetches every list page and one detail page once, before any
// fault, and insists each is a working page: otherwise the soak would
// measure error pages.
func (s *soak) check(ctx context.Context) error {
	for i := range 2 * s.pages {
		kind, url := s.url(i/2, i%2)
		var body bytes.Buffer
		status, err := s.b.send(ctx, 0, url, &body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		if o, _, reason := classify(kind, status, body.Bytes()); o != outOK {
			return fmt.Errorf("GET %s without faults: %s (HTTP %d)", url, cmp.Or(reason, "an error banner"), status)
		}
	}
	return nil
}

// run drives the clients for d in a closed loop, like drive: each sends its
// next request when the last one answered, and requests in flight at the
// deadline finish and count.
func (s *soak) run(ctx context.Context, d time.Duration) soakResult {
	per := make([][numKinds]tally, len(s.b.cookies))
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range per {
		wg.Go(func() {
			var body bytes.Buffer
			for i := 0; ctx.Err() == nil && time.Now().Before(deadline); i++ {
				kind, url := s.url(w, i)
				body.Reset()
				t0 := time.Now()
				status, err := s.b.send(ctx, w, url, &body)
				lat := time.Since(t0)
				t := &per[w][kind]
				o, claims, reason := classify(kind, status, body.Bytes())
				if err != nil {
					// No answer, a cut body or a client timeout: the
					// dashboard's doing, since the upstream is behind it.
					o, reason = outDashboard, "transport: "+errClass(err)
				}
				t.counts[o]++
				if o == outDashboard {
					example := fmt.Sprintf("GET %s: HTTP %d after %s", url, status, lat.Round(time.Millisecond))
					if err != nil {
						example = fmt.Sprintf("GET %s: %v after %s", url, err, lat.Round(time.Millisecond))
					}
					t.fail(reason, 1, example)
					continue
				}
				t.lat = append(t.lat, lat)
				for _, c := range claims {
					t.claim(c, 1)
				}
			}
		})
	}
	wg.Wait()
	r := soakResult{elapsed: time.Since(start)}
	for w := range per {
		for k := range per[w] {
			r.kinds[k].add(&per[w][k])
		}
	}
	return r
}

// errClass is the error's text without the URL and address parts that
// differ between requests, so that equal failures group together.
func errClass(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}
