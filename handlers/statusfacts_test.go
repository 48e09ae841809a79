package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// TestTaskPageFollowsItsStatus: on the task's page a stop's answer and
// every status read carry the Overview facts out of band, and the banner's
// last sentence follows the status until it says when the task stopped.
// In the list, where there are no such facts, none are sent.
func TestTaskPageFollowsItsStatus(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idWith(dcs.StatusFullMigrating)
	page := routes.TaskURL(targets.DefaultName, id)
	before := e.get(page)
	if got := before.text("field-status-raw"); got != "FULLMIGRATING" {
		t.Fatalf("page reads %q before the stop", got)
	}

	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(e.token(id), "", page), htmx...)
	wantStatus(t, r, http.StatusOK)
	facts := r.find("status-facts")
	if oob, _ := facts.Attr("hx-swap-oob"); facts.Length() != 1 || oob != "true" {
		t.Fatalf("the stop's answer carries no out-of-band facts:\n%s", clipBody(r.body))
	}
	if got := r.text("field-status-raw"); got != "TERMINATING" {
		t.Errorf("facts after the stop read %q, want TERMINATING", got)
	}
	follow := r.find("banner-follow")
	if fid, _ := follow.Attr("id"); fid != views.FollowID(targets.DefaultName, id) ||
		!strings.Contains(follow.Text(), "The task is Stopping; this line updates until it has stopped.") {
		t.Errorf("banner's status sentence %q (id %q)", follow.Text(), fid)
	}

	poll, _ := r.doc.Find(".status-line").Attr("hx-get")
	e.clock.Advance(stopDelay)
	s := e.get(poll, htmx...)
	wantStatus(t, s, http.StatusOK)
	if got := s.text("field-status-raw"); got != "TERMINATED" {
		t.Errorf("facts read %q once stopped, want TERMINATED", got)
	}
	if got := s.text("field-updated"); got == "—" || got == "" {
		t.Errorf("Updated reads %q once stopped", got)
	}
	sf := s.find("banner-follow")
	if oob, _ := sf.Attr("hx-swap-oob"); oob != "true" || !strings.HasPrefix(strings.TrimSpace(sf.Text()), "The task stopped at ") {
		t.Errorf("status read's banner sentence %q (oob %q), want when it stopped", sf.Text(), oob)
	}

	// From the list: the sentence travels (its banner may be in a row), the
	// Overview facts do not.
	other := e.idWith(dcs.StatusFullMigrating)
	lr := e.post(routes.TaskStopURL(targets.DefaultName, other), stopForm(e.token(other), "", routes.List), htmx...)
	wantStatus(t, lr, http.StatusOK)
	if lr.find("status-facts").Length() != 0 {
		t.Error("a stop from the list carries the task page's facts")
	}
	lpoll, _ := lr.doc.Find(".status-line").Attr("hx-get")
	ls := e.get(lpoll, htmx...)
	if ls.find("status-facts").Length() != 0 || ls.find("banner-follow").Length() != 1 {
		t.Errorf("a list row's status read: %d facts, %d banner sentences; want 0 and 1",
			ls.find("status-facts").Length(), ls.find("banner-follow").Length())
	}
}

// TestFailedTaskShowsItsError: the API gives a failed task's error message
// in list items only; the list shows it shortened (whole on hover) and the
// task's page leads its Overview with it, read from the list.
func TestFailedTaskShowsItsError(t *testing.T) {
	e := newEnv(t, options{})
	id := e.idNamed("风控特征库迁移")
	task, _ := e.sim.Task(id)
	msg := task.ErrorMessage
	if utf8.RuneCountInString(msg) <= 80 {
		t.Fatalf("seed message %q is too short to show the cut", msg)
	}

	list := e.get(routes.List)
	wantStatus(t, list, http.StatusOK)
	row := list.row(id)
	cell := rowError(row)
	shown := strings.TrimSpace(cell.Text())
	if title, _ := cell.Attr("title"); title != msg || !strings.HasSuffix(shown, "…") || utf8.RuneCountInString(shown) > 80 {
		t.Errorf("row error %q (title %q), want at most 80 characters of %q, whole on hover", shown, title, msg)
	}
	failed := e.get(routes.List + "?status=" + listquery.GroupFailed)
	if rows, errs := failed.rows().Length(), rowError(failed.rows()).Length(); rows == 0 || errs != rows {
		t.Errorf("%d of %d failed rows show an error message", errs, rows)
	}

	r := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, r, http.StatusOK)
	if got := r.text("field-error-message"); got != msg {
		t.Errorf("task page error %q, want %q", got, msg)
	}
	if first := strings.TrimSpace(r.doc.Find("#overview-h ~ dl dt").First().Text()); first != "Error" {
		t.Errorf("Overview starts with %q, want Error", first)
	}
	ok := e.get(routes.TaskURL(targets.DefaultName, e.idWith(dcs.StatusMigrating)))
	if ok.find("field-error-message").Length() != 0 {
		t.Error("a running task shows an Error field")
	}
}
