package taskcache

import (
	"context"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

const (
	// PageSize is the largest page the DCS API lists in one call.
	PageSize = 1000
	// ReadCap bounds what one reading of a target's tasks takes: five
	// calls. Past it a page says so rather than make a project with tens
	// of thousands of tasks cost tens of calls per view.
	ReadCap = 5000
)

// ReadByName reads up to limit tasks of ts whose name contains name, newest
// first, in the API's largest pages from offset 0. The pages are the same
// (offset, limit, name) for every caller (each list view and filter, the
// watcher), so a Cache serves them all from one upstream read. A task
// created between two reads shifts the pages, so one seen twice is kept
// once. The tasks point into the pages, which may be shared: read them,
// never write them. total is the API's count of tasks whose name matches;
// complete reports whether every one of them was read.
func ReadByName(ctx context.Context, ts dcs.TaskService, name string, limit int) (tasks []*dcs.Task, total int, complete bool, err error) {
	seen := map[string]bool{}
	for offset := 0; offset < limit; offset += PageSize {
		page, err := ts.List(ctx, dcs.ListOptions{Offset: offset, Limit: PageSize, Name: name})
		if err != nil {
			return nil, 0, false, err
		}
		total = page.Total
		for i := range page.Tasks {
			if task := &page.Tasks[i]; !seen[task.ID] {
				seen[task.ID] = true
				tasks = append(tasks, task)
			}
		}
		if len(page.Tasks) < PageSize || offset+PageSize >= page.Total {
			return tasks, total, true, nil
		}
	}
	return tasks, total, false, nil
}
