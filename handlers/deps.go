// Package handlers is the dashboard's HTTP layer: Echo handlers, middleware
// (security headers, sessions, CSRF, identity) and all routes in routes.go.
//
// Handlers return errors; one error handler (errors.go) renders them as a
// full page or, for htmx requests, as a banner fragment.
package handlers

import (
	"context"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// TaskService is what the handlers need from the DCS API. internal/dcs.Client
// satisfies it; so can anything a test builds.
type TaskService interface {
	List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error)
	Show(ctx context.Context, id string) (dcs.Task, error)
	Stats(ctx context.Context, id string) (dcs.Stats, error)
	Logs(ctx context.Context, id string, opt dcs.LogOptions) (dcs.LogPage, error)
	Stop(ctx context.Context, id string) (dcs.Task, error)
	// BatchStop asks to stop up to dcs.MaxBatchStop tasks in one call.
	BatchStop(ctx context.Context, ids []string) ([]dcs.StopResult, error)
}
