package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// measure is one target's figures plus what the simulator saw meanwhile.
type measure struct {
	phase
	name     string
	simCalls int           // API calls the simulator counted (every operation)
	simConns int64         // TCP connections the simulator accepted
	cpu      time.Duration // CPU the measured process used (dashboard only)
}

// target is one thing under load: how to send a request and, for a
// dashboard, how to read its process's CPU time.
type target struct {
	name string
	do   request
	cpu  func() (time.Duration, error) // nil: not measured
	m    measure
}

// warm sends load that is not counted: connections open, heaps grow.
func (t *target) warm(ctx context.Context, o options) {
	if o.warmup > 0 {
		drive(ctx, o.warmup, o.concurrency, t.do)
	}
}

// slice measures the target for d and adds the figures to t.m, with the
// simulator's counters and the CPU clock read around this slice only.
func (t *target) slice(ctx context.Context, d time.Duration, conc int, sim *simServer) error {
	var cpu0 time.Duration
	if t.cpu != nil {
		var err error
		if cpu0, err = t.cpu(); err != nil {
			return err
		}
	}
	calls0, conns0 := simCalls(sim), sim.conns.Load()
	p := drive(ctx, d, conc, t.do)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted while measuring %s: %w", t.name, err)
	}
	t.m.add(p)
	t.m.simCalls += simCalls(sim) - calls0
	t.m.simConns += sim.conns.Load() - conns0
	if t.cpu != nil {
		cpu1, err := t.cpu()
		if err != nil {
			return err
		}
		t.m.cpu += cpu1 - cpu0
	}
	return nil
}

func simCalls(sim *simServer) int {
	n := 0
	for _, c := range sim.sim.CallCounts() {
		n += c
	}
	return n
}

// dashboardTarget loads the dashboard with browser-like workers, after one
// request that proves the page renders what it should. name names the
// target in the report.
func dashboardTarget(ctx context.Context, o options, dash *dashboard, name string) (*target, error) {
	b := &browsers{client: loadClient(o.concurrency), url: strings.TrimSuffix(dash.url, "/") + o.path,
		cookies: make([]string, o.concurrency)}
	if err := b.check(ctx, o.path == "/"); err != nil {
		return nil, fmt.Errorf("%s: GET %s: %w\ndashboard output:\n%s", name, b.url, err, dash.logs)
	}
	pid := dash.pid()
	return &target{name: name, do: b.get, cpu: func() (time.Duration, error) { return readCPU(pid) },
		m: measure{name: name}}, nil
}

// directTarget calls ListMigrationTask through a dcs.Client of its own,
// after one call that proves the simulator answers with tasks.
func directTarget(ctx context.Context, sim *simServer) (*target, error) {
	c, err := dcs.NewClient(dcs.Config{Endpoint: sim.endpoint, ProjectID: simProject,
		AccessKey: sim.ak, SecretKey: sim.sk, Timeout: 15 * time.Second})
	if err != nil {
		return nil, err
	}
	if calls, err := pageCalls(ctx, c); err != nil || calls < 2 {
		return nil, fmt.Errorf("direct: a page would make %d calls (%v); the seed should have tasks in progress", calls, err)
	}
	page := func(ctx context.Context, _ int) error {
		_, err := pageCalls(ctx, c)
		return err
	}
	return &target{name: "direct", do: page, m: measure{name: "direct"}}, nil
}

// pageCalls makes, straight through the SDK client, the calls a list page
// makes when nothing is shared: the target's tasks in one page of
// taskcache.PageSize, then the progress of each online migration under
// way among the first listLimit, newest first (the list's default order),
// handlers.ProgressLookups at a time. It returns how many calls it made.
func pageCalls(ctx context.Context, c *dcs.Client) (int, error) {
	page, err := c.List(ctx, dcs.ListOptions{Limit: taskcache.PageSize})
	if err != nil {
		return 1, err
	}
	tasks := slices.Clone(page.Tasks)
	slices.SortStableFunc(tasks, func(a, b dcs.Task) int { return b.CreatedAt.Time.Compare(a.CreatedAt.Time) })
	var ids []string
	for _, t := range tasks[:min(listLimit, len(tasks))] {
		if t.ReportsProgress() {
			ids = append(ids, t.ID)
		}
	}
	errs := make([]error, len(ids))
	sem := make(chan struct{}, handlers.ProgressLookups)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, errs[i] = c.Stats(ctx, id)
		})
	}
	wg.Wait()
	return 1 + len(ids), errors.Join(errs...)
}

// browsers are the load workers, one returning browser each: a worker sends
// back the session cookie its first answer set, as a browser does, so the
// dashboard verifies a session per page instead of minting and encrypting
// a new one (the cookie is Secure, so http.CookieJar would not send it
// over plain HTTP; it is copied by hand).
type browsers struct {
	client  *http.Client
	url     string
	cookies []string // per worker, "name=value; ..."
}

// get requests the page once and reads the whole answer, as a browser
// does; anything but 200 counts as an error.
func (b *browsers) get(ctx context.Context, w int) error {
	return b.fetch(ctx, w, io.Discard)
}

// listRowMarker starts every task row of the list page (views/listrow.go
// writes each as <tr id="row-TARGET-ID">).
const listRowMarker = `<tr id="row-`

// check requests the page once and, for the list page, makes sure it lists
// tasks: a page of error banners would measure the wrong thing.
func (b *browsers) check(ctx context.Context, wantRows bool) error {
	var body strings.Builder
	if err := b.fetch(ctx, 0, &body); err != nil {
		return err
	}
	if wantRows && !strings.Contains(body.String(), listRowMarker) {
		return fmt.Errorf("the list page shows no task rows")
	}
	return nil
}

// fetch sends worker w's request and copies the answer's body to sink.
func (b *browsers) fetch(ctx context.Context, w int, sink io.Writer) error {
	status, err := b.send(ctx, w, b.url, sink)
	if status != 0 && status != http.StatusOK {
		return fmt.Errorf("HTTP %d", status)
	}
	return err
}

// send GETs url as worker w (with its cookies), copies the whole body to
// sink and returns the status; 0 means no answer arrived.
func (b *browsers) send(ctx context.Context, w int, url string, sink io.Writer) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/html")
	if c := b.cookies[w]; c != "" {
		req.Header.Set("Cookie", c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Read to the end so the connection goes back to the pool.
	_, err = io.Copy(sink, resp.Body)
	if b.cookies[w] == "" {
		var kv []string
		for _, c := range resp.Cookies() {
			kv = append(kv, c.Name+"="+c.Value)
		}
		b.cookies[w] = strings.Join(kv, "; ")
	}
	return resp.StatusCode, err
}

// loadClient keeps one idle connection per worker (the default of two per
// host would close and reopen connections under load and measure TCP
// setup), sends through no proxy, and dials loopback addresses only.
func loadClient(conc int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !loopbackHost(addr) {
				return nil, fmt.Errorf("refusing to dial %s: dcsload talks to loopback only", addr)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		IdleConnTimeout:     90 * time.Second,
		// The dashboard does not compress; asking for gzip would only add
		// a header.
		DisableCompression: true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   time.Minute, // beyond the dashboard's own 15s upstream bound
		// A redirect (to a login page, say) is an answer to count, not follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// table writes aligned, whitespace-separated columns.
type table struct{ tw *tabwriter.Writer }

func newTable(out io.Writer) *table { return &table{tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)} }

func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, c)
	}
	fmt.Fprintln(t.tw)
}

func (t *table) flush() { _ = t.tw.Flush() }
