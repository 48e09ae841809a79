//go:build e2e

package e2e

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// chineseWords are the Latin-script words a Chinese page may show: names
// of things that have no Chinese name in the DCS console either (units,
// protocols, products), and the language switch's own "English".
var chineseWords = map[string]bool{
	"DCS": true, "API": true, "UTC": true, "VPC": true, "VPN": true, "HTTP": true, "ID": true,
	"OBS": true, "CSV": true, "JSON": true, "Redis": true, "English": true,
	"B": true, "KB": true, "MB": true, "GB": true, "KiB": true, "MiB": true, "GiB": true, "TiB": true,
	"ops": true, "s": true, "k": true, "M": true, "G": true,
	"A": true, "Z": true, // "名称（A–Z）"
	"ECS": true, "IP": true, // the migration machine's address, as the console names it
	"INFO": true, "ERROR": true, // log levels, as the API names them
}

// taskData is every text the simulator holds about its tasks (names,
// descriptions, addresses, error messages, ...), longest first: a page
// shows it as the API sent it, in whatever language that is.
func taskData(t *testing.T, sim *dcssim.Simulator) []string {
	t.Helper()
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if v != "" {
				seen[v] = true
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, st := range dcs.KnownStatuses() {
		for _, id := range sim.IDsWithStatus(string(st)) {
			task, _ := sim.Task(id)
			for _, s := range []string{task.TaskName, task.Description, task.ErrorMessage} {
				if s != "" {
					seen[s] = true
				}
			}
			b, err := json.Marshal(task)
			must(t, err)
			var v any
			must(t, json.Unmarshal(b, &v))
			walk(v)
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// latinWord is a word in Latin script.
var latinWord = regexp.MustCompile(`[A-Za-z]+`)

// expectChinese fails if the page, its title or any readable attribute
// shows an English word that is not task data or one of chineseWords.
func expectChinese(t *testing.T, page playwright.Page, where string, data []string, extra ...string) {
	t.Helper()
	must(t, expect.Locator(page.Locator("html")).ToHaveAttribute("lang", "zh-CN"))
	// What the API sent is shown as sent: the time zones' names, ids and
	// addresses (monospace), a task's error message, its log lines.
	v, err := page.Evaluate(`() => {
		let text = document.body.innerText;
		for (const el of document.querySelectorAll("#time-zone, code, .mono, .row-error, [data-testid=field-error-message], [data-testid=log-level], [data-testid=log-message], [data-testid=error-message]")) {
			const t = el.innerText.trim();
			if (t) text = text.split(t).join(" ");
		}
		const parts = [document.title, text];
		for (const el of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
			// A target's region and project, the zones' names: data.
			if (el.closest("#time-zone") || el.matches("[data-testid=audit-target], #task-rows td.target")) continue;
			for (const a of ["aria-label", "title", "placeholder"]) {
				if (el.hasAttribute(a)) parts.push(el.getAttribute(a));
			}
		}
		return parts.join("\n");
	}`)
	must(t, err)
	text := v.(string)
	// The viewer's name (the local operator's) and the target's are data too.
	for _, s := range append(append(slices.Clone(extra), "local", targets.DefaultName), data...) {
		text = strings.ReplaceAll(text, s, " ")
	}
	var left []string
	for _, w := range latinWord.FindAllString(text, -1) {
		if !chineseWords[w] && !slices.Contains(left, w) {
			left = append(left, w)
		}
	}
	if len(left) > 0 {
		t.Errorf("%s: English left on the Chinese page: %v", where, left)
	}
}

// chinesePage is a browser that asks for Simplified Chinese.
func chinesePage(t *testing.T, javaScript bool) playwright.Page {
	t.Helper()
	return newPageWith(t, playwright.BrowserNewContextOptions{Locale: playwright.String("zh-CN"),
		JavaScriptEnabled: playwright.Bool(javaScript)})
}

// TestChineseThroughout: a browser set to zh-CN gets every page and flow
// in Chinese (task data aside): the list and its filters, a task page, the
// stop dialog, its result and a refusal, a batch stop, the audit trail.
// Switching language from the header keeps the page and its filters.
func TestChineseThroughout(t *testing.T) {
	e := newEnv(t, envOptions{})
	data := taskData(t, e.sim)
	page := chinesePage(t, true)

	goTo(t, page, e.baseURL)
	must(t, expect.Locator(listRows(page).First()).ToBeVisible())
	expectChinese(t, page, "list", data)
	choose(t, page, "filter-status", "failed")
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=failed"))
	expectChinese(t, page, "failed tasks", data)

	// The switch keeps the page and its filters, both ways.
	must(t, page.Locator(`[data-testid="lang-switch"] a[data-lang="en"]`).Click())
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=failed"))
	must(t, expect.Locator(page.Locator("html")).ToHaveAttribute("lang", "en"))
	must(t, expect.Locator(page.GetByTestId("filter-status")).ToHaveValue("failed"))
	must(t, page.Locator(`[data-testid="lang-switch"] a[data-lang="zh-CN"]`).Click())
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?status=failed"))
	expectChinese(t, page, "failed tasks, switched back", data)

	// A task page, the stop dialog and the stop's result.
	task := findTask(t, e.sim, withStatus("MIGRATING"))
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	expectChinese(t, page, "task page", data)
	must(t, page.Locator(`#main-state form button[type=submit], [data-testid="task-state"] form button[type=submit]`).First().Click())
	dialog := page.GetByTestId("stop-dialog")
	must(t, expect.Locator(dialog).ToBeVisible())
	expectChinese(t, page, "stop dialog", data)
	must(t, dialog.Locator("textarea[name=reason]").Fill("割接窗口已关闭"))
	must(t, dialog.Locator("button.btn-danger").Click())
	must(t, expect.Locator(page.GetByTestId("task-status").First()).ToHaveAttribute("data-status", regexpMust(`^TERMINAT(ING|ED)$`)))
	expectChinese(t, page, "stop result", data, "割接窗口已关闭")

	// A refused stop: the API's own code and message stay as it sent them.
	refused := findTask(t, e.sim, withStatus("FULLMIGRATING"))
	msg := "The task is being switched over and cannot be stopped."
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{refused.TaskID: {
		Ops: []dcssim.Op{dcssim.OpStop}, Status: 400, Code: "DCS.4957", Message: msg}}})
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, refused.TaskID)))
	must(t, page.Locator(`[data-testid="task-state"] form button[type=submit]`).First().Click())
	must(t, expect.Locator(page.GetByTestId("stop-dialog")).ToBeVisible())
	must(t, page.GetByTestId("stop-dialog").Locator("button.btn-danger").Click())
	alert := page.GetByRole("alert").First()
	must(t, expect.Locator(alert.GetByTestId("error-message")).ToHaveText(msg))
	requestID, err := alert.GetByTestId("error-request-id").TextContent()
	must(t, err)
	expectChinese(t, page, "refused stop", data, msg, "DCS.4957", requestID)
	e.sim.SetFaults(dcssim.Faults{})

	// A batch stop and its result.
	goTo(t, page, e.baseURL)
	boxes := rowBoxes(page)
	must(t, boxes.Nth(0).Check())
	must(t, boxes.Nth(1).Check())
	must(t, page.GetByTestId("stop-selected").Click())
	batch := page.GetByTestId("batch-dialog")
	must(t, expect.Locator(batch).ToBeVisible())
	expectChinese(t, page, "batch dialog", data)
	must(t, batch.Locator("textarea[name=reason]").Fill("批量演练"))
	must(t, batch.Locator("button.btn-danger").Click())
	must(t, expect.Locator(page.GetByTestId("batch-result")).ToBeVisible())
	expectChinese(t, page, "batch result", data, "批量演练")

	// The audit trail, which now holds all of the above.
	goTo(t, page, at(e.baseURL, routes.Audit))
	must(t, expect.Locator(page.GetByTestId("audit-row").First()).ToBeVisible())
	var ids []string
	for _, loc := range []string{"audit-request-id", "audit-error-code"} {
		all, err := page.GetByTestId(loc).AllTextContents()
		must(t, err)
		ids = append(ids, all...)
	}
	expectChinese(t, page, "audit trail", data, append(ids, "割接窗口已关闭", "批量演练", "local", msg)...)
}

// TestChineseWithoutJavaScript: the no-JavaScript stop (confirmation page,
// then the task page with its flash) is Chinese too.
func TestChineseWithoutJavaScript(t *testing.T) {
	e := newEnv(t, envOptions{})
	data := taskData(t, e.sim)
	page := chinesePage(t, false)
	task := findTask(t, e.sim, withStatus("INCRMIGRATING"))
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	expectChinese(t, page, "task page", data)
	must(t, page.Locator(`[data-testid="task-state"] form button[type=submit]`).First().Click())
	must(t, expect.Page(page).ToHaveURL(regexpMust(regexp.QuoteMeta(routes.TaskStopURL(targets.DefaultName, task.TaskID))+`\?`)))
	expectChinese(t, page, "confirmation page", data)
	must(t, page.Locator("textarea[name=reason]").Fill("无脚本停止"))
	must(t, page.Locator("button.btn-danger").Click())
	must(t, expect.Locator(page.GetByTestId("banner-success")).ToContainText("无脚本停止"))
	expectChinese(t, page, "after the stop", data, "无脚本停止")
}
