//go:build e2e

package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// addWaitingTasks adds n tasks waiting for configuration named "idle-…":
// in progress (so the rows refresh) but with nothing that moves by itself.
func addWaitingTasks(t *testing.T, sim *dcssim.Simulator, n int) []string {
	t.Helper()
	task := findTask(t, sim, withStatus("RUNNING"))
	var ids []string
	for i := range n {
		task.TaskID, task.TaskName = dcssim.SeedID(700+i), "idle-"+string(rune('a'+i))
		task.CreatedAt = time.Now().Add(-time.Duration(i+1) * time.Minute).UTC().Format(time.RFC3339)
		sim.Put(task)
		ids = append(ids, task.TaskID)
	}
	return ids
}

// rowsAnswer is one answer to the rows' refresh as the browser got it.
type rowsAnswer struct {
	status int
	bytes  int // request and response, headers and body, as sent
	body   string
}

// watchRows records every finished request of the page's rows refresh;
// the returned function reads their answers. (An event handler must not
// call back into the browser: it runs on playwright's dispatch loop.)
func watchRows(t *testing.T, page playwright.Page) func() []rowsAnswer {
	var mu sync.Mutex
	var finished []playwright.Request
	page.OnRequestFinished(func(r playwright.Request) {
		if strings.Contains(r.URL(), "/task-rows") {
			mu.Lock()
			finished = append(finished, r)
			mu.Unlock()
		}
	})
	var read []rowsAnswer
	return func() []rowsAnswer {
		mu.Lock()
		todo := finished[len(read):]
		mu.Unlock()
		for _, r := range todo {
			var a rowsAnswer
			if res, err := r.Response(); err == nil && res != nil {
				a.status = res.Status()
				if a.status == 200 {
					a.body, _ = res.Text()
				}
			}
			if sizes, err := r.Sizes(); err == nil {
				a.bytes = sizes.RequestHeadersSize + sizes.RequestBodySize + sizes.ResponseHeadersSize + sizes.ResponseBodySize
			}
			read = append(read, a)
		}
		return append([]rowsAnswer(nil), read...)
	}
}

// TestIdleTabCostsNothing: pages and assets arrive compressed; a list tab
// where nothing changes gets nothing but "204 No Content" to its refreshes
// once it holds the rows, while its "Updated" time goes on; when one task
// changes, only that row is sent, the others as stubs the page keeps.
func TestIdleTabCostsNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	ids := addWaitingTasks(t, e.sim, 3)
	page := newPage(t, true)
	answers := watchRows(t, page)
	var mu sync.Mutex
	var loaded []playwright.Response
	page.OnResponse(func(r playwright.Response) {
		mu.Lock()
		loaded = append(loaded, r)
		mu.Unlock()
	})
	goTo(t, page, e.baseURL+"?q=idle-")
	must(t, expect.Locator(listRows(page)).ToHaveCount(3))
	mu.Lock()
	first := append([]playwright.Response(nil), loaded...)
	mu.Unlock()
	pageAndAssets := 0
	for _, r := range first {
		if r.URL() != e.baseURL+"?q=idle-" && !strings.Contains(r.URL(), "/static/") {
			continue
		}
		pageAndAssets++
		if coding, _ := r.HeaderValue("content-encoding"); coding == "" {
			t.Errorf("%s arrived uncompressed", r.URL())
		}
	}
	if pageAndAssets < 4 {
		t.Errorf("saw %d of the page and its assets", pageAndAssets)
	}

	// Once the first refresh has told the page what it holds, the rest are
	// "not changed", and the Updated time still moves.
	deadline := time.Now().Add(10 * time.Second)
	for len(answers()) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	before := len(answers())
	updated, err := page.GetByTestId("updated-at").TextContent()
	must(t, err)
	time.Sleep(30 * time.Second)
	idle := answers()[before:]
	bytes := 0
	for _, a := range idle {
		if a.status != 204 {
			t.Errorf("an idle refresh got %d: %.200q", a.status, a.body)
		}
		bytes += a.bytes
	}
	if len(idle) < 20 {
		t.Errorf("only %d refreshes in 30 s", len(idle))
	}
	t.Logf("idle list tab: %d refreshes in 30 s, %d bytes on the wire (%.1f KB a minute at this rate; at the default 5 s refresh, %.1f KB a minute)",
		len(idle), bytes, float64(bytes)*2/1000, float64(bytes)/float64(max(len(idle), 1))*12/1000)
	must(t, expect.Locator(page.GetByTestId("updated-at")).Not().ToHaveText(updated))

	// One task changes: its row alone comes whole.
	n := len(answers())
	must(t, e.sim.SetStatus(ids[1], "FAILED"))
	changed := rowBadge(rowOf(page, ids[1]))
	must(t, expect.Locator(changed).ToHaveAttribute("data-status", "FAILED"))
	var sent *rowsAnswer
	for _, a := range answers()[n:] {
		if a.status == 200 {
			sent = &a
			break
		}
	}
	if sent == nil {
		t.Fatal("no answer carried the change")
	}
	if whole, stubs := strings.Count(sent.body, `<tr id="row-`)-strings.Count(sent.body, "data-unchanged"), strings.Count(sent.body, "data-unchanged"); whole != 1 || stubs != 2 {
		t.Errorf("the change came as %d whole rows and %d stubs, want 1 and 2", whole, stubs)
	}
	must(t, expect.Locator(listRows(page)).ToHaveCount(3))
	for _, id := range []string{ids[0], ids[2]} {
		must(t, expect.Locator(rowBadge(rowOf(page, id))).ToHaveAttribute("data-status", "RUNNING"))
	}
}
