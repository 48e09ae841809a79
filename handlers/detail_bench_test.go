package handlers_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// BenchmarkTaskPageLatency measures a task's page with 100 ms injected into
// every call that names the task (ShowMigrationTask, its stats, its logs):
// the page reads them at the same time, so it takes about one round trip.
// It reports the median and the 90th percentile in ms, and the median as a
// multiple of the injected round trip (target: at most 1.2), for an online
// migration reached from the list (its type known) and one opened cold.
func BenchmarkTaskPageLatency(b *testing.B) {
	e := newEnv(b, options{})
	const rtt = 100 * time.Millisecond
	id := e.idWith(dcs.StatusFullMigrating)
	e.sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Delay: rtt}}})
	wantStatus(b, e.get("/"), http.StatusOK) // the list: the task's type is known from here on
	path := routes.TaskURL(targets.DefaultName, id)
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		wantStatus(b, e.get(path), http.StatusOK)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	p50, p90 := took[len(took)/2], took[len(took)*9/10]
	b.ReportMetric(float64(p50.Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(p90.Microseconds())/1000, "ms-p90")
	b.ReportMetric(float64(p50)/float64(rtt), "x-round-trip")
}
