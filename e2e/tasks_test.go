//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// findTask returns the first seeded task matching pred.
func findTask(t *testing.T, sim *dcssim.Simulator, pred func(dcssim.Task) bool) dcssim.Task {
	t.Helper()
	for _, st := range dcs.KnownStatuses() {
		for _, id := range sim.IDsWithStatus(string(st)) {
			if task, ok := sim.Task(id); ok && pred(task) {
				return task
			}
		}
	}
	t.Fatal("no seeded task matches")
	return dcssim.Task{}
}

func withStatus(status string) func(dcssim.Task) bool {
	return func(task dcssim.Task) bool { return task.Status == status }
}

// TestListSearchAndPaging: the list pages with Next and Previous and the
// name search narrows it through the API's name filter.
func TestListSearchAndPaging(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := newPage(t, true)
	goTo(t, page, e.baseURL)

	rows := listRows(page)
	must(t, expect.Locator(rows).ToHaveCount(20))
	must(t, expect.Locator(page.GetByTestId("demo-banner")).ToHaveCount(0))
	total := e.sim.CallCounts() // the list was read at least once
	if total[dcssim.OpList] == 0 {
		t.Fatal("the list page did not call ListMigrationTask")
	}

	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Next", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Page(page).ToHaveURL(e.baseURL+"?page=2"))
	must(t, expect.Locator(page.GetByTestId("list-summary")).ToContainText("Showing 21–"))
	n, err := rows.Count()
	must(t, err)
	if n == 0 || n > 20 {
		t.Fatalf("page 2 has %d rows", n)
	}
	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Previous", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Locator(page.GetByTestId("list-summary")).ToContainText("Showing 1–20"))

	// Search by a fragment of a Chinese name.
	chinese := findTask(t, e.sim, func(task dcssim.Task) bool { return hasHan(task.TaskName) })
	fragment := []rune(chinese.TaskName)
	query := string(fragment[:min(4, len(fragment))])
	must(t, page.GetByTestId("search-input").Fill(query))
	must(t, page.GetByTestId("search-input").Press("Enter"))
	must(t, expect.Locator(page.GetByTestId("list-summary")).ToContainText(query))
	links, err := page.Locator("#task-rows td.name > a").AllTextContents()
	must(t, err)
	if len(links) == 0 {
		t.Fatalf("search %q found nothing", query)
	}
	for _, name := range links {
		if !strings.Contains(strings.ToLower(name), strings.ToLower(query)) {
			t.Errorf("search %q shows %q", query, name)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

// TestDetailFields: a task's page shows every field of the API's answer,
// reached by clicking its name in the list.
func TestDetailFields(t *testing.T) {
	e := newEnv(t, envOptions{})
	obs := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.BackupFiles != nil && task.BackupFiles.FileSource == dcs.FileSourceOBS && len(task.BackupFiles.Files) > 1
	})
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, obs.TaskID)))

	must(t, expect.Locator(page.GetByTestId("task-name")).ToHaveText(obs.TaskName))
	must(t, expect.Locator(page.GetByTestId("field-type")).ToHaveText("Backup file import"))
	must(t, expect.Locator(page.GetByTestId("field-file-source")).ToHaveText("OBS bucket"))
	must(t, expect.Locator(page.GetByTestId("field-bucket")).ToHaveText(obs.BackupFiles.BucketName))
	must(t, expect.Locator(page.GetByTestId("backup-file")).ToHaveCount(len(obs.BackupFiles.Files)))
	for _, f := range obs.BackupFiles.Files {
		row := page.GetByTestId("backup-file").Filter(playwright.LocatorFilterOptions{HasText: f.FileName})
		must(t, expect.Locator(row.GetByTestId("file-bytes")).ToContainText("bytes"))
		must(t, expect.Locator(row.GetByTestId("file-size")).ToHaveText(sizePattern))
	}
	for _, id := range []string{"field-method", "field-network", "field-created", "field-target-id", "field-target-name"} {
		must(t, expect.Locator(page.GetByTestId(id)).ToBeVisible())
	}

	record := findTask(t, e.sim, func(task dcssim.Task) bool {
		return task.BackupFiles != nil && task.BackupFiles.FileSource == dcs.FileSourceBackupRecord
	})
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, record.TaskID)))
	must(t, expect.Locator(page.GetByTestId("field-file-source")).ToHaveText("Backup record"))
	must(t, expect.Locator(page.GetByTestId("field-backup-id")).ToHaveText(record.BackupFiles.BackupID))

	online := findTask(t, e.sim, withStatus("INCRMIGRATING"))
	goTo(t, page, e.baseURL)
	must(t, page.GetByTestId("search-input").Fill(online.TaskName))
	must(t, page.GetByTestId("search-input").Press("Enter"))
	must(t, page.Locator("#task-rows td.name > a").Filter(playwright.LocatorFilterOptions{HasText: online.TaskName}).First().Click())
	must(t, expect.Page(page).ToHaveURL(at(e.baseURL, routes.TaskURL(targets.DefaultName, online.TaskID))))
	must(t, expect.Locator(page.GetByTestId("field-source-addrs")).ToHaveText(online.SourceInstance.Addrs))
	must(t, expect.Locator(page.GetByTestId("field-ecs-ip")).ToHaveText(online.EcsTenantPrivateIP))
	must(t, expect.Locator(page.GetByTestId("field-network")).ToHaveText(strings.ToUpper(online.NetworkType)))
	// Progress and logs of an online migration.
	must(t, expect.Locator(page.Locator("progress")).ToBeVisible())
	must(t, expect.Locator(page.GetByTestId("progress-percent")).ToContainText("%"))
	must(t, expect.Locator(page.GetByTestId("stat-source-keys")).ToBeVisible())
	must(t, expect.Locator(page.GetByTestId("log-entry").First()).ToBeVisible())
}

var sizePattern = regexpMust(`^\d+(\.\d)? (B|KiB|MiB|GiB|TiB)$`)
