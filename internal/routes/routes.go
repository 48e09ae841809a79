// Package routes is the dashboard's one table of addresses: the patterns
// handlers register with Echo, and the builders that pages, handlers and
// tests use to write links to them. A path is spelled here or nowhere, so a
// link cannot drift from the route that answers it, and every task id and
// query value is escaped on its way into a URL rather than by each caller.
package routes

import (
	"net/url"
	"strconv"
	"strings"
)

// Route patterns, as Echo registers them; ":id" is a task id.
const (
	// List is the task list; its query is listquery.Query's.
	List = "/"
	// Rows is the list's table body alone, which the page polls.
	Rows = "/task-rows"
	// ExportCSV downloads every task the list's query selects, as CSV.
	ExportCSV = "/export.csv"
	// ExportJSON downloads the same tasks as JSON.
	ExportJSON = "/export.json"

	// Task is one task's page, under the target (region and project) it
	// belongs to.
	Task = "/t/:target/tasks/:id"
	// TaskStatus is a task's status line alone, polled while it settles.
	TaskStatus = Task + "/status"
	// TaskProgress is an online migration's progress panel alone.
	TaskProgress = Task + "/progress"
	// TaskLogs is a task's logs panel alone.
	TaskLogs = Task + "/logs"
	// TaskStop is a task's stop: GET confirms (page or dialog), POST stops.
	TaskStop = Task + "/stop"
	// BatchStop is the stop of several tasks, of any targets: GET
	// confirms, POST stops. Each task is named by TaskRef.
	BatchStop = "/tasks/batch-stop"
	// LegacyTask and LegacyTaskPath are the addresses tasks had before they
	// carried their target; with one target they redirect there, so old
	// links survive. Echo prefers BatchStop's static path to them.
	LegacyTask     = "/tasks/:id"
	LegacyTaskPath = "/tasks/:id/*"

	// Language (GET ?lang=&return_to=) switches the pages' language and
	// returns to the page it was asked from.
	Language = "/lang"

	// Audit is the audit trail of stop attempts, for operators.
	Audit = "/audit"
	// AuditCSV downloads the audit trail the audit page's filters select.
	AuditCSV = "/audit.csv"
	// RevokeSessions (POST) ends every session of a person (OIDC mode, operators).
	RevokeSessions = "/audit/revoke-sessions"

	// Notifications shows the notification channels and recent deliveries,
	// for operators.
	Notifications = "/notifications"
	// NotificationsTest (POST) sends a test message to one channel.
	NotificationsTest = "/notifications/test"
	// DemoReceiver, in demo mode only, is the stand-in for a team's webhook
	// receiver: POST takes a signed notification (no session, no CSRF
	// token: the dashboard's own sender posts it), GET lists what arrived.
	DemoReceiver = "/demo/receiver"

	// AuthPrefix holds native sign-in's addresses (OIDC mode only).
	AuthPrefix = "/auth"
	// Login starts sign-in.
	Login = "/auth/login"
	// Callback is where the identity provider sends the browser back.
	Callback = "/auth/callback"
	// Logout (POST) signs out.
	Logout = "/auth/logout"

	// Health answers while the process is alive.
	Health = "/healthz"
	// Ready answers while the DCS API does.
	Ready = "/readyz"
	// Metrics serves Prometheus metrics.
	Metrics = "/metrics"

	// Static serves the embedded CSS, JavaScript and vendored htmx.
	Static = "/static"
)

// The placeholders of the Task* patterns.
const (
	targetParam = ":target"
	idParam     = ":id"
)

// returnToKey is the query key that names the page a stop flow goes back to.
const returnToKey = "return_to"

// TaskURL is the page of task id of target.
func TaskURL(target, id string) string { return taskPath(Task, target, id, "") }

// LegacyTaskURL is a task's address from before tasks carried their
// target, which only an old record can name; it redirects while the
// dashboard watches one target.
func LegacyTaskURL(id string) string {
	head, _, _ := strings.Cut(LegacyTask, idParam)
	return head + segment(id)
}

// TaskStatusURL is the status line of a task alone; returnTo is where the
// Stop button it carries comes back to.
func TaskStatusURL(target, id, returnTo string) string {
	return taskPath(TaskStatus, target, id, returnTo)
}

// TaskProgressURL is the progress panel of a task alone.
func TaskProgressURL(target, id string) string { return taskPath(TaskProgress, target, id, "") }

// TaskLogsURL is the logs panel of a task alone at one level ("" for every
// level) and page (from 1), which htmx swaps in place. Defaults are left out.
func TaskLogsURL(target, id, level string, page int) string {
	return withQuery(taskPath(TaskLogs, target, id, ""), logValues("level", "page", level, page))
}

// TaskLogsPageURL is the page of a task with its logs panel at level and
// page. It names the same view as TaskLogsURL under the page's own keys
// (log_level, log_page: the page's address is shared with the rest of it),
// so it is both the no-JavaScript link and the address htmx pushes, and a
// reload or a shared link shows what was on screen. Defaults are left out,
// so the plain page keeps its plain address.
func TaskLogsPageURL(target, id, level string, page int) string {
	return withQuery(TaskURL(target, id), logValues("log_level", "log_page", level, page))
}

// TaskStopURL is where the stop of a task is posted, and, without a query,
// its confirmation page.
func TaskStopURL(target, id string) string { return taskPath(TaskStop, target, id, "") }

// TaskStopDialogURL is the confirmation of the stop of a task (a GET,
// which stops nothing); returnTo is the page the stop comes back to.
func TaskStopDialogURL(target, id, returnTo string) string {
	return taskPath(TaskStop, target, id, returnTo)
}

// BatchStopURL is where a stop of several tasks is confirmed and posted.
func BatchStopURL() string { return BatchStop }

// TaskRef names a task of a target in one form field ("target/id"), as a
// batch's tasks are sent; ParseTaskRef reads it back.
func TaskRef(target, id string) string { return target + "/" + id }

// ParseTaskRef splits a TaskRef; ok is false when it has no target part.
func ParseTaskRef(ref string) (target, id string, ok bool) {
	return strings.Cut(ref, "/")
}

// BatchStopConfirmURL is the confirmation of a stop of refs (TaskRef
// each; a GET, which stops nothing); returnTo is the list page the stop
// comes back to.
func BatchStopConfirmURL(refs []string, returnTo string) string {
	v := url.Values{"task": refs}
	setIf(v, returnToKey, returnTo)
	return withQuery(BatchStop, v)
}

// ListURL is the task list with the given query (listquery.Query writes
// it); an empty one is the plain list.
func ListURL(query url.Values) string { return withQuery(List, query) }

// RowsURL is the list's table body for the given list query.
func RowsURL(query url.Values) string { return withQuery(Rows, query) }

// ExportCSVURL downloads every task the list query selects as CSV.
func ExportCSVURL(query url.Values) string { return withQuery(ExportCSV, query) }

// ExportJSONURL downloads every task the list query selects as JSON.
func ExportJSONURL(query url.Values) string { return withQuery(ExportJSON, query) }

// AuditURL is the audit trail, filtered by user, target and task id when
// they are set.
func AuditURL(user, target, taskID string) string {
	v := url.Values{}
	setIf(v, "user", user)
	setIf(v, "target", target)
	setIf(v, "task", taskID)
	return withQuery(Audit, v)
}

// AuditPageURL is the audit trail with the given query (filters, page).
func AuditPageURL(query url.Values) string { return withQuery(Audit, query) }

// AuditCSVURL downloads the audit trail the given filters select.
func AuditCSVURL(query url.Values) string { return withQuery(AuditCSV, query) }

// LoginURL starts sign-in and comes back to returnTo, a local address.
func LoginURL(returnTo string) string {
	v := url.Values{}
	setIf(v, returnToKey, returnTo)
	return withQuery(Login, v)
}

// taskPath fills pattern's target and id parameters, each as one path
// segment, and appends returnTo as return_to when it is set. "a/b" stays
// one segment ("a%2Fb"), and a bare "." or "..", which url.PathEscape
// leaves alone but a browser would resolve as a directory, is escaped too.
// The URL is built in few concatenations because the list renders a few
// for each of its rows.
func taskPath(pattern, target, id, returnTo string) string {
	head, rest, _ := strings.Cut(pattern, targetParam)
	mid, tail, _ := strings.Cut(rest, idParam)
	u := head + segment(target) + mid + segment(id) + tail
	if returnTo == "" {
		return u
	}
	return u + ReturnQuery(returnTo)
}

// ReturnQuery is the query that names the page a stop flow goes back to.
func ReturnQuery(returnTo string) string { return "?" + returnToKey + "=" + url.QueryEscape(returnTo) }

// segment escapes s as one path segment that no browser resolves as a
// directory step.
func segment(s string) string {
	seg := url.PathEscape(s)
	if seg == "." || seg == ".." {
		seg = strings.Repeat("%2E", len(seg))
	}
	return seg
}

// withQuery is path with the query appended, and path alone when it is
// empty. Encode sorts the keys, so one view has one address.
func withQuery(path string, query url.Values) string {
	if len(query) == 0 {
		return path
	}
	return path + "?" + query.Encode()
}

// logValues are the logs panel's level and page under the given keys,
// defaults (every level, page 1) left out.
func logValues(levelKey, pageKey, level string, page int) url.Values {
	v := url.Values{}
	setIf(v, levelKey, level)
	if page > 1 {
		v.Set(pageKey, strconv.Itoa(page))
	}
	return v
}

// setIf sets key to val unless val is empty: an empty value is the default.
func setIf(v url.Values, key, val string) {
	if val != "" {
		v.Set(key, val)
	}
}

// LanguageURL switches to lang and comes back to returnTo (a local address).
func LanguageURL(lang, returnTo string) string {
	return Language + "?" + url.Values{"lang": {lang}, "return_to": {returnTo}}.Encode()
}
