package handlers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// BenchmarkListOneSlowTarget measures what one slow target costs a list
// page: the targets are read at the same time, so the page takes as long as
// the slowest target (here 200 ms injected into one project), not the sum,
// and a list of the fast target alone is not slowed at all. It reports the
// page's time with the slow target (ms-all) and with the fast one alone
// (ms-fast-alone).
func BenchmarkListOneSlowTarget(b *testing.B) {
	e := newEnv(b, options{twoTargets: true})
	const slow = 200 * time.Millisecond
	e.sim.SetFaults(dcssim.Faults{Projects: map[string]dcssim.ProjectFault{drProject: {Delay: slow, Ops: []dcssim.Op{dcssim.OpList}}}})
	page := func(path string) time.Duration {
		start := time.Now()
		wantStatus(b, e.get(path), http.StatusOK)
		return time.Since(start)
	}
	page("/") // warm: network types are read once per task
	var all, alone time.Duration
	b.ResetTimer()
	for b.Loop() {
		all += page("/")
		alone += page("/?target=" + prodTarget)
	}
	b.ReportMetric(float64(all.Milliseconds())/float64(b.N), "ms-all")
	b.ReportMetric(float64(alone.Microseconds())/1000/float64(b.N), "ms-fast-alone")
	b.ReportMetric(float64(slow.Milliseconds()), "ms-injected")
}
