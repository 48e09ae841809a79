// Package views holds the dashboard's templ components: one file per page,
// plus the fragments htmx swaps in, which are the same components the full
// pages use. Components take props structs, never positional booleans.
package views

import (
	"context"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/listquery"
)

// Viewer is who is signed in, as every page shows it.
type Viewer struct {
	Name     string
	Role     string
	Operator bool // may see the audit trail
	SignOut  bool // native sign-in: offer a sign-out button
}

// Chrome is what the layout needs on every full page.
type Chrome struct {
	// Lang is the language the page is in (<html lang>).
	Lang string
	// Here is the page's own address, where the language switch returns.
	Here string
	// CSRF is the session's token, for the sign-out form and for scripts.
	CSRF     string
	Title    string
	Demo     bool
	ReadOnly bool
	Viewer   Viewer
	Flashes  []Banner
}

// Banner is a message at the top of a page or inside a fragment. Error banners
// carry what a human needs to act: the DCS code, its message and the request
// id that Huawei support asks for.
type Banner struct {
	Kind       string // "success", "error", "warning" or "info"
	Title      string
	Text       string
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
	// DashboardRequestID is the dashboard's own id for the request that
	// made this banner: it leads from a screenshot to the log line.
	DashboardRequestID string
	// Follow is the last sentence, about the task's status now; with a
	// FollowID, reads of the status replace it (FollowID, FollowText).
	Follow   string
	FollowID string
}

// IsAlert reports whether the banner must interrupt a screen reader.
func (b Banner) IsAlert() bool { return b.Kind == "error" || b.Kind == "warning" }

// HasDetails reports whether the banner carries upstream error details.
func (b Banner) HasDetails() bool {
	return b.HTTPStatus != 0 || b.Code != "" || b.Message != "" || b.RequestID != ""
}

// TaskState is the block that shows a task's status and, where allowed, its
// Stop control. A stop swaps the whole block (status plus result banner).
type TaskState struct {
	Task dcs.Task
	// Target is the name of the target (region and project) the task is
	// read from: part of every address of the task.
	Target string
	// TargetLabel and TargetWhere fill the list's Target column, shown
	// when the dashboard watches several targets ("" otherwise).
	TargetLabel string
	TargetWhere string
	// SelectCell gives a list row the selection column's cell (with a box
	// only where this task may be stopped): the table has the column when
	// the viewer may stop the tasks of any target on it.
	SelectCell bool
	CSRF       string
	CanStop    bool   // the viewer may stop tasks at all
	ReturnTo   string // where the no-JavaScript flow lands after a stop
	Reason     string // kept when a stop was refused, so nothing typed is lost
	Banner     *Banner
	// Refresh is how often a status that is still settling (TERMINATING) is
	// read again; the polling stops by itself at a finished status.
	Refresh time.Duration
	// Unchanged marks a list row the browser already shows as it is: the
	// rows' refresh sends a stub in its place (RowsState).
	Unchanged bool
	// Progress is what the list's progress column shows of a task whose
	// progress the API reports (nil for the others, and on the task page,
	// which has a panel of its own).
	Progress *RowProgress
	// StatusUnread marks a task known by its id alone: a refused stop is
	// answered without reading the API, and its confirmation is offered
	// again (the API has the last word when it is confirmed).
	StatusUnread bool
}

// RowProgress is a list row's progress: the task's figures, or why they
// could not be read. Neither means the read did not finish in time.
type RowProgress struct {
	Stats *dcs.Stats
	Error *Banner
}

// ListPage is the task list.
type ListPage struct {
	Chrome Chrome
	// Query is the search, filters, order, page and page size the URL asks
	// for; every link and form on the list carries it on.
	Query listquery.Query
	Total int
	Rows  []TaskState
	Error *Banner
	// Capped, when not 0, is how many of the NameTotal tasks matching the
	// search were read to filter: the rest were not, and the summary says so.
	Capped    int
	NameTotal int
	// CappedTarget names the target whose share was cut, when there are
	// several ("" with one).
	CappedTarget string
	// Refresh is how often the rows read themselves again while a task on
	// the page is in progress; 0 turns that off.
	// ReadAt is when the rows were read, shown as "Updated" while they
	// refresh themselves.
	ReadAt  time.Time
	Refresh time.Duration
	// CanStop shows the selection column and "Stop selected".
	CanStop bool
	// Targets are the targets the filter offers, when there are several.
	Targets []TargetChoice
	// Counts are the tasks each target in scope gave the list, when there
	// are several targets.
	Counts []TargetCount
	// TargetErrors name each target that could not be read; the others'
	// tasks are shown all the same.
	TargetErrors []Banner
	// StatusCounts, when known, is how many tasks each choice of the status
	// filter lists, the other filters kept.
	StatusCounts *StatusCounts
	// RowsState is what a rows' refresh leaves the browser holding
	// (RowsStateOf); CountsUnchanged and ErrorsUnchanged leave out the
	// parts the browser already has.
	RowsState                        string
	CountsUnchanged, ErrorsUnchanged bool
	// rendered are the rows as RowsStateOf rendered them, for the answer.
	rendered *renderedRows
}

// StatusCounts is how many tasks each status group holds (listquery's
// Group* names), and All of them, statuses the dashboard does not know
// included. Partial means not every task was read (a target with more
// tasks than one view reads): the counts are then of the newest ones.
type StatusCounts struct {
	All     int
	ByGroup map[string]int
	Partial bool
}

// TargetChoice is a target as the list's filter offers it.
type TargetChoice struct {
	Name, Label, Where string
}

// TargetCount is how many of a list's tasks one target holds.
type TargetCount struct {
	Name, Label string
	Count       int
}

// DetailPage is one task with everything the API tells about it.
type DetailPage struct {
	Chrome   Chrome
	Task     dcs.Task
	State    TaskState
	Stats    *dcs.Stats
	StatsErr *Banner
	Logs     dcs.LogPage
	LogsErr  *Banner
	// LogFilter is the level and page of Logs, from the page's query.
	LogFilter LogFilter
}

// ConfirmStopPage is the no-JavaScript confirmation of a stop.
type ConfirmStopPage struct {
	Chrome Chrome
	State  TaskState
}

// ErrorPage is a full page for a request that could not be served.
type ErrorPage struct {
	Chrome Chrome
	Status int
	Banner Banner
}

// AuditPage is the audit trail, optionally filtered by user and task.
type AuditPage struct {
	Chrome Chrome
	// Query is the filters and the page the URL asks for.
	Query    audit.Query
	Attempts []audit.Attempt
	// Next is the cursor of the next (older) page; "" on the last.
	Next  string
	Error *Banner
	// RevokeSessions offers ending a person's sessions (native sign-in).
	RevokeSessions bool
	// Targets are the targets the filter offers, when there are several.
	Targets []TargetChoice
	// Now and StaleAfter tell an attempt still in flight from one whose
	// outcome will never come (its process stopped in between).
	Now        time.Time
	StaleAfter time.Duration
}

type requestIDKey struct{}

// WithRequestID gives the components rendered with ctx the dashboard's id
// for the request, which error banners show (it is in the log line too).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// dashboardRequestID is the id a banner shows: the one it was created under
// (a flash shown on the next page keeps the id of the post that made it),
// else the current request's.
func dashboardRequestID(ctx context.Context, b Banner) string {
	if b.DashboardRequestID != "" {
		return b.DashboardRequestID
	}
	return requestIDFrom(ctx)
}

// ProgressPanel is an online migration's progress panel, on the detail page
// and alone as the fragment that page polls.
type ProgressPanel struct {
	Target string
	TaskID string
	// Status is the task's status when Stats was read: the panel polls only
	// while it is in progress, so a finished task's panel stops by itself.
	Status dcs.Status
	Stats  *dcs.Stats
	Error  *Banner
	// Refresh is how often the panel reads itself again; 0 turns that off.
	Refresh time.Duration
}

// LogFilter selects one page of a task's logs: Level is "", "INFO" or
// "ERROR"; Page counts from 1 (0 reads as 1); PageSize 0 means one page.
type LogFilter struct {
	Level    string
	Page     int
	PageSize int
}

// LogsPanel is one page of a task's logs with its level filter and paging,
// on the detail page and alone as the fragment its links load.
type LogsPanel struct {
	Target string
	TaskID string
	Filter LogFilter
	Logs   dcs.LogPage
	Error  *Banner
}
