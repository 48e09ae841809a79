//go:build e2e

package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// highlighted is the row the keyboard highlight is on (at most one).
func highlighted(page playwright.Page) playwright.Locator {
	return page.Locator(`#task-rows > tr[aria-current="true"]`)
}

// expectHighlight checks that exactly the row of task id is highlighted.
func expectHighlight(t *testing.T, page playwright.Page, id string) {
	t.Helper()
	must(t, expect.Locator(highlighted(page)).ToHaveCount(1))
	must(t, expect.Locator(highlighted(page)).ToHaveAttribute("id", regexpMust(`-`+regexp.QuoteMeta(id)+`$`)))
	must(t, expect.Locator(highlighted(page)).ToHaveClass(regexpMust(`(^|\s)row-current(\s|$)`)))
}

func press(t *testing.T, page playwright.Page, keys ...string) {
	t.Helper()
	for _, k := range keys {
		must(t, page.Keyboard().Press(k))
	}
}

// expectNoStop: no stop was sent and no confirmation dialog is open.
func expectNoStop(t *testing.T, e *env, page playwright.Page) {
	t.Helper()
	must(t, expect.Locator(page.Locator("dialog[open]")).ToHaveCount(0))
	if n := e.sim.Calls(dcssim.OpStop) + e.sim.Calls(dcssim.OpBatchStop); n != 0 {
		t.Fatalf("keys sent %d stop calls", n)
	}
}

// TestKeyboardNavigation: "/" focuses the search box, j and k move a
// highlight over the rows that survives the rows' refresh, Enter opens the
// highlighted task, and no key ever stops one.
func TestKeyboardNavigation(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	goTo(t, page, e.baseURL)

	rows := listRows(page)
	must(t, expect.Locator(rows).ToHaveCount(20))
	// A task on this page is in progress, so the rows refresh by themselves.
	must(t, expect.Locator(page.Locator("tbody#task-rows[data-poll]")).ToHaveCount(1))
	first, second := rowTaskID(t, rows.Nth(0)), rowTaskID(t, rows.Nth(1))

	// Enter with no highlighted row does nothing.
	_, err := page.Evaluate(`() => { window.__kbSameDocument = true }`)
	must(t, err)
	press(t, page, "Enter")
	time.Sleep(500 * time.Millisecond) // a navigation would have started by now
	same, err := page.Evaluate(`() => window.__kbSameDocument === true`)
	must(t, err)
	if same != true || page.URL() != e.baseURL {
		t.Fatalf("Enter with no highlighted row left the list (now at %s)", page.URL())
	}
	must(t, expect.Locator(highlighted(page)).ToHaveCount(0))

	// "/" focuses the search box and is not typed into it.
	search := page.GetByTestId("search-input")
	press(t, page, "/")
	must(t, expect.Locator(search).ToBeFocused())
	must(t, expect.Locator(search).ToHaveValue(""))
	must(t, search.Blur())
	must(t, expect.Locator(search).Not().ToBeFocused())

	// The first j lands on the first row; then j j k ends on the second.
	press(t, page, "j")
	expectHighlight(t, page, first)
	press(t, page, "j", "j", "k")
	expectHighlight(t, page, second)

	// Enter opens the highlighted task.
	press(t, page, "Enter")
	must(t, expect.Page(page).ToHaveURL(at(e.baseURL, routes.TaskURL(targets.DefaultName, second))))
	must(t, expect.Locator(page.GetByTestId("task-name")).ToBeVisible())
	press(t, page, "s", "Delete", "Enter", "j", "k", "Escape")
	expectNoStop(t, e, page)

	// Back on the list: keys typed in the search box stay there.
	_, err = page.GoBack()
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(e.baseURL))
	must(t, expect.Locator(rows).ToHaveCount(20))
	press(t, page, "Escape") // whether or not the page came back from the cache
	must(t, expect.Locator(highlighted(page)).ToHaveCount(0))
	press(t, page, "j")
	expectHighlight(t, page, first)
	must(t, search.Fill("zz"))
	must(t, search.Blur())
	press(t, page, "/")
	must(t, expect.Locator(search).ToBeFocused())
	// Real key presses: playwright-go's Keyboard.Type only inserts text and
	// sends no keydown. "/" selected "zz", so the keys replace it; the
	// search then applies (no task is named so), and the box keeps them.
	press(t, page, "j", "j", "k", "j")
	must(t, expect.Locator(search).ToHaveValue("jjkj"))
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?q=jjkj"))
	must(t, expect.Locator(search).ToBeFocused())
	must(t, expect.Locator(rows).ToHaveCount(0))
	must(t, search.Fill(""))
	must(t, expect.Page(page).ToHaveURL(e.baseURL))
	must(t, expect.Locator(rows).ToHaveCount(20))
	must(t, search.Blur())
	must(t, expect.Locator(search).Not().ToBeFocused())

	// The rows refresh (htmx morphs the table body); the highlight stays
	// on the same task.
	press(t, page, "j", "j")
	expectHighlight(t, page, second)
	_, err = page.Evaluate(`() => {
		window.__kbSwaps = 0;
		document.addEventListener("htmx:after:swap", () => { window.__kbSwaps++; });
	}`)
	must(t, err)
	for i := 1; i <= 2; i++ {
		// (WaitForFunction would evaluate a string, which the page's CSP refuses.)
		deadline := time.Now().Add(10 * time.Second)
		for {
			swaps, err := page.Evaluate(`() => window.__kbSwaps`)
			must(t, err)
			if n, ok := swaps.(int); ok && n >= i {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the rows did not refresh")
			}
			time.Sleep(50 * time.Millisecond)
		}
		expectHighlight(t, page, second)
	}

	// Escape clears the highlight; Enter then does nothing.
	press(t, page, "Escape")
	must(t, expect.Locator(highlighted(page)).ToHaveCount(0))
	_, err = page.Evaluate(`() => { window.__kbSameDocument = true }`)
	must(t, err)
	press(t, page, "Enter")
	time.Sleep(500 * time.Millisecond)
	same, err = page.Evaluate(`() => window.__kbSameDocument === true`)
	must(t, err)
	if same != true || page.URL() != e.baseURL {
		t.Fatalf("Enter after Escape left the list (now at %s)", page.URL())
	}

	// No key stops a task: highlight a row that offers Stop and press
	// everything that might look like it.
	stoppable := rows.Filter(playwright.LocatorFilterOptions{
		Has: page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Stop", Exact: playwright.Bool(true)}),
	}).First()
	target := rowTaskID(t, stoppable)
	for i := 0; ; i++ {
		if i == 20 {
			t.Fatalf("j never reached the stoppable task %s", target)
		}
		press(t, page, "j")
		if rowTaskID(t, highlighted(page)) == target {
			break
		}
	}
	press(t, page, "s", "S", "x", "t", "Delete", "Backspace", "Shift+Enter", "Control+Enter")
	expectNoStop(t, e, page)
	expectHighlight(t, page, target)
	must(t, expect.Locator(button(page, "Stop task")).ToHaveCount(0))
	press(t, page, "Enter")
	must(t, expect.Page(page).ToHaveURL(at(e.baseURL, routes.TaskURL(targets.DefaultName, target))))
	must(t, expect.Locator(button(page, "Stop")).ToBeVisible())
	press(t, page, "s", "Delete", "Backspace", "Enter", "Escape")
	time.Sleep(500 * time.Millisecond) // a stop, had one been sent, would be in by now
	expectNoStop(t, e, page)
	must(t, expect.Page(page).ToHaveURL(at(e.baseURL, routes.TaskURL(targets.DefaultName, target))))
}
