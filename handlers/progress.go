package handlers

import (
	"context"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/views"
)

// ProgressLookups bounds the concurrent ShowMigrationTaskStats calls made
// to fill one list's progress column. The task cache shares them between
// viewers and keeps each answer for -list-cache, so a page costs one call
// per task in progress per cache period however many people watch it.
const ProgressLookups = 8

// progressOf reads the progress of every row whose task reports it, each
// from its own target, and answers it by row index (nil where the task
// reports none). A read that fails is kept with its error, for the cell to
// say why its figures are missing; one not finished within factDeadline is
// an empty RowProgress.
// keptStats is a task service that can tell the progress it keeps without
// a read (taskcache.Cache): the figures every viewer's refresh shares.
type keptStats interface {
	KeptStats(ctx context.Context, id string) (dcs.Stats, bool)
}

func progressOf(ctx context.Context, rows []row) []*views.RowProgress {
	out := make([]*views.RowProgress, len(rows))
	var moving []int
	for i, r := range rows {
		if !r.task.ReportsProgress() {
			continue
		}
		out[i] = &views.RowProgress{}
		if k, ok := r.target.Tasks.(keptStats); ok {
			if stats, ok := k.KeptStats(ctx, r.task.ID); ok {
				out[i].Stats = &stats
				continue
			}
		}
		moving = append(moving, i)
	}
	readEach(ctx, len(moving), ProgressLookups, func(ctx context.Context, k int) {
		r := rows[moving[k]]
		stats, err := r.target.Tasks.Stats(ctx, r.task.ID)
		if err != nil {
			if ctx.Err() != nil {
				return // out of time: not a failure of the API's to report
			}
			b := upstreamBanner(ctx, err, i18n.T(ctx, "tasks.row_progress_failed", "Name", r.task.Name))
			out[moving[k]].Error = &b
			return
		}
		out[moving[k]].Stats = &stats
	})
	return out
}
