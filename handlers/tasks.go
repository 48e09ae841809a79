package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	maxQueryLength = 128
	maxPage        = 100000
	logsOnDetail   = 20
)

// List shows one page of tasks, filtered by the API's name filter.
func (s *Server) List(c echo.Context) error {
	p, status, err := s.listPage(c)
	if err != nil {
		return err
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
	query := strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(query) > maxQueryLength {
		return views.ListPage{}, 0, badRequest("Search text too long", "Search for at most "+strconv.Itoa(maxQueryLength)+" characters of a task name.")
	}
	page := 1
	if raw := c.QueryParam("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPage {
			return views.ListPage{}, 0, badRequest("Invalid page number", "The page must be a whole number from 1 to "+strconv.Itoa(maxPage)+".")
		}
		page = n
	}
	p := views.ListPage{Chrome: s.chrome(c, "Migration tasks"), Query: query, Page: page, PageSize: s.cfg.PageSize, Refresh: s.cfg.Refresh}
	result, err := s.cfg.Tasks.List(c.Request().Context(), dcs.ListOptions{
		Offset: (page - 1) * s.cfg.PageSize, Limit: s.cfg.PageSize, Name: query,
	})
	if err != nil {
		b := upstreamBanner(err, "Listing migration tasks")
		p.Error = &b
		return p, upstreamStatus(err), nil
	}
	p.Total = result.Total
	s.facts.fill(c.Request().Context(), result.Tasks)
	returnTo := listURLFor(query, page)
	for _, t := range result.Tasks {
		st := s.state(c, t, returnTo)
		st.Refresh = 0 // the rows refresh together, with one list call
		p.Rows = append(p.Rows, st)
	}
	return p, http.StatusOK, nil
}

// Show is one task's page: the task, its progress (online migrations) and
// its recent logs. Logs are read while the task is; progress as soon as the
// task says it is an online migration, so no call is wasted on the others.
func (s *Server) Show(c echo.Context) error {
	id, err := taskID(c)
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
		logs, logsErr = s.cfg.Tasks.Logs(ctx, id, dcs.LogOptions{Limit: logsOnDetail})
	}()
	task, err := s.cfg.Tasks.Show(ctx, id)
	if err != nil {
		wg.Wait()
		return err
	}
	s.facts.remember(task)
	p := views.DetailPage{
		Chrome: s.chrome(c, task.Name),
		Task:   task,
		State:  s.state(c, task, taskURL(id)),
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
		return c.Redirect(http.StatusSeeOther, taskURL(id))
	}
	returnTo := safeReturnTo(c.QueryParam("return_to"), id)
	st := s.state(c, task, returnTo)
	return render(c, http.StatusOK, views.StatusLine(&st))
}

// ConfirmStop is the no-JavaScript confirmation page. A GET never stops anything.
func (s *Server) ConfirmStop(c echo.Context) error {
	id, err := taskID(c)
	if err != nil {
		return err
	}
	task, err := s.cfg.Tasks.Show(c.Request().Context(), id)
	if err != nil {
		return err
	}
	st := s.state(c, task, safeReturnTo(c.QueryParam("return_to"), id))
	if !st.CanStop {
		return s.notAllowedToStop(c)
	}
	if !task.Status.Stoppable() {
		st.Banner = &views.Banner{Kind: "info", Title: "This task cannot be stopped now.",
			Text: "Its status is " + task.Status.Label() + "; only a task that is still migrating can be stopped."}
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.StopDialog(&st))
	}
	return render(c, http.StatusOK, views.ConfirmStopView(views.ConfirmStopPage{Chrome: s.chrome(c, "Stop "+task.Name), State: st}))
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
	return !s.cfg.ReadOnly && identityOf(c).CanStop()
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

func taskURL(id string) string { return "/tasks/" + url.PathEscape(id) }

// listURLFor is the list page a row's stop returns to (not /task-rows,
// which is only a fragment).
func listURLFor(query string, page int) string {
	u := "/?page=" + strconv.Itoa(page)
	if query != "" {
		u += "&q=" + url.QueryEscape(query)
	}
	return u
}

// safeReturnTo accepts only the dashboard's own pages as a place to go back
// to, so a crafted link cannot turn the stop flow into an open redirect.
func safeReturnTo(raw, id string) string {
	fallback := taskURL(id)
	if raw == "" || !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\\r\n") {
		return fallback
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	if u.Path == "/" || u.Path == fallback {
		return u.RequestURI()
	}
	return fallback
}

// detached keeps request-scoped values but not the request's cancellation:
// a stop must finish and be recorded even if the browser goes away.
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
