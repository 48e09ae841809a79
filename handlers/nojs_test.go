package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestConfirmPageStopsNothing proves the no-JavaScript confirmation page
// shows what would be stopped and a posting form, and a GET stops nothing.
func TestConfirmPageStopsNothing(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusIncrMigrating)
	task, _ := e.sim.Task(id)
	r := e.get(routes.TaskStopDialogURL(targets.DefaultName, id, "/"))
	wantStatus(t, r, http.StatusOK)
	if got := r.text("stop-task-name"); got != task.TaskName {
		t.Errorf("stop-task-name %q, want %q", got, task.TaskName)
	}
	form := r.doc.Find("form.stop-form")
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("form method %q", m)
	}
	if a, _ := form.Attr("action"); a != routes.TaskStopURL(targets.DefaultName, id) {
		t.Errorf("form action %q", a)
	}
	if v, _ := form.Find(`input[name="return_to"]`).Attr("value"); v != "/" {
		t.Errorf("return_to %q, want /", v)
	}
	if _, hx := form.Attr("hx-post"); hx {
		t.Error("the no-JavaScript form depends on htmx")
	}
	if st, _ := r.find("task-status").Attr("data-status"); st != "INCRMIGRATING" {
		t.Errorf("badge %q", st)
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("GET made %d upstream stops", n)
	}
	if task, _ := e.sim.Task(id); task.Status != "INCRMIGRATING" {
		t.Errorf("GET changed the task to %s", task.Status)
	}
}

// TestConfirmPageNotStoppable proves the confirmation page of a task that
// can no longer be stopped says so (and the GET stops nothing).
func TestConfirmPageNotStoppable(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusSuccess)
	r := e.get(routes.TaskStopURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)
	if b := r.find("banner-info"); b.Length() != 1 || !strings.Contains(b.Text(), "cannot be stopped") {
		t.Errorf("no cannot-be-stopped notice:\n%s", clipBody(r.body))
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("GET made %d upstream stops", n)
	}
	t.Run("offers no Stop button", func(t *testing.T) {
		if r.doc.Find("form.stop-form").Length() != 0 {
			t.Error("a task that cannot be stopped is offered a Stop task button")
		}
	})
}

// TestStopWithoutJavaScript proves a plain form post stops the task and
// redirects (303) to return_to, which shows the result once as a flash.
func TestStopWithoutJavaScript(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "no-js reason", "/?page=1"))
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if loc != "/?page=1" {
		t.Fatalf("Location %q, want /?page=1", loc)
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops, want 1", n)
	}
	page := e.get(loc)
	wantStatus(t, page, http.StatusOK)
	flash := page.find("banner-success")
	if flash.Length() != 1 || !strings.Contains(flash.Text(), "no-js reason") || !strings.Contains(flash.Text(), "local") {
		t.Errorf("flash after the redirect: %q", flash.Text())
	}
	row := page.row(id)
	if st, _ := rowBadge(row).Attr("data-status"); st != "TERMINATING" {
		t.Errorf("row badge %q, want TERMINATING", st)
	}
	if again := e.get(loc); again.find("banner-success").Length() != 0 {
		t.Error("the flash is shown a second time")
	}
}

// TestStopReturnToIsConfined proves return_to only ever leads back to the
// list or the task's own page: no open redirect.
func TestStopReturnToIsConfined(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.token(id)
	own := routes.TaskURL(targets.DefaultName, id)
	for _, tc := range []struct{ returnTo, want string }{
		{own, own},
		{"/", "/"},
		{"/?page=2&q=cache", "/?page=2&q=cache"},
		{"", own},
		{"https://evil.example/", own},
		{"//evil.example/x", own},
		{"/\\evil.example", own},
		{"javascript:alert(1)", own},
		{routes.TaskURL(targets.DefaultName, e.idWith(dcs.StatusSuccess)), own},
		{"/healthz", own},
		{"/\r\nSet-Cookie: x=1", own},
	} {
		r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "", tc.returnTo))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tc.want {
			t.Errorf("return_to %q: %d to %q, want 303 to %q", tc.returnTo, r.status, r.header.Get("Location"), tc.want)
			continue
		}
		// Follow like a browser, which shows (and so clears) the flash.
		wantStatus(t, e.get(tc.want), http.StatusOK)
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("%d upstream stops, want 1 (repeats answered from the first)", n)
	}
}

// TestStopReasonTooLong proves a reason over 500 characters (counted as
// characters, not bytes) is refused before any upstream call, with the typed
// reason kept: htmx gets the dialog back (400) with the text; a plain post
// is sent back to the confirmation page, where the message is a flash and
// the reason is filled in again. 500 are accepted.
func TestStopReasonTooLong(t *testing.T) {
	long := strings.Repeat("é", 501)
	for _, tc := range []struct {
		name   string
		header []string
	}{{"htmx", htmx}, {"no JavaScript", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{})
			id := e.idWith(dcs.StatusFullMigrating)
			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), long, routes.TaskURL(targets.DefaultName, id)), tc.header...)
			if tc.header == nil {
				wantStatus(t, r, http.StatusSeeOther)
				next := r.header.Get("Location")
				if !strings.HasPrefix(next, routes.TaskStopURL(targets.DefaultName, id)+"?") {
					t.Fatalf("refused plain post goes to %q, want the confirmation page", next)
				}
				r = e.get(next)
				wantStatus(t, r, http.StatusOK)
			} else {
				wantStatus(t, r, http.StatusBadRequest)
			}
			if got := r.doc.Find(`textarea[name="reason"]`).Text(); got != long {
				t.Errorf("textarea holds %d characters, want the 501 typed", utf8.RuneCountInString(got))
			}
			if b := r.find("banner-error"); b.Length() != 1 || !strings.Contains(b.Text(), "501") {
				t.Errorf("banner %q does not explain the limit", b.Text())
			}
			if tok, _ := r.doc.Find(`input[name="_csrf"]`).Attr("value"); tok == "" {
				t.Error("the re-rendered form has no CSRF token")
			}
			if n := e.sim.Calls(dcssim.OpStop); n != 0 {
				t.Errorf("%d upstream stops, want 0", n)
			}
			if task, _ := e.sim.Task(id); task.Status != "FULLMIGRATING" {
				t.Errorf("task is %s", task.Status)
			}
		})
	}
	t.Run("exactly 500", func(t *testing.T) {
		e := newEnv(t, options{})
		id := e.idWith(dcs.StatusFullMigrating)
		r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), long[:len(long)-len("é")], "/"), htmx...)
		wantStatus(t, r, http.StatusOK)
		if n := e.sim.Calls(dcssim.OpStop); n != 1 {
			t.Errorf("%d upstream stops, want 1", n)
		}
	})
}

// TestStopNoJSLongReasonFlash proves a plain form post with a long reason
// that is allowed (500 characters) still redirects after the stop: the
// result banner kept for the next page must fit in the session cookie.
func TestStopNoJSLongReasonFlash(t *testing.T) {
	for name, reason := range map[string]string{"emoji": strings.Repeat("😀", 500), "angle brackets": strings.Repeat("<", 500)} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			id := e.idWith(dcs.StatusFullMigrating)
			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), reason, "/"))
			wantStatus(t, r, http.StatusSeeOther)
			if page := e.get("/"); page.find("banner-success").Length() != 1 {
				t.Error("no result banner after the redirect")
			}
		})
	}
}
