package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/views"
)

// logsOnDetail is how many log entries a page of the logs panel shows.
const logsOnDetail = 20

// List shows one page of tasks, searched by name, filtered by status group
// and type, ordered by creation time (listtasks.go). htmx swaps it in for
// the filter form and the pager and pushes the URL; HX-Push-Url names the
// canonical one, since the form also sends the fields left at their defaults.
func (s *Server) List(c echo.Context) error {
	p, status, err := s.listPage(c)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		htmxResponse{PushURL: p.Query.CanonicalURL()}.apply(c)
	}
	return render(c, status, views.ListView(p))
}

// Rows is the list's table body alone, read again by the page while a task
// on it is in progress. If the read fails the browser keeps the rows it has
// (204 swaps nothing) and asks again at the next interval.
func (s *Server) Rows(c echo.Context) error {
	p, status, err := s.listPage(c)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		s.log.Warn("list refresh failed", "status", status, "err", p.Error.Message)
		return c.NoContent(http.StatusNoContent)
	}
	return render(c, http.StatusOK, views.TaskRows(p))
}

// listPage reads the page of tasks the query asks for, and the status to
// answer with. An upstream failure is not an error here: it becomes the
// page's banner, so the search form stays usable.
func (s *Server) listPage(c echo.Context) (views.ListPage, int, error) {
	q, err := s.parseListQuery(c)
	if err != nil {
		return views.ListPage{}, 0, err
	}
	p := views.ListPage{Chrome: s.chrome(c, "Migration tasks"), Query: q, Refresh: s.cfg.Refresh, CanStop: s.canStop(c)}
	tasks, err := s.listTasks(c.Request().Context(), q, &p)
	if err != nil {
		b := upstreamBanner(err, "Listing migration tasks")
		p.Error = &b
		return p, upstreamStatus(err), nil
	}
	s.facts.fill(c.Request().Context(), tasks)
	// A row's stop returns to this list page (not /task-rows, which is
	// only a fragment), with the search, filters, order and size kept.
	returnTo := q.URL()
	for _, t := range tasks {
		st := s.state(c, t, returnTo)
		st.Refresh = 0 // the rows refresh together, with one list call
		p.Rows = append(p.Rows, st)
	}
	return p, http.StatusOK, nil
}

// Show is one task's page: the task, its progress (online migrations) and
// one page of its logs (log_level and log_page in the query, checked before
// any upstream call). Logs are read while the task is; progress as soon as
// the task says it is an online migration, so no call is wasted on the others.
func (s *Server) Show(c echo.Context) error {
	id, logFilter, err := taskLogsQuery(c, "log_level", "log_page")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		wg      sync.WaitGroup
		logs    dcs.LogPage
		logsErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		logs, logsErr = s.cfg.Tasks.Logs(ctx, id, logOptions(logFilter))
	}()
	task, err := s.cfg.Tasks.Show(ctx, id)
	if err != nil {
		wg.Wait()
		return err
	}
	s.facts.remember(task)
	p := views.DetailPage{
		Chrome:    s.chrome(c, task.Name),
		Task:      task,
		State:     s.state(c, task, routes.TaskURL(id)),
		LogFilter: logFilter,
	}
	if task.Type == dcs.TypeOnlineMigration {
		stats, err := s.cfg.Tasks.Stats(ctx, id)
		if err != nil {
			b := upstreamBanner(err, "Reading migration progress")
			p.StatsErr = &b
		} else {
			p.Stats = &stats
		}
	}
	wg.Wait()
	if logsErr != nil {
		b := upstreamBanner(logsErr, "Reading migration logs")
		p.LogsErr = &b
	} else {
		p.Logs = logs
	}
	return render(c, http.StatusOK, views.DetailView(p))
}

// Status is the status line alone, read again by a badge that is settling.
// If the read fails the browser keeps the badge it has (204 swaps nothing)
// and asks again at the next interval.
func (s *Server) Status(c echo.Context) error {
	id, err := taskID(c)
	if err != nil {
		return err
	}
	task, err := s.cfg.Tasks.Show(c.Request().Context(), id)
	if err != nil {
		if !isHTMX(c) {
			return err
		}
		s.log.Warn("status refresh failed", "task_id", id, "err", err.Error())
		return c.NoContent(http.StatusNoContent)
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, routes.TaskURL(id))
	}
	returnTo := safeReturnTo(c.QueryParam("return_to"), id)
	st := s.state(c, task, returnTo)
	return render(c, http.StatusOK, views.StatusLine(&st))
}

// state builds the status block of a task for the current viewer.
func (s *Server) state(c echo.Context, t dcs.Task, returnTo string) views.TaskState {
	return views.TaskState{
		Task:     t,
		CSRF:     csrfTokenOf(c),
		CanStop:  s.canStop(c),
		ReturnTo: returnTo,
		Refresh:  s.cfg.Refresh,
	}
}

// canStop reports whether the current person may stop tasks here and now.
func (s *Server) canStop(c echo.Context) bool {
	return !s.cfg.ReadOnly && identityOf(c).IsOperator()
}

// taskID reads and checks the :id path parameter before any upstream call.
func taskID(c echo.Context) (string, error) {
	id := c.Param("id")
	if !dcs.ValidTaskID(id) {
		return "", &pageError{Status: http.StatusNotFound, Title: "No such task",
			Text: "That is not a valid migration task id: ids are letters, digits and hyphens, at most " +
				strconv.Itoa(dcs.MaxTaskIDLength) + " characters."}
	}
	return id, nil
}

// safeReturnTo accepts only the dashboard's own pages as a place to go back
// to, so a crafted link cannot turn the stop flow into an open redirect.
func safeReturnTo(raw, id string) string {
	return localReturn(raw, routes.TaskURL(id), routes.List, routes.TaskURL(id))
}

// localReturn is raw if it is a local address (auth.SafeReturnTo, the one
// check of that) whose path is one of paths; otherwise fallback.
func localReturn(raw, fallback string, paths ...string) string {
	if raw == "" || auth.SafeReturnTo(raw) != raw {
		return fallback
	}
	u, err := url.Parse(raw)
	if err != nil || !slices.Contains(paths, u.Path) {
		return fallback
	}
	return u.RequestURI()
}

// detached keeps request-scoped values but not the request's cancellation:
// a stop must finish and be recorded even if the browser goes away.
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
