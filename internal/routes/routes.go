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

	// Task is one task's page.
	Task = "/tasks/:id"
	// TaskStatus is a task's status line alone, polled while it settles.
	TaskStatus = Task + "/status"
	// TaskProgress is an online migration's progress panel alone.
	TaskProgress = Task + "/progress"
	// TaskLogs is a task's logs panel alone.
	TaskLogs = Task + "/logs"
	// TaskStop is a task's stop: GET confirms (page or dialog), POST stops.
	TaskStop = Task + "/stop"
	// BatchStop is the stop of several tasks: GET confirms, POST stops.
	// Echo prefers this static path to Task's parameter.
	BatchStop = "/tasks/batch-stop"

	// Audit is the audit trail of stop attempts, for operators.
	Audit = "/audit"
	// RevokeSessions (POST) ends every session of a person (OIDC mode, operators).
	RevokeSessions = "/audit/revoke-sessions"

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

// idParam is the task id's placeholder in the Task* patterns.
const idParam = ":id"

// returnToKey is the query key that names the page a stop flow goes back to.
const returnToKey = "return_to"

// TaskURL is the page of task id.
func TaskURL(id string) string { return taskPath(Task, id, "") }

// TaskStatusURL is the status line of task id alone; returnTo is where the
// Stop button it carries comes back to.
func TaskStatusURL(id, returnTo string) string {
	return taskPath(TaskStatus, id, returnTo)
}

// TaskProgressURL is the progress panel of task id alone.
func TaskProgressURL(id string) string { return taskPath(TaskProgress, id, "") }

// TaskLogsURL is the logs panel of task id alone at one level ("" for
// every level) and page (from 1), which htmx swaps in place. Defaults are
// left out.
func TaskLogsURL(id, level string, page int) string {
	return withQuery(taskPath(TaskLogs, id, ""), logValues("level", "page", level, page))
}

// TaskLogsPageURL is the page of task id with its logs panel at level and
// page. It names the same view as TaskLogsURL under the page's own keys
// (log_level, log_page: the page's address is shared with the rest of it),
// so it is both the no-JavaScript link and the address htmx pushes, and a
// reload or a shared link shows what was on screen. Defaults are left out,
// so the plain page keeps its plain address.
func TaskLogsPageURL(id, level string, page int) string {
	return withQuery(TaskURL(id), logValues("log_level", "log_page", level, page))
}

// TaskStopURL is where the stop of task id is posted, and, without a
// query, its confirmation page.
func TaskStopURL(id string) string { return taskPath(TaskStop, id, "") }

// TaskStopDialogURL is the confirmation of the stop of task id (a GET,
// which stops nothing); returnTo is the page the stop comes back to.
func TaskStopDialogURL(id, returnTo string) string {
	return taskPath(TaskStop, id, returnTo)
}

// BatchStopURL is where a stop of several tasks is confirmed and posted.
func BatchStopURL() string { return BatchStop }

// BatchStopConfirmURL is the confirmation of a stop of ids (a GET, which
// stops nothing); returnTo is the list page the stop comes back to.
func BatchStopConfirmURL(ids []string, returnTo string) string {
	v := url.Values{"task": ids}
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

// AuditURL is the audit trail, filtered by user and task id when they are set.
func AuditURL(user, taskID string) string {
	v := url.Values{}
	setIf(v, "user", user)
	setIf(v, "task", taskID)
	return withQuery(Audit, v)
}

// LoginURL starts sign-in and comes back to returnTo, a local address.
func LoginURL(returnTo string) string {
	v := url.Values{}
	setIf(v, returnToKey, returnTo)
	return withQuery(Login, v)
}

// taskPath fills pattern's id parameter with id as one path segment, and
// appends returnTo as return_to when it is set. "a/b" stays one segment
// ("a%2Fb"), and a bare "." or "..", which url.PathEscape leaves alone but
// a browser would resolve as a directory, is escaped too. The URL is built
// in one concatenation because the list renders a few for each of its rows.
func taskPath(pattern, id, returnTo string) string {
	seg := url.PathEscape(id)
	if seg == "." || seg == ".." {
		seg = strings.Repeat("%2E", len(seg))
	}
	before, after, _ := strings.Cut(pattern, idParam)
	if returnTo == "" {
		return before + seg + after
	}
	return before + seg + after + "?" + returnToKey + "=" + url.QueryEscape(returnTo)
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
