package dcs

import (
	"context"
	"time"
)

// TaskService is the DCS migration-task API as the dashboard uses it. The
// SDK Client implements it; so do the wrappers layered over it (the read
// cache and the metrics), which is why it is declared once here, beside
// the types it speaks, rather than where each consumer uses it.
type TaskService interface {
	// List reads a page of tasks. The page may be shared with other
	// callers (the read cache hands the same one to every viewer of a
	// list): read it, never modify it; copy a task to complete it.
	List(ctx context.Context, opt ListOptions) (TaskPage, error)
	Show(ctx context.Context, id string) (Task, error)
	Stats(ctx context.Context, id string) (Stats, error)
	Logs(ctx context.Context, id string, opt LogOptions) (LogPage, error)
	// Stop asks to stop one task; it is sent at most once, never retried.
	Stop(ctx context.Context, id string) (StopAnswer, error)
	// BatchStop asks to stop up to MaxBatchStop tasks in one call.
	BatchStop(ctx context.Context, ids []string) (BatchStopAnswer, error)
}

var _ TaskService = (*Client)(nil)

type freshKey struct{}

// Fresh marks ctx for reads that must come from the API as it is now: a
// TaskService that keeps answers in memory (the read cache) neither serves
// a kept one nor joins a read that began before this one. Used for the
// last figures a page shows of a task that has just finished, which nothing
// reads again.
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

// WantsFresh reports whether ctx was marked by Fresh.
func WantsFresh(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }

type maxAgeKey struct{}

// MaxAge marks ctx for reads that accept an answer read up to d ago: a
// TaskService that keeps answers (the read cache) may serve one older than
// its own period. The watcher reads so: figures half a minute old tell
// whether a task is stuck as well as new ones, and taking what the pages
// read costs the API nothing.
func MaxAge(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, maxAgeKey{}, d)
}

// MaxAgeOf is the age MaxAge gave ctx, if any.
func MaxAgeOf(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(maxAgeKey{}).(time.Duration)
	return d, ok
}
