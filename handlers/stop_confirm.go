package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// refusedConfirmation is a confirmation nobody may see here, as the error
// page (or, for htmx, the banner) the error handler renders.
func refusedConfirmation(r *stopRefusal) error {
	return &pageError{Status: r.status, Title: r.banner.Title, Text: r.banner.Text, said: r.why}
}

// ConfirmStop asks to confirm a stop: the dialog htmx loads for a Stop
// button, or the confirmation page without JavaScript. A GET never stops
// anything. A reason kept from a refused confirmation is filled in again.
func (s *Server) ConfirmStop(c echo.Context) error {
	t, id, err := s.taskAddr(c)
	if err != nil {
		return err
	}
	if r := s.stopForbidden(c.Request().Context(), identityOf(c), []*targets.Target{t}); r != nil {
		return refusedConfirmation(r)
	}
	task, err := t.Tasks.Show(c.Request().Context(), id)
	if err != nil {
		return err
	}
	st := s.state(c, t, task, safeReturnTo(c.QueryParam("return_to"), t.Name, id))
	st.Reason = s.cfg.Sessions.TakeReason(c)
	if !task.Status.Stoppable() {
		st.Banner = &views.Banner{Kind: "info", Title: s.tr(c, "stops.cannot_stop.title"),
			Text: s.tr(c, "stops.cannot_stop.text", "Status", views.StatusName(c.Request().Context(), task.Status))}
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.StopDialog(&st))
	}
	return render(c, http.StatusOK, views.ConfirmStopView(views.ConfirmStopPage{Chrome: s.chrome(c, s.tr(c, "tasks.title.stop", "Name", task.Name)), State: st}))
}

// ConfirmBatchStop lists the chosen tasks and asks for one reason: a dialog
// for htmx, a page without JavaScript. A GET never stops anything.
func (s *Server) ConfirmBatchStop(c echo.Context) error {
	tasks, invalid := s.batchTasks(c)
	req := &stopRequest{tasks: tasks}
	if r := s.stopForbidden(c.Request().Context(), identityOf(c), req.targets()); r != nil {
		return refusedConfirmation(r)
	}
	if invalid != nil {
		return &pageError{Status: http.StatusBadRequest, Title: invalid.banner.Title, Text: invalid.banner.Text, said: invalid.why}
	}
	p := views.BatchStop{Tasks: readTasks(c.Request().Context(), tasks), CSRF: csrfTokenOf(c),
		ReturnTo: safeListReturn(c.QueryParam("return_to")), Reason: s.cfg.Sessions.TakeReason(c), CanConfirm: true}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.BatchStopDialog(p))
	}
	return render(c, http.StatusOK, views.BatchStopPage(s.chrome(c, s.tr(c, "tasks.title.batch_stop")), p))
}

// readTasks reads the tasks a confirmation names, each from its target; a
// task that cannot be read is listed by its id.
func readTasks(ctx context.Context, tasks []taskAt) []views.TargetTask {
	out := make([]views.TargetTask, len(tasks))
	byTarget := map[*targets.Target][]int{}
	for i, at := range tasks {
		out[i] = views.TargetTask{Target: at.target.Name, Task: dcs.Task{ID: at.id}}
		byTarget[at.target] = append(byTarget[at.target], i)
	}
	for t, idx := range byTarget {
		ids := make([]string, len(idx))
		for k, i := range idx {
			ids[k] = tasks[i].id
		}
		showEach(ctx, t.Tasks, ids, func(k int, task dcs.Task) { out[idx[k]].Task = task })
	}
	return out
}

// safeListReturn accepts only the list page (any query) as the place a
// batch returns to.
func safeListReturn(raw string) string {
	return localReturn(raw, "/", "/")
}
