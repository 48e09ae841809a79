package metrics_test

import (
	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/metrics"
)

// The local TaskService must keep the method set of handlers.TaskService:
// these conversions stop compiling the moment either side changes.
var (
	_ handlers.TaskService = metrics.TaskService(nil)
	_ metrics.TaskService  = handlers.TaskService(nil)
	_ metrics.TaskService  = (*dcs.Client)(nil)
)
