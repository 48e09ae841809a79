package handlers

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// ProgressPanel is the progress panel alone, read again by the detail page
// every Refresh while the task is in progress. The stats and the task (for
// its status) are read together; in production the cache coalesces the
// task read with the status line's own poll. The answer decides whether to
// go on: a finished task's panel comes back without its trigger. A failed
// read answers 204, so the browser keeps what it shows and asks again at
// the next interval, as the status line does.
func (s *Server) ProgressPanel(c echo.Context) error {
	t, id, err := s.taskAddr(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		// The fragment is not a page; someone who opened it gets the page.
		return c.Redirect(http.StatusSeeOther, routes.TaskURL(t.Name, id))
	}
	ctx := c.Request().Context()
	var (
		wg       sync.WaitGroup
		stats    dcs.Stats
		statsErr error
	)
	wg.Go(func() { stats, statsErr = t.Tasks.Stats(ctx, id) })
	task, err := t.Tasks.Show(ctx, id)
	wg.Wait()
	if err == nil && !task.Status.InProgress() {
		// This answer stops the polling, so its figures stay on the page:
		// they must be read after the task finished, not kept from before.
		stats, statsErr = t.Tasks.Stats(dcs.Fresh(ctx), id)
	}
	if err != nil || (statsErr != nil && task.Status.InProgress()) {
		s.log.Warn("progress refresh failed", "task_id", id, "show_err", errText(err), "stats_err", errText(statsErr))
		return c.NoContent(http.StatusNoContent)
	}
	p := views.ProgressPanel{Target: t.Name, TaskID: id, Status: task.Status, Stats: &stats, Refresh: s.cfg.Refresh}
	if statsErr != nil {
		// The task has finished, so the panel stops polling: show why its
		// figures are missing instead of asking again forever.
		b := upstreamBanner(ctx, statsErr, i18n.T(ctx, "tasks.progress_failed"))
		p.Stats, p.Error = nil, &b
	}
	return render(c, http.StatusOK, views.ProgressPanelView(p))
}

// LogsPanel is the logs panel alone, for a level filter or a Newer/Older
// link clicked with htmx. Its query is checked before any upstream call. An
// upstream failure is shown inside the panel (the rest of the page stays),
// with the status the dashboard answers such failures with.
func (s *Server) LogsPanel(c echo.Context) error {
	t, id, filter, err := s.taskLogsQuery(c, "level", "page")
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, routes.TaskLogsPageURL(t.Name, id, filter.Level, filter.Page))
	}
	p := views.LogsPanel{Target: t.Name, TaskID: id, Filter: filter}
	status := http.StatusOK
	ctx := c.Request().Context()
	logs, err := t.Tasks.Logs(ctx, id, logOptions(filter))
	if err != nil {
		// The error handler never sees this error, so it is logged here.
		s.log.Warn("reading logs failed", "task_id", id, "err", err.Error())
		b := upstreamBanner(ctx, err, i18n.T(ctx, "tasks.logs_failed"))
		p.Error, status = &b, upstreamStatus(err)
	} else {
		p.Logs = logs
	}
	return render(c, status, views.LogsPanelView(p))
}

// taskLogsQuery reads the task's target and id and the logs' level and
// page, every one checked before any upstream call.
func (s *Server) taskLogsQuery(c echo.Context, levelKey, pageKey string) (*targets.Target, string, views.LogFilter, error) {
	t, id, err := s.taskAddr(c)
	if err != nil {
		return nil, "", views.LogFilter{}, err
	}
	f, err := logFilterFrom(c, levelKey, pageKey)
	return t, id, f, err
}

// maxLogPage bounds the logs panel's paging: 10,000 pages of 20 is more
// than any migration logs, and the bound keeps the offset sane.
const maxLogPage = 10000

// logFilterFrom reads the logs panel's level and page from the query keys
// given: the detail page uses log_level and log_page (its address is shared
// with the rest of the page), the fragment level and page. Only the levels
// the API filters by are accepted, so a typo is a clear 400, not an
// upstream error or an empty log.
func logFilterFrom(c echo.Context, levelKey, pageKey string) (views.LogFilter, error) {
	f := views.LogFilter{Level: c.QueryParam(levelKey), Page: 1, PageSize: logsOnDetail}
	ctx := c.Request().Context()
	switch f.Level {
	case "", "INFO", "ERROR":
	default:
		return views.LogFilter{}, badRequest(ctx, "tasks.log_level.title", "tasks.log_level.text")
	}
	if raw := c.QueryParam(pageKey); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLogPage {
			return views.LogFilter{}, badRequest(ctx, "tasks.log_page.title", "tasks.log_page.text", "Max", maxLogPage)
		}
		f.Page = n
	}
	return f, nil
}

// logOptions asks the API for exactly the page the filter shows.
func logOptions(f views.LogFilter) dcs.LogOptions {
	return dcs.LogOptions{Offset: (f.Page - 1) * f.PageSize, Limit: f.PageSize, Level: f.Level}
}
