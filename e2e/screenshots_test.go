//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// screenshotDir is where TestScreenshots writes: docs/screenshots when
// SCREENSHOTS=1 (make screenshots), a temporary folder otherwise, so the
// suite still walks every page and state shown in the README.
func screenshotDir(t *testing.T) string {
	if os.Getenv("SCREENSHOTS") == "1" {
		dir := filepath.Join("..", "docs", "screenshots")
		must(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}

// TestScreenshots takes the README's pictures: the list, a task's page, the
// stop dialog, a batch result and the audit trail, in the light and the
// dark theme and on a phone, each after the state it shows is on screen.
func TestScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	looks := []struct {
		name string
		opts playwright.BrowserNewContextOptions
	}{
		{"light", playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 1440, Height: 900}, ColorScheme: playwright.ColorSchemeLight}},
		{"dark", playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 1440, Height: 900}, ColorScheme: playwright.ColorSchemeDark}},
		{"phone", playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 390, Height: 844}, ColorScheme: playwright.ColorSchemeLight,
			IsMobile: playwright.Bool(true), HasTouch: playwright.Bool(true), DeviceScaleFactor: playwright.Float(2)}},
	}
	for _, look := range looks {
		t.Run(look.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			page := newPageWith(t, look.opts)
			shot := func(what string) {
				t.Helper()
				_, err := page.Screenshot(playwright.PageScreenshotOptions{
					Path: playwright.String(filepath.Join(dir, what+"-"+look.name+".png"))})
				must(t, err)
			}

			goTo(t, page, e.baseURL)
			must(t, expect.Locator(listRows(page).First()).ToBeVisible())
			shot("list")

			failed := findTask(t, e.sim, withStatus("FAILED"))
			goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, failed.TaskID)))
			must(t, expect.Locator(page.GetByTestId("field-error-message")).ToBeVisible())
			shot("task-failed")

			running := findTask(t, e.sim, withStatus("FULLMIGRATING"))
			goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, running.TaskID)))
			must(t, expect.Locator(page.GetByTestId("progress")).ToBeVisible())
			shot("task")
			dialog := openStopDialog(t, page, running)
			must(t, dialog.GetByLabel("Reason").Fill("Cut-over window closed; resume tomorrow 02:00."))
			shot("dialog")

			goTo(t, page, e.baseURL)
			boxes := rowBoxes(page)
			refusedRef, err := boxes.Nth(1).GetAttribute("value")
			must(t, err)
			_, refusedID, _ := routes.ParseTaskRef(refusedRef)
			e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{refusedID: {
				Ops: []dcssim.Op{dcssim.OpBatchStop}, Status: 400, Code: "DCS.4957", Message: "The task is being switched over and cannot be stopped."}}})
			for i := range 3 {
				must(t, boxes.Nth(i).Check())
			}
			must(t, page.GetByTestId("stop-selected").Click())
			must(t, page.GetByRole("dialog").GetByLabel("Reason").Fill("Weekend freeze"))
			must(t, page.GetByRole("dialog").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Stop 3 tasks"}).Click())
			must(t, expect.Locator(page.GetByTestId("batch-result")).ToBeVisible())
			shot("batch-result")

			goTo(t, page, at(e.baseURL, routes.Audit))
			must(t, expect.Locator(page.GetByTestId("audit-row").First()).ToBeVisible())
			shot("audit")
		})
	}
}

// TestScreenshotsChinese takes the README's pictures of the Chinese list
// and task page (a browser set to zh-CN; fonts-noto-cjk draws them).
func TestScreenshotsChinese(t *testing.T) {
	dir := screenshotDir(t)
	e := newEnv(t, envOptions{})
	page := newPageWith(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 1440, Height: 900},
		ColorScheme: playwright.ColorSchemeLight, Locale: playwright.String("zh-CN")})
	shot := func(what string) {
		t.Helper()
		_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(dir, what+"-zh.png"))})
		must(t, err)
	}
	goTo(t, page, e.baseURL)
	must(t, expect.Locator(page.Locator("html")).ToHaveAttribute("lang", "zh-CN"))
	must(t, expect.Locator(listRows(page).First()).ToBeVisible())
	shot("list")
	running := findTask(t, e.sim, withStatus("FULLMIGRATING"))
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, running.TaskID)))
	must(t, expect.Locator(page.GetByTestId("progress")).ToBeVisible())
	shot("task")
}
