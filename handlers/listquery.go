package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
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

// listQuery is the list's URL, read and checked: the name search, the
// filters and order (views.ListFilter, as links carry them on) and the page.
type listQuery struct {
	name   string
	filter views.ListFilter
	page   int
	size   int // tasks per page, the default filled in
}

// local reports whether the dashboard must filter or order the tasks itself.
// The API filters only by name and lists newest first, so a plain list (any
// page size) stays one paged call, and anything else reads every task the
// name matches.
func (q listQuery) local() bool {
	return q.filter.Status != "" || q.filter.Type != "" || q.filter.Sort != ""
}

// parseListQuery checks every list parameter before any upstream call. An
// empty value is the default, so the plain GET form (which sends every
// field) works without JavaScript; anything unknown is refused with the
// values that are allowed, rather than silently showing another list.
func (s *Server) parseListQuery(c echo.Context) (listQuery, error) {
	q := listQuery{name: strings.TrimSpace(c.QueryParam("q")), page: 1, size: s.cfg.PageSize}
	if utf8.RuneCountInString(q.name) > maxQueryLength {
		return q, badRequest("Search text too long", "Search for at most "+strconv.Itoa(maxQueryLength)+" characters of a task name.")
	}
	if raw := c.QueryParam("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPage {
			return q, badRequest("Invalid page number", "The page must be a whole number from 1 to "+strconv.Itoa(maxPage)+".")
		}
		q.page = n
	}
	var err error
	if q.filter.Status, err = oneOf(c.QueryParam("status"), "Invalid status filter", "The status filter",
		"all", views.GroupInProgress, views.GroupFinished, views.GroupFailed); err != nil {
		return q, err
	}
	if q.filter.Type, err = oneOf(c.QueryParam("type"), "Invalid migration type", "The migration type",
		"all", dcs.TypeBackupFileImport, dcs.TypeOnlineMigration); err != nil {
		return q, err
	}
	if q.filter.Sort, err = oneOf(c.QueryParam("sort"), "Invalid sort order", "The sort order",
		"newest", views.SortOldest); err != nil {
		return q, err
	}
	if raw := c.QueryParam("size"); raw != "" {
		sizes := s.pageSizes()
		n, err := strconv.Atoi(raw)
		if err != nil || !slices.Contains(sizes, n) {
			words := make([]string, len(sizes))
			for i, n := range sizes {
				words[i] = strconv.Itoa(n)
			}
			return q, badRequest("Invalid page size", "The page size must be one of: "+strings.Join(words, ", ")+".")
		}
		q.size = n
		if n != s.cfg.PageSize {
			q.filter.Size = n // the default stays out of URLs
		}
	}
	return q, nil
}

// oneOf accepts "" or one of allowed; the first allowed value is the
// default and, like "", reads as "" so every URL of one list is the same.
func oneOf(raw, title, what string, allowed ...string) (string, error) {
	if raw == "" || raw == allowed[0] {
		return "", nil
	}
	if slices.Contains(allowed, raw) {
		return raw, nil
	}
	return "", badRequest(title, what+" must be one of: "+strings.Join(allowed, ", ")+".")
}

// pageSizes are the sizes offered, the configured default among them.
func (s *Server) pageSizes() []int {
	sizes := slices.Clone(views.PageSizes)
	if !slices.Contains(sizes, s.cfg.PageSize) {
		sizes = append(sizes, s.cfg.PageSize)
		slices.Sort(sizes)
	}
	return sizes
}

// listTasks returns the tasks on the page q asks for and fills in the
// page's totals. Without filters it is today's single paged call; with
// them, every task the name matches is read (readByName), then filtered,
// ordered and paged here.
func (s *Server) listTasks(ctx context.Context, q listQuery, p *views.ListPage) ([]dcs.Task, error) {
	if !q.local() {
		res, err := s.cfg.Tasks.List(ctx, dcs.ListOptions{Offset: (q.page - 1) * q.size, Limit: q.size, Name: q.name})
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
	start := min((q.page-1)*q.size, len(m.tasks))
	return m.tasks[start:min(start+q.size, len(m.tasks))], nil
}

// matchResult is every task a list or export shows, in order.
type matchResult struct {
	tasks  []dcs.Task
	read   int  // tasks read from the API before filtering
	total  int  // the API's count of tasks whose name matches
	capped bool // readCap was reached: tasks past it were not read
}

// matching reads the tasks whose name matches q, then filters and orders them.
func (s *Server) matching(ctx context.Context, q listQuery) (matchResult, error) {
	all, total, capped, err := s.readByName(ctx, q.name)
	if err != nil {
		return matchResult{}, err
	}
	m := matchResult{read: len(all), total: total, capped: capped}
	for _, t := range all {
		if matches(t, q.filter) {
			m.tasks = append(m.tasks, t)
		}
	}
	sortByCreated(m.tasks, q.filter.Sort)
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

// matches reports whether t belongs in the list f describes.
func matches(t dcs.Task, f views.ListFilter) bool {
	return (f.Status == "" || statusGroup(t.Status) == f.Status) && (f.Type == "" || t.Type == f.Type)
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
		return views.GroupInProgress
	case st.Tone() == dcs.ToneFailed:
		return views.GroupFailed
	default:
		return views.GroupFinished
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
			if order == views.SortOldest {
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
