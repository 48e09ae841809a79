package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
	"github.com/dcs-dashboard/migrations/views"
)

// The API's largest page, and what one target's share of a list or
// export reads at most (taskcache's, which the watcher reads with too).
const (
	readPageSize = taskcache.PageSize
	readCap      = taskcache.ReadCap
)

// local reports whether the dashboard must filter or order the tasks itself.
// The API filters only by name and lists newest first, so a plain list of
// one target (any page size) stays one paged call, and anything else reads
// every task the name matches.
func local(q listquery.Query) bool {
	return q.Status != "" || q.Type != "" || q.Sort != ""
}

// parseListQuery checks every list parameter before any upstream call; a
// value the list refuses is a 400 page that names the allowed values.
func (s *Server) parseListQuery(c echo.Context) (listquery.Query, error) {
	q, err := listquery.Parse(c.QueryParams(), s.cfg.PageSize)
	if bad, ok := errors.AsType[*listquery.Error](err); ok {
		ctx := c.Request().Context()
		return q, &pageError{Status: http.StatusBadRequest, Title: i18n.T(ctx, bad.TitleID), Text: i18n.T(ctx, bad.TextID, bad.Args...)}
	}
	if err == nil && q.Target != "" {
		if _, ok := s.cfg.Targets.Get(q.Target); !ok {
			return q, badRequest(c.Request().Context(), "tasks.unknown_target.title", "tasks.unknown_target.text", "Target", q.Target)
		}
	}
	return q, err
}

// row is a task with the target it was read from. task points into the
// page the API (or the task cache) answered, which may be shared with other
// requests: it is read, never written. A list copies the rows it shows
// (ownRows) before completing them.
type row struct {
	target *targets.Target
	task   *dcs.Task
}

// ownRows copies rows' tasks, so they may be completed (network types)
// without touching a page another request may be reading.
func ownRows(rows []row) []row {
	out := make([]row, len(rows))
	for i, r := range rows {
		task := *r.task
		out[i] = row{r.target, &task}
	}
	return out
}

// share is what one target gave a list: its tasks (matching, in the
// list's order), its count, and its failure if it had one.
type share struct {
	target *targets.Target
	rows   []row
	total  int  // tasks of this target the list counts
	read   int  // tasks read from the API
	named  int  // the API's count of tasks whose name matches
	capped bool // readCap was reached: tasks past it were not read
	// byName is every task read whose name matches, before the status and
	// type filters: what the status filter's counts are made of.
	byName []row
	err    error
}

// listing is a list's tasks across its targets.
type listing struct {
	rows   []row   // every task the page may show, merged in the list's order
	total  int     // the tasks the list counts
	shares []share // one per target in scope, in configured order
	// paged marks rows that are already the page asked for (one target's
	// page read as such), not tasks to cut the page from.
	paged bool
}

// failed is the shares that could not be read.
func (l listing) failed() []share {
	var out []share
	for _, sh := range l.shares {
		if sh.err != nil {
			out = append(out, sh)
		}
	}
	return out
}

// capped is the first share cut by readCap, if any.
func (l listing) capped() (share, bool) {
	for _, sh := range l.shares {
		if sh.capped {
			return sh, true
		}
	}
	return share{}, false
}

// inScope are the targets q lists: the one it names, or all.
func (s *Server) inScope(q listquery.Query) []*targets.Target {
	if t, ok := s.cfg.Targets.Get(q.Target); ok {
		return []*targets.Target{t}
	}
	return s.cfg.Targets.All()
}

// list reads the tasks q selects from every target in scope, each target
// with its own deadline and at the same time, so one slow or failing target
// costs the page that target's rows, never the others'. through is how
// many merged tasks the caller needs (a page's end); 0 means all of them.
//
// The API pages a project by offset only, newest first, and filters by name
// only. A plain list reads each target's newest through tasks, in the API's
// largest pages, and merges them: the merged list's first through, and for
// most projects one call a target, the same for every page of the list and
// every viewer, so the task cache serves them all. A filtered list reads
// every task the name matches. Only a page of a plain list of one target
// past the first readPageSize tasks is read as such, with one paged call.
func (s *Server) list(ctx context.Context, q listquery.Query, through int) listing {
	scope := s.inScope(q)
	shares := make([]share, len(scope))
	deep := len(scope) == 1 && !local(q) && through > readPageSize
	var wg sync.WaitGroup
	for i, t := range scope {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, s.cfg.TargetTimeout)
			defer cancel()
			switch {
			case local(q) || through == 0:
				shares[i] = s.matching(ctx, t, q)
			case deep:
				shares[i] = s.pageOf(ctx, t, q)
			default:
				shares[i] = s.newest(ctx, t, q.Name, through)
			}
		})
	}
	wg.Wait()
	l := listing{shares: shares, paged: deep}
	for _, sh := range shares {
		l.rows = append(l.rows, sh.rows...)
		l.total += sh.total
	}
	if !deep {
		sortRows(l.rows, q.Sort)
	}
	return l
}

// pageOf is a deep page of a plain list of one target: one paged call. The
// status filter's counts come from the target's first tasks, read as the
// list's first pages read them.
func (s *Server) pageOf(ctx context.Context, t *targets.Target, q listquery.Query) share {
	res, err := t.Tasks.List(ctx, dcs.ListOptions{Offset: q.Offset(), Limit: q.Size, Name: q.Name})
	sh := share{target: t, total: res.Total, err: err}
	for i := range res.Tasks {
		sh.rows = append(sh.rows, row{t, &res.Tasks[i]})
	}
	if err == nil {
		first := s.readByName(ctx, t, q.Name, readPageSize)
		sh.byName, sh.read, sh.named = first.byName, first.read, first.named
	}
	return sh
}

// newest is a target's newest n tasks whose name matches, up to readCap.
func (s *Server) newest(ctx context.Context, t *targets.Target, name string, n int) share {
	sh := s.readByName(ctx, t, name, min(n, readCap))
	sh.total = sh.named
	sh.capped = n > readCap && sh.named > readCap
	return sh
}

// matching reads the tasks of t whose name matches q, then filters them.
func (s *Server) matching(ctx context.Context, t *targets.Target, q listquery.Query) share {
	sh := s.readByName(ctx, t, q.Name, readCap)
	var kept []row
	for _, r := range sh.byName {
		if matches(*r.task, q) {
			kept = append(kept, r)
		}
	}
	sh.rows, sh.total = kept, len(kept)
	return sh
}

// readByName reads up to limit tasks of t whose name contains name, in
// the pages every view and the watcher share (taskcache.ReadByName).
func (s *Server) readByName(ctx context.Context, t *targets.Target, name string, limit int) share {
	tasks, total, complete, err := taskcache.ReadByName(ctx, t.Tasks, name, limit)
	if err != nil {
		return share{target: t, err: err}
	}
	sh := share{target: t, named: total, read: len(tasks), capped: !complete && limit == readCap}
	for _, task := range tasks {
		sh.rows = append(sh.rows, row{t, task})
	}
	sh.byName = sh.rows
	return sh
}

// listedError is the error message of a failed task, which the API gives
// in its list items only (the detail shape has no such field): one read of
// the list by the task's name, the same page a search by that name reads,
// so the task cache serves both. "" when it cannot be read.
func (s *Server) listedError(ctx context.Context, t *targets.Target, task dcs.Task) string {
	if task.ErrorMessage != "" || task.Status.Tone() != dcs.ToneFailed {
		return task.ErrorMessage
	}
	sh := s.readByName(ctx, t, task.Name, readPageSize)
	for _, r := range sh.rows {
		if r.task.ID == task.ID {
			return r.task.ErrorMessage
		}
	}
	return ""
}

// statusCounts is how many tasks each choice of the status filter would
// list, the name, type and target filters kept: made of the tasks each
// readable target gave the list by name, so counting costs no call.
func statusCounts(l listing, q listquery.Query) *views.StatusCounts {
	c := &views.StatusCounts{ByGroup: map[string]int{}}
	for _, sh := range l.shares {
		if sh.err != nil {
			continue
		}
		c.Partial = c.Partial || sh.read < sh.named
		for _, r := range sh.byName {
			if q.Type == "" || r.task.Type == q.Type {
				c.All++
				c.ByGroup[statusGroup(r.task.Status)]++
			}
		}
	}
	return c
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

// sortRows puts rows in the order asked for: by creation time, newest
// first (the default) or oldest first; by name, A to Z; or by status, in
// progress first, then failed, then finished, then statuses the dashboard
// does not know. Name and status ties go newest first. A creation time that
// could not be parsed cannot be placed, so those tasks come last among
// their equals, in the order they were read.
func sortRows(rows []row, order string) {
	slices.SortStableFunc(rows, func(a, b row) int {
		switch order {
		case listquery.SortName:
			if c := strings.Compare(strings.ToLower(a.task.Name), strings.ToLower(b.task.Name)); c != 0 {
				return c
			}
		case listquery.SortStatus:
			if c := cmp.Compare(statusRank(a.task.Status), statusRank(b.task.Status)); c != 0 {
				return c
			}
		}
		av, bv := a.task.CreatedAt.Valid(), b.task.CreatedAt.Valid()
		switch {
		case av && bv:
			if order == listquery.SortOldest {
				return a.task.CreatedAt.Time.Compare(b.task.CreatedAt.Time)
			}
			return b.task.CreatedAt.Time.Compare(a.task.CreatedAt.Time)
		case av:
			return -1
		case bv:
			return 1
		}
		return 0
	})
}

// statusRank places a status in the status order: what needs watching
// first.
func statusRank(st dcs.Status) int {
	switch statusGroup(st) {
	case listquery.GroupInProgress:
		return 0
	case listquery.GroupFailed:
		return 1
	case listquery.GroupFinished:
		return 2
	default:
		return 3
	}
}
