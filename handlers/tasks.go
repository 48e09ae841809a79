package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
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
// (204 swaps nothing) and asks again at the next interval. The browser says
// what it holds (views.RowsStateHeader): when nothing changed the answer is
// an empty 204, and otherwise only the rows that changed are sent whole.
func (s *Server) Rows(c echo.Context) error {
	p, status, err := s.listPage(c)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		s.log.Warn("list refresh failed", "status", status, "err", p.Error.Message)
		return c.NoContent(http.StatusNoContent)
	}
	ctx := c.Request().Context()
	state := views.RowsStateOf(ctx, &p)
	if state.Unchanged(&p, views.ParseRowsState(c.Request().Header.Get(views.RowsStateHeader))) {
		return c.NoContent(http.StatusNoContent)
	}
	p.RowsState = state.String()
	return render(c, http.StatusOK, views.RowsRead(p))
}

// listPage reads the page of tasks the query asks for, from every target
// in scope, and the status to answer with. An upstream failure is not an
// error here: a target that fails becomes a banner naming it while the
// others' tasks are shown, and only when every target failed does the page
// answer with the failure's status, so the search form stays usable.
func (s *Server) listPage(c echo.Context) (views.ListPage, int, error) {
	q, err := s.parseListQuery(c)
	if err != nil {
		return views.ListPage{}, 0, err
	}
	p := views.ListPage{Chrome: s.chrome(c, s.tr(c, "tasks.title.list")), Query: q, Refresh: s.cfg.Refresh, ReadAt: s.cfg.Now(),
		CanStop: s.canStopAny(c, s.inScope(q)), Targets: s.targetChoices()}
	// The language switch returns to the list as its address bar shows it
	// (htmx pushes the canonical URL), not the form's every field.
	p.Chrome.Here = q.CanonicalURL()
	ctx := c.Request().Context()
	l := s.list(ctx, q, q.Offset()+q.Size)
	failed := l.failed()
	for _, sh := range failed {
		b := upstreamBanner(ctx, sh.err, i18n.T(ctx, "tasks.list_failed", "Target", sh.target.Label(), "Where", sh.target.Where()))
		p.TargetErrors = append(p.TargetErrors, b)
	}
	if len(failed) == len(l.shares) {
		p.Error, p.TargetErrors = &p.TargetErrors[0], nil
		return p, upstreamStatus(failed[0].err), nil
	}
	for _, sh := range l.shares {
		if sh.err == nil && s.cfg.Targets.Len() > 1 {
			p.Counts = append(p.Counts, views.TargetCount{Name: sh.target.Name, Label: sh.target.Label(), Count: sh.total})
		}
	}
	p.Total = l.total
	p.StatusCounts = statusCounts(l, q)
	if sh, ok := l.capped(); ok {
		p.Capped, p.NameTotal = sh.read, sh.named
		if s.cfg.Targets.Len() > 1 {
			p.CappedTarget = sh.target.Label()
		}
	}
	rows := l.rows
	if !l.paged {
		start := min(q.Offset(), len(rows))
		rows = rows[start:min(start+q.Size, len(rows))]
	}
	rows = ownRows(rows) // the page's rows alone are copied, then completed
	s.facts.fill(ctx, rows)
	progress := progressOf(ctx, rows)
	// A row's stop returns to this list page (not /task-rows, which is
	// only a fragment), with the search, filters, order and size kept.
	returnTo := q.URL()
	p.Rows = make([]views.TaskState, 0, len(rows)) // a row is 700 bytes: no regrowing
	for i, r := range rows {
		st := s.state(c, r.target, *r.task, returnTo)
		st.Progress = progress[i]
		st.Refresh = 0 // the rows refresh together, with one list call
		st.SelectCell = p.CanStop
		if s.cfg.Targets.Len() > 1 {
			st.TargetLabel, st.TargetWhere = r.target.Label(), r.target.Where()
		}
		p.Rows = append(p.Rows, st)
	}
	return p, http.StatusOK, nil
}

// targetChoices are the targets the list's filter offers (none with one).
func (s *Server) targetChoices() []views.TargetChoice {
	if s.cfg.Targets.Len() < 2 {
		return nil
	}
	var out []views.TargetChoice
	for _, t := range s.cfg.Targets.All() {
		out = append(out, views.TargetChoice{Name: t.Name, Label: t.Label(), Where: t.Where()})
	}
	return out
}

// Show is one task's page: the task, its progress (online migrations) and
// one page of its logs (log_level and log_page in the query, checked before
// any upstream call). Logs are read while the task is, and so is the
// progress of a task the dashboard already knows is an online migration;
// otherwise progress is read once the task says it is one, so no call is
// wasted on backup imports.
func (s *Server) Show(c echo.Context) error {
	t, id, logFilter, err := s.taskLogsQuery(c, "log_level", "log_page")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		wg       sync.WaitGroup
		logs     dcs.LogPage
		logsErr  error
		stats    dcs.Stats
		statsErr error
	)
	wg.Go(func() { logs, logsErr = t.Tasks.Logs(ctx, id, logOptions(logFilter)) })
	// A task known to be an online migration (the list showed it) has its
	// progress read at the same time as itself: the page costs one round
	// trip, not two. Read fresh, since its status is not known yet: a task
	// that has just finished must show its final figures.
	early := s.facts.typeOf(t, id) == dcs.TypeOnlineMigration
	if early {
		wg.Go(func() { stats, statsErr = t.Tasks.Stats(dcs.Fresh(ctx), id) })
	}
	task, err := t.Tasks.Show(ctx, id)
	if err != nil {
		wg.Wait()
		return err
	}
	s.facts.remember(t, task)
	task.ErrorMessage = s.listedError(ctx, t, task)
	p := views.DetailPage{
		Chrome:    s.chrome(c, task.Name),
		Task:      task,
		State:     s.state(c, t, task, routes.TaskURL(t.Name, id)),
		LogFilter: logFilter,
	}
	if task.Type == dcs.TypeOnlineMigration && !early {
		statsCtx := ctx
		if !task.Status.InProgress() {
			statsCtx = dcs.Fresh(ctx) // final figures, which no poll corrects
		}
		stats, statsErr = t.Tasks.Stats(statsCtx, id)
	}
	wg.Wait()
	if task.Type == dcs.TypeOnlineMigration {
		if statsErr != nil {
			b := upstreamBanner(ctx, statsErr, i18n.T(ctx, "tasks.progress_failed"))
			p.StatsErr = &b
		} else {
			p.Stats = &stats
		}
	}
	if logsErr != nil {
		b := upstreamBanner(ctx, logsErr, i18n.T(ctx, "tasks.logs_failed"))
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
	t, id, err := s.taskAddr(c)
	if err != nil {
		return err
	}
	task, err := t.Tasks.Show(c.Request().Context(), id)
	if err != nil {
		if !isHTMX(c) {
			return err
		}
		s.log.Warn("status refresh failed", "task_id", id, "err", err.Error())
		return c.NoContent(http.StatusNoContent)
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, routes.TaskURL(t.Name, id))
	}
	returnTo := safeReturnTo(c.QueryParam("return_to"), t.Name, id)
	st := s.state(c, t, task, returnTo)
	if st.OnTaskPage() {
		st.Task.ErrorMessage = s.listedError(c.Request().Context(), t, task)
	}
	return render(c, http.StatusOK, views.StatusRead(&st, views.FollowText(c.Request().Context(), task, time.Now())))
}

// state builds the status block of task, of target t, for the current viewer.
func (s *Server) state(c echo.Context, t *targets.Target, task dcs.Task, returnTo string) views.TaskState {
	return views.TaskState{
		Task:     task,
		Target:   t.Name,
		CSRF:     csrfTokenOf(c),
		CanStop:  s.canStopOn(c, t),
		ReturnTo: returnTo,
		Refresh:  s.cfg.Refresh,
	}
}

// canStopOn reports whether the current person may stop t's tasks here and
// now: not read-only, and an operator of t (its own operator groups when it
// has them, the dashboard's otherwise).
func (s *Server) canStopOn(c echo.Context, t *targets.Target) bool {
	return !s.cfg.ReadOnly && identityOf(c).operatorOf(t)
}

// canStopAny reports whether the current person may stop tasks of any of ts.
func (s *Server) canStopAny(c echo.Context, ts []*targets.Target) bool {
	return slices.ContainsFunc(ts, func(t *targets.Target) bool { return s.canStopOn(c, t) })
}

// taskAddr reads and checks the :target and :id path parameters before any
// upstream call: a target the dashboard watches, and a well-formed id.
func (s *Server) taskAddr(c echo.Context) (*targets.Target, string, error) {
	t, ok := s.cfg.Targets.Get(c.Param("target"))
	if !ok {
		return nil, "", pageErr(c.Request().Context(), http.StatusNotFound, "tasks.no_target.title", "tasks.no_target.text")
	}
	id := c.Param("id")
	if !dcs.ValidTaskID(id) {
		return nil, "", pageErr(c.Request().Context(), http.StatusNotFound, "tasks.no_task.title", "tasks.no_task.text", "Max", dcs.MaxTaskIDLength)
	}
	return t, id, nil
}

// LegacyTask answers the addresses tasks had before they carried their
// target (/tasks/{id}/...): with one target they redirect to the task's
// address under it, so old links and bookmarks survive.
func (s *Server) LegacyTask(c echo.Context) error {
	t, ok := s.cfg.Targets.Only()
	if !ok {
		return pageErr(c.Request().Context(), http.StatusNotFound, "tasks.which_target.title", "tasks.which_target.text")
	}
	id, rest := c.Param("id"), c.Param("*")
	if !dcs.ValidTaskID(id) || !slices.Contains(legacyParts, rest) {
		return pageErr(c.Request().Context(), http.StatusNotFound, "tasks.no_task.title", "errors.page.not_found")
	}
	to := routes.TaskURL(t.Name, id)
	if rest != "" {
		to += "/" + rest
	}
	if raw := c.Request().URL.RawQuery; raw != "" {
		to += "?" + raw
	}
	// 308 keeps the method, so an old form's post still reaches its stop.
	return c.Redirect(http.StatusPermanentRedirect, to)
}

// legacyParts are the pages below a task's old address.
var legacyParts = []string{"", "status", "progress", "logs", "stop"}

// safeReturnTo accepts only the dashboard's own pages as a place to go back
// to, so a crafted link cannot turn the stop flow into an open redirect.
func safeReturnTo(raw, target, id string) string {
	return localReturn(raw, routes.TaskURL(target, id), routes.List, routes.TaskURL(target, id))
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
