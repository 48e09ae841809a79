package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

const (
	// maxFacts bounds the memory the cache may take (a few bytes per task).
	maxFacts = 10000
	// factLookups bounds concurrent ShowMigrationTask calls made to fill the
	// list, and factDeadline how long a list waits for them: a slow API costs
	// the list its network column, not its answer.
	factLookups  = 4
	factDeadline = 3 * time.Second
)

// taskFacts remembers what never changes about a task once created, so the
// list can show it. The API's list items do not carry the network type, so
// without this every list view would need one ShowMigrationTask per row; with
// it, each task costs one call in the life of the process.
//
// It also remembers each listed task's migration type, so a task's page
// knows before reading the task whether its progress is worth asking for
// at the same time.
type taskFacts struct {
	mu      sync.Mutex
	network map[factID]string
	kind    map[factID]string // migration type
}

// factID names a task of a target: ids are the API's, unique in a project
// but not promised across projects. (A struct, not a joined string: every
// list view looks up each of its rows.)
type factID struct{ target, id string }

func idOf(t *targets.Target, id string) factID { return factID{t.Name, id} }

func newTaskFacts() *taskFacts {
	return &taskFacts{network: map[factID]string{}, kind: map[factID]string{}}
}

// typeOf is the migration type of task id of t, if it has been seen.
func (f *taskFacts) typeOf(t *targets.Target, id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kind[idOf(t, id)]
}

// noteTypes records the migration types of listed rows.
func (f *taskFacts) noteTypes(rows []row) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.kind)+len(rows) > maxFacts {
		clear(f.kind)
	}
	for _, r := range rows {
		if k := idOf(r.target, r.task.ID); r.task.Type != "" && f.kind[k] != r.task.Type {
			f.kind[k] = r.task.Type
		}
	}
}

// factKey is factID as one string, for keys kept outside this process's
// maps (stop leases).
func factKey(t *targets.Target, id string) string { return t.Name + "/" + id }

// remember records the facts of a task read in full (detail page, stop),
// an empty network type included: a task whose API answer has none must not
// cost a read on every list view.
func (f *taskFacts) remember(t *targets.Target, task dcs.Task) {
	if task.ID == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.network) >= maxFacts {
		clear(f.network) // crude, but bounded; entries refill on demand
	}
	f.network[idOf(t, task.ID)] = task.NetworkType
	if task.Type != "" {
		if len(f.kind) >= maxFacts {
			clear(f.kind)
		}
		f.kind[idOf(t, task.ID)] = task.Type
	}
}

// fill completes list rows that lack a network type, from memory or by
// reading the task from its own target. Failures leave the field empty
// (shown as a dash).
func (f *taskFacts) fill(ctx context.Context, rows []row) {
	f.noteTypes(rows)
	var missing map[*targets.Target][]int // most views: none
	f.mu.Lock()
	for i := range rows {
		r := &rows[i]
		if r.task.NetworkType != "" {
			continue
		}
		if n, ok := f.network[idOf(r.target, r.task.ID)]; ok {
			r.task.NetworkType = n
		} else {
			if missing == nil {
				missing = map[*targets.Target][]int{}
			}
			missing[r.target] = append(missing[r.target], i)
		}
	}
	f.mu.Unlock()
	var wg sync.WaitGroup
	for t, idx := range missing {
		ids := make([]string, len(idx))
		for k, i := range idx {
			ids[k] = rows[i].task.ID
		}
		wg.Go(func() {
			showEach(ctx, t.Tasks, ids, func(k int, full dcs.Task) {
				f.remember(t, full)
				rows[idx[k]].task.NetworkType = full.NetworkType
			})
		})
	}
	wg.Wait()
}

// showEach reads the tasks ids name, at most factLookups at a time and for
// at most factDeadline, and hands each one read to got with its index. A
// task that cannot be read in time is skipped: callers show what they have.
func showEach(ctx context.Context, tasks dcs.TaskService, ids []string, got func(i int, t dcs.Task)) {
	readEach(ctx, len(ids), factLookups, func(ctx context.Context, i int) {
		if t, err := tasks.Show(ctx, ids[i]); err == nil {
			got(i, t)
		}
	})
}

// readEach calls read for each index below n, at most lookups at a time,
// all within factDeadline: a slow API costs the page the figures it could
// not read in time, never its answer. A read not started by then is skipped.
func readEach(ctx context.Context, n, lookups int, read func(ctx context.Context, i int)) {
	if n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, factDeadline)
	defer cancel()
	sem := make(chan struct{}, lookups)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			read(ctx, i)
		})
	}
	wg.Wait()
}
