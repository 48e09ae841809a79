package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
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
type taskFacts struct {
	tasks dcs.TaskService

	mu      sync.Mutex
	network map[string]string
}

func newTaskFacts(tasks dcs.TaskService) *taskFacts {
	return &taskFacts{tasks: tasks, network: map[string]string{}}
}

// remember records the facts of a task read in full (detail page, stop),
// an empty network type included: a task whose API answer has none must not
// cost a read on every list view.
func (f *taskFacts) remember(t dcs.Task) {
	if t.ID == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.network) >= maxFacts {
		clear(f.network) // crude, but bounded; entries refill on demand
	}
	f.network[t.ID] = t.NetworkType
}

// fill completes list rows that lack a network type, from memory or by
// reading the task. Failures leave the field empty (shown as a dash).
func (f *taskFacts) fill(ctx context.Context, tasks []dcs.Task) {
	var missing []int
	f.mu.Lock()
	for i := range tasks {
		if tasks[i].NetworkType != "" {
			continue
		}
		if n, ok := f.network[tasks[i].ID]; ok {
			tasks[i].NetworkType = n
		} else {
			missing = append(missing, i)
		}
	}
	f.mu.Unlock()
	if len(missing) == 0 {
		return
	}

	ids := make([]string, len(missing))
	for k, i := range missing {
		ids[k] = tasks[i].ID
	}
	showEach(ctx, f.tasks, ids, func(k int, full dcs.Task) {
		f.remember(full)
		tasks[missing[k]].NetworkType = full.NetworkType
	})
}

// showEach reads the tasks ids name, at most factLookups at a time and for
// at most factDeadline, and hands each one read to got with its index. A
// task that cannot be read in time is skipped: callers show what they have.
func showEach(ctx context.Context, tasks dcs.TaskService, ids []string, got func(i int, t dcs.Task)) {
	ctx, cancel := context.WithTimeout(ctx, factDeadline)
	defer cancel()
	sem := make(chan struct{}, factLookups)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			if t, err := tasks.Show(ctx, id); err == nil {
				got(i, t)
			}
		})
	}
	wg.Wait()
}
