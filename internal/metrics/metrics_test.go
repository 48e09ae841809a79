package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// histogramCount is the number of observations in the series of name whose
// labels are exactly want, 0 if there is no such series.
func histogramCount(t *testing.T, m *Metrics, name string, want map[string]string) uint64 {
	t.Helper()
	for _, s := range series(t, m, name) {
		if labelsEqual(s.GetLabel(), want) {
			return s.GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// series gathers the registry and returns the series of one family.
func series(t *testing.T, m *Metrics, name string) []*dto.Metric {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	return nil
}

// labelValues lists the values label takes across a family's series.
func labelValues(t *testing.T, m *Metrics, name, label string) []string {
	t.Helper()
	var vals []string
	for _, s := range series(t, m, name) {
		for _, lp := range s.GetLabel() {
			if lp.GetName() == label {
				vals = append(vals, lp.GetValue())
			}
		}
	}
	return vals
}

func labelsEqual(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, lp := range got {
		if v, ok := want[lp.GetName()]; !ok || v != lp.GetValue() {
			return false
		}
	}
	return true
}

func TestBuildInfo(t *testing.T) {
	m := New("1.2.3", "abc1234", "go1.26.8")
	want := `
# HELP dcs_dashboard_build_info Build of the running dashboard; the value is always 1.
# TYPE dcs_dashboard_build_info gauge
dcs_dashboard_build_info{goversion="go1.26.8",revision="abc1234",version="1.2.3"} 1
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "dcs_dashboard_build_info"); err != nil {
		t.Error(err)
	}

	// An empty label would read as no label at all; it becomes "unknown".
	m = New("", "", "go1.26.8")
	want = strings.Replace(want, `revision="abc1234",version="1.2.3"`, `revision="unknown",version="unknown"`, 1)
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "dcs_dashboard_build_info"); err != nil {
		t.Error(err)
	}
}

func TestOwnRegistry(t *testing.T) {
	// Two instances must coexist: with the global registry the second New
	// would panic on duplicate registration.
	a, b := New("1", "r", "go"), New("2", "r", "go")
	a.Readiness("t1", true)
	if got := testutil.CollectAndCount(b.ready); got != 0 {
		t.Errorf("b has %d ready series after a.Readiness, want 0", got)
	}
	n, err := testutil.GatherAndCount(prometheus.DefaultGatherer, "dcs_dashboard_build_info")
	if err != nil || n != 0 {
		t.Errorf("default registry holds %d build_info series (err %v), want none", n, err)
	}
}

func TestHandlerServesExposition(t *testing.T) {
	m := New("1.2.3", "abc1234", "go1.26.8")
	m.Readiness("t1", true)
	h := m.Handler()
	_ = m.Handler() // a second handler on the same registry must not panic

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the text format", ct)
	}
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"go_goroutines ",
		"process_resident_memory_bytes ",
		`dcs_dashboard_build_info{goversion="go1.26.8",revision="abc1234",version="1.2.3"} 1`,
		`dcs_dashboard_ready{target="t1"} 1`,
		`dcs_dashboard_stop_attempts_total{outcome="accepted"} 0`,
		"# TYPE dcs_dashboard_http_requests_in_flight gauge",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestStopAttempt(t *testing.T) {
	m := New("v", "r", "go")
	// All seven known outcomes exist at 0 before any attempt.
	if n := testutil.CollectAndCount(m.stopAttempts); n != len(stopOutcomes) {
		t.Fatalf("%d stop series before any attempt, want %d", n, len(stopOutcomes))
	}
	for _, o := range []string{"accepted", "accepted", "refused", "failed", "unknown", "denied", "audit_failed", "rate_limited"} {
		m.StopAttempt(o)
	}
	m.StopAttempt("Accepted")
	m.StopAttempt("made-up\x00outcome")

	for o, want := range map[string]float64{
		"accepted": 2, "refused": 1, "failed": 1, "unknown": 1, "denied": 1,
		"audit_failed": 1, "rate_limited": 1, "other": 2,
	} {
		if got := testutil.ToFloat64(m.stopAttempts.WithLabelValues(o)); got != want {
			t.Errorf("stop_attempts_total{outcome=%q} = %v, want %v", o, got, want)
		}
	}
	if n := testutil.CollectAndCount(m.stopAttempts); n != len(stopOutcomes)+1 {
		t.Errorf("%d stop series, want %d (known outcomes plus other)", n, len(stopOutcomes)+1)
	}
}

func TestCacheAndReadiness(t *testing.T) {
	m := New("v", "r", "go")
	m.CacheHit("task")
	m.CacheHit("task")
	m.CacheMiss("task")
	m.CacheMiss("facts")
	for _, c := range []struct {
		cache, result string
		want          float64
	}{{"task", "hit", 2}, {"task", "miss", 1}, {"facts", "miss", 1}, {"facts", "hit", 0}} {
		if got := testutil.ToFloat64(m.cacheRequests.WithLabelValues(c.cache, c.result)); got != c.want {
			t.Errorf("cache_requests_total{cache=%q,result=%q} = %v, want %v", c.cache, c.result, got, c.want)
		}
	}

	if got := testutil.CollectAndCount(m.ready); got != 0 {
		t.Errorf("%d ready series before Readiness, want 0", got)
	}
	m.Readiness("bj-prod", true)
	m.Readiness("sh-dr", false)
	if got := testutil.ToFloat64(m.ready.WithLabelValues("bj-prod")); got != 1 {
		t.Errorf("ready{target=bj-prod} = %v after Readiness(true), want 1", got)
	}
	if got := testutil.ToFloat64(m.ready.WithLabelValues("sh-dr")); got != 0 {
		t.Errorf("ready{target=sh-dr} = %v after Readiness(false), want 0", got)
	}
	m.Readiness("bj-prod", false)
	if got := testutil.ToFloat64(m.ready.WithLabelValues("bj-prod")); got != 0 {
		t.Errorf("ready{target=bj-prod} = %v after Readiness(false), want 0", got)
	}
}

func TestLint(t *testing.T) {
	m := New("v", "r", "go")
	// Every family must have a series to be linted: use each of them once.
	e := newTestEcho(m, nil)
	serve(e, http.MethodGet, routes.TaskURL(targets.DefaultName, "abc-123"))
	svc := m.Instrument(&fakeService{}, "t1")
	_, _ = svc.Show(t.Context(), "abc")
	m.StopAttempt(audit.OutcomeAccepted)
	m.CacheHit("task")
	m.Readiness("t1", true)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))

	problems, err := testutil.GatherAndLint(m.Registry)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	for _, name := range []string{
		"dcs_dashboard_http_request_duration_seconds", "dcs_dashboard_upstream_request_duration_seconds",
		"dcs_dashboard_cache_requests_total", "promhttp_metric_handler_requests_total",
	} {
		if len(series(t, m, name)) == 0 {
			t.Errorf("%s was not gathered, so not linted", name)
		}
	}
}
