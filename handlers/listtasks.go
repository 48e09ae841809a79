package handlers

import (
	"context"
	"errors"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	// readPageSize is the largest page the DCS API lists in one call.
	readPageSize = 1000
	// readCap bounds what one filtered list or export reads: five API calls.
	// Past it the page says so rather than make a project with tens of
	// thousands of tasks cost tens of calls per view.
	readCap = 5000
)

// local reports whether the dashboard must filter or order the tasks itself.
// The API filters only by name and lists newest first, so a plain list (any
// page size) stays one paged call, and anything else reads every task the
// name matches.
func local(q listquery.Query) bool {
	return q.Status != "" || q.Type != "" || q.Sort != ""
}

// parseListQuery checks every list parameter before any upstream call; a
// value the list refuses is a 400 page that names the allowed values.
func (s *Server) parseListQuery(c echo.Context) (listquery.Query, error) {
	q, err := listquery.Parse(c.QueryParams(), s.cfg.PageSize)
	if bad, ok := errors.AsType[*listquery.Error](err); ok {
		return q, badRequest(bad.Title, bad.Text)
	}
	return q, err
}

// listTasks returns the tasks on the page q asks for and fills in the
// page's totals. Without filters it is today's single paged call; with
// them, every task the name matches is read (readByName), then filtered,
// ordered and paged here.
func (s *Server) listTasks(ctx context.Context, q listquery.Query, p *views.ListPage) ([]dcs.Task, error) {
	if !local(q) {
		res, err := s.cfg.Tasks.List(ctx, dcs.ListOptions{Offset: q.Offset(), Limit: q.Size, Name: q.Name})
		p.Total = res.Total
		return res.Tasks, err
	}
	m, err := s.matching(ctx, q)
	if err != nil {
		return nil, err
	}
	p.Total = len(m.tasks)
	if m.capped {
		p.Capped, p.NameTotal = m.read, m.total
	}
	start := min(q.Offset(), len(m.tasks))
	return m.tasks[start:min(start+q.Size, len(m.tasks))], nil
}

// matchResult is every task a list or export shows, in order.
type matchResult struct {
	tasks  []dcs.Task
	read   int  // tasks read from the API before filtering
	total  int  // the API's count of tasks whose name matches
	capped bool // readCap was reached: tasks past it were not read
}

// matching reads the tasks whose name matches q, then filters and orders them.
func (s *Server) matching(ctx context.Context, q listquery.Query) (matchResult, error) {
	all, total, capped, err := s.readByName(ctx, q.Name)
	if err != nil {
		return matchResult{}, err
	}
	m := matchResult{read: len(all), total: total, capped: capped}
	for _, t := range all {
		if matches(t, q) {
			m.tasks = append(m.tasks, t)
		}
	}
	sortByCreated(m.tasks, q.Sort)
	return m, nil
}

// readByName reads every task whose name contains name in the API's
// largest pages, up to readCap. The pages are the same (offset, limit,
// name) for every viewer and every filter, so the task cache serves them
// all from one upstream read. A task created between two reads shifts the
// pages, so one seen twice is kept once.
func (s *Server) readByName(ctx context.Context, name string) (tasks []dcs.Task, total int, capped bool, err error) {
	seen := map[string]bool{}
	for offset := 0; offset < readCap; offset += readPageSize {
		page, err := s.cfg.Tasks.List(ctx, dcs.ListOptions{Offset: offset, Limit: readPageSize, Name: name})
		if err != nil {
			return nil, 0, false, err
		}
		total = page.Total
		for _, t := range page.Tasks {
			if !seen[t.ID] {
				seen[t.ID] = true
				tasks = append(tasks, t)
			}
		}
		if len(page.Tasks) < readPageSize || offset+readPageSize >= page.Total {
			return tasks, total, false, nil
		}
	}
	return tasks, total, true, nil
}

// matches reports whether t belongs in the list q describes.
func matches(t dcs.Task, q listquery.Query) bool {
	return (q.Status == "" || statusGroup(t.Status) == q.Status) && (q.Type == "" || t.Type == q.Type)
}

// statusGroup is the filter a status belongs to. An unknown status (or
// none) belongs to no group and is listed under "all" only: the dashboard
// cannot tell whether such a task is still running, and guessing would
// hide it from the group it really belongs to.
func statusGroup(st dcs.Status) string {
	switch {
	case !st.Known():
		return ""
	case st.InProgress():
		return listquery.GroupInProgress
	case st.Tone() == dcs.ToneFailed:
		return listquery.GroupFailed
	default:
		return listquery.GroupFinished
	}
}

// sortByCreated orders tasks by creation time, newest first unless order is
// oldest first. A time that could not be parsed cannot be placed, so those
// tasks come last either way, in the API's order.
func sortByCreated(tasks []dcs.Task, order string) {
	slices.SortStableFunc(tasks, func(a, b dcs.Task) int {
		av, bv := a.CreatedAt.Valid(), b.CreatedAt.Valid()
		switch {
		case av && bv:
			if order == listquery.SortOldest {
				return a.CreatedAt.Time.Compare(b.CreatedAt.Time)
			}
			return b.CreatedAt.Time.Compare(a.CreatedAt.Time)
		case av:
			return -1
		case bv:
			return 1
		}
		return 0
	})
}
