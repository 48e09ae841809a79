package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(1)>`

// noMarkup fails if an answer carries the hostile text as live markup.
func noMarkup(t *testing.T, what string, r *resp) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(1)>"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("%s contains %q unescaped", what, bad)
		}
	}
	if r.doc.Find("img").Length() != 0 || r.doc.Find("script:not([src]):not([type=application/json])").Length() != 0 {
		t.Errorf("%s: the hostile text became an element", what)
	}
}

// putHostile stores a copy of the OBS import whose every free-text field is
// hostile, created now so it leads the list. It returns the new id.
func putHostile(t *testing.T, e *env) string {
	t.Helper()
	task, ok := e.sim.Task(e.idNamed("OBS 备份导入 - 多文件"))
	if !ok {
		t.Fatal("seed task missing")
	}
	task.TaskID = "0badc0de-0000-4000-8000-000000000001"
	task.TaskName, task.Description, task.ErrorMessage = hostile, hostile, hostile
	task.BackupFiles.BucketName = hostile
	for i := range task.BackupFiles.Files {
		task.BackupFiles.Files[i].FileName = hostile + itoa(i)
	}
	task.TargetInstance.Name = hostile
	task.CreatedAt = e.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	e.sim.Put(task)
	return task.TaskID
}

// TestHostileTextStaysText proves names, descriptions, buckets and file
// names from the API are escaped everywhere they appear (list, search,
// detail, confirmation page, stop fragment, flash) and read back verbatim.
func TestHostileTextStaysText(t *testing.T) {
	e := newEnv(t, options{})
	id := putHostile(t, e)

	list := e.get("/")
	wantStatus(t, list, http.StatusOK)
	noMarkup(t, "list", list)
	link := rowLink(list.row(id))
	if got := strings.TrimSpace(link.Text()); got != hostile {
		t.Errorf("list link text %q, want %q", got, hostile)
	}

	search := e.get("/?q=" + url.QueryEscape(hostile))
	wantStatus(t, search, http.StatusOK)
	noMarkup(t, "search", search)
	if v, _ := search.find("search-input").Attr("value"); v != hostile {
		t.Errorf("search box holds %q", v)
	}
	if search.rows().Length() != 1 || !strings.Contains(search.text("list-summary"), "<script>alert(1)</script>") {
		t.Errorf("search for the hostile name: %q", search.text("list-summary"))
	}

	detail := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, detail, http.StatusOK)
	noMarkup(t, "detail", detail)
	for testID, want := range map[string]string{
		"task-name": hostile, "field-description": hostile, "field-bucket": hostile,
		"field-target-name": hostile,
	} {
		if got := detail.text(testID); got != want {
			t.Errorf("%s = %q, want %q", testID, got, want)
		}
	}
	dialog := e.get(routes.TaskStopURL(targets.DefaultName, id), htmx...)
	noMarkup(t, "stop dialog", dialog)
	if got := dialog.text("stop-task-name"); got != hostile {
		t.Errorf("stop-task-name = %q, want %q", got, hostile)
	}
	detail.find("file-name").Each(func(i int, s *goquery.Selection) {
		if got := s.Text(); got != hostile+itoa(i) {
			t.Errorf("file %d name %q", i, got)
		}
	})
	if title := detail.doc.Find("title").Text(); !strings.HasPrefix(title, hostile) {
		t.Errorf("title %q", title)
	}

	confirm := e.get(routes.TaskStopURL(targets.DefaultName, id))
	wantStatus(t, confirm, http.StatusOK)
	noMarkup(t, "confirmation page", confirm)
	if got := confirm.text("stop-task-name"); got != hostile {
		t.Errorf("confirmation names %q", got)
	}

	tok := e.token(id)
	frag := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, hostile, routes.TaskURL(targets.DefaultName, id)), htmx...)
	wantStatus(t, frag, http.StatusOK)
	noMarkup(t, "stop fragment", frag)
	if b := frag.text("banner-success"); !strings.Contains(b, hostile) {
		t.Errorf("banner %q does not quote the name and reason as text", b)
	}

	redirect := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, hostile, routes.TaskURL(targets.DefaultName, id)))
	wantStatus(t, redirect, http.StatusSeeOther)
	flash := e.get(redirect.header.Get("Location"))
	noMarkup(t, "page with flash", flash)
	if flash.find("banner-info").Length()+flash.find("banner-success").Length() != 1 {
		t.Errorf("no flash after the redirect:\n%s", clipBody(flash.body))
	}
}

// TestNoPasswordInAnyAnswer proves no seeded instance password reaches any
// page, fragment or log line: every list page, detail page, confirmation
// page, a stop fragment, a status fragment and a no-JavaScript stop's target.
func TestNoPasswordInAnyAnswer(t *testing.T) {
	e := newEnv(t, options{})
	passwords := e.sim.Passwords()
	if len(passwords) < 10 {
		t.Fatalf("only %d seeded passwords", len(passwords))
	}
	var bodies []string
	var ids []string
	for next := "/"; next != ""; {
		r := e.get(next)
		wantStatus(t, r, http.StatusOK)
		bodies = append(bodies, r.body)
		r.rows().Each(func(_ int, s *goquery.Selection) {
			_, id := rowTask(s)
			ids = append(ids, id)
		})
		next, _ = r.doc.Find(`a[rel="next"]`).Attr("href")
	}
	if len(ids) != seededTasks(e) {
		t.Fatalf("the crawl found %d tasks, want %d", len(ids), seededTasks(e))
	}
	for _, id := range ids {
		for _, path := range []string{routes.TaskURL(targets.DefaultName, id), routes.TaskStopURL(targets.DefaultName, id)} {
			r := e.get(path)
			wantStatus(t, r, http.StatusOK)
			bodies = append(bodies, r.body)
		}
	}

	first, second := e.idWith(dcs.StatusFullMigrating), e.idWith(dcs.StatusIncrMigrating)
	tok := e.token(first)
	frag := e.post(routes.TaskStopURL(targets.DefaultName, first), stopForm(tok, "leak check", routes.TaskURL(targets.DefaultName, first)), htmx...)
	wantStatus(t, frag, http.StatusOK)
	poll, _ := frag.doc.Find(".status-line").Attr("hx-get")
	redirect := e.post(routes.TaskStopURL(targets.DefaultName, second), stopForm(tok, "leak check", routes.TaskURL(targets.DefaultName, second)))
	wantStatus(t, redirect, http.StatusSeeOther)
	bodies = append(bodies, frag.body, e.get(poll, htmx...).body, e.get(redirect.header.Get("Location")).body)

	for i, body := range bodies {
		for _, pw := range passwords {
			if strings.Contains(body, pw) {
				t.Fatalf("answer %d contains password %q", i, pw)
			}
		}
	}
	logs := e.logs.String()
	for _, pw := range passwords {
		if strings.Contains(logs, pw) {
			t.Fatalf("the log contains password %q", pw)
		}
	}
	t.Logf("checked %d answers for %d passwords", len(bodies), len(passwords))
}
