// Package metrics is the dashboard's Prometheus instrumentation: HTTP
// requests (EchoMiddleware), calls to the DCS API (Instrument), stop
// attempts, cache use and readiness, plus the Go and process collectors.
//
// Every label value is drawn from a fixed set or capped (route patterns,
// known methods, DCS error codes of a known shape), so a client or the API
// sending junk cannot grow the number of series without bound.
//
// Metrics live in their own registry, never the global default one, so tests
// and several instances in one process do not collide and nothing a library
// registers globally leaks into the dashboard's /metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dcs-dashboard/migrations/internal/audit"
)

// namespace prefixes every metric this package defines.
const namespace = "dcs_dashboard"

// other is the label value that stands in for anything outside a known set.
const other = "other"

// Stop-attempt outcomes beyond the audit log's four: the dashboard refused
// the attempt itself before or instead of calling DCS.
const (
	StopDenied      = "denied"       // the requester may not stop tasks
	StopAuditFailed = "audit_failed" // the intent could not be written, so no call was made
	StopRateLimited = "rate_limited" // too many stops in a short time
	StopInvalid     = "invalid"      // the request's input was refused (a bad id, a reason too long)
)

// stopOutcomes is the closed set of dcs_dashboard_stop_attempts_total
// outcomes; the audit constants are reused so a rename there shows up here.
var stopOutcomes = []string{
	audit.OutcomeAccepted, audit.OutcomeRefused, audit.OutcomeFailed, audit.OutcomeUnknown, audit.OutcomeJoined,
	StopDenied, StopAuditFailed, StopRateLimited, StopInvalid,
}

// HTTP request buckets, 5ms to 10s on a 1-2.5-5 series: roughly exponential
// but with round `le` values that read well on a dashboard.
var httpBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Upstream buckets, 10ms to 30s: the top covers the client's default 15s
// timeout and a raised one, so timeouts do not all pile into +Inf.
var upstreamBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 20, 30}

// Metrics holds the dashboard's collectors and the registry they are in.
//
// New always returns a usable value; the methods are not nil-safe (a nil
// *Metrics panics). A caller that does not want metrics exposed should still
// build one with New and simply not serve Handler, rather than pass nil.
// All methods are safe for concurrent use.
type Metrics struct {
	// Registry holds every collector below plus the Go and process
	// collectors; Handler serves it. Register further collectors here.
	Registry *prometheus.Registry

	httpDuration     *prometheus.HistogramVec
	httpInFlight     prometheus.Gauge
	upstreamDuration *prometheus.HistogramVec
	stopAttempts     *prometheus.CounterVec
	cacheRequests    *prometheus.CounterVec
	ready            *prometheus.GaugeVec
}

// New builds the collectors in a fresh registry. version, revision and
// goVersion (typically runtime.Version()) become the labels of
// dcs_dashboard_build_info, whose value is always 1; an empty one becomes
// "unknown" because Prometheus treats an empty label as an absent one.
func New(version, revision, goVersion string) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	f := promauto.With(reg)

	f.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "build_info",
		Help:      "Build of the running dashboard; the value is always 1.",
		ConstLabels: prometheus.Labels{
			"version":   orUnknown(version),
			"revision":  orUnknown(revision),
			"goversion": orUnknown(goVersion),
		},
	}).Set(1)

	// Every dashboard metric is in namespace; these say only what differs.
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return f.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return f.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	gauge := func(name, help string) prometheus.Gauge {
		return f.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
	}
	gauges := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return f.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		Registry: reg,
		httpDuration: histogram("http_request_duration_seconds",
			"Time to answer an HTTP request, by route pattern, method and status.",
			httpBuckets, "route", "method", "status"),
		httpInFlight: gauge("http_requests_in_flight", "HTTP requests being answered right now."),
		upstreamDuration: histogram("upstream_request_duration_seconds",
			"Time of a DCS API call, by target (region and project), operation, outcome and DCS error code.",
			upstreamBuckets, "target", "operation", "outcome", "code"),
		stopAttempts:  counter("stop_attempts_total", "Attempts to stop a migration task, by outcome.", "outcome"),
		cacheRequests: counter("cache_requests_total", "Cache lookups, by cache and result (hit or miss).", "cache", "result"),
		ready:         gauges("ready", "1 when the target's DCS API answered the last readiness check, 0 otherwise.", "target"),
	}
	// Known outcomes start at 0 so rate() and alerts work from the first
	// scrape instead of waiting for the first stop of each kind.
	for _, o := range stopOutcomes {
		m.stopAttempts.WithLabelValues(o)
	}
	return m
}

// Handler serves the registry in the Prometheus exposition formats. A
// collector that fails does not blank the whole scrape (ContinueOnError);
// the failure is counted in promhttp_metric_handler_errors_total and scrapes
// themselves in promhttp_metric_handler_requests_total.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		Registry:      m.Registry,
		ErrorHandling: promhttp.ContinueOnError,
	})
	return promhttp.InstrumentMetricHandler(m.Registry, h)
}

// StopAttempt counts one stop attempt. outcome is one of audit.OutcomeAccepted,
// OutcomeRefused, OutcomeFailed, OutcomeUnknown, OutcomeJoined, StopDenied, StopAuditFailed,
// StopRateLimited or StopInvalid; anything else is counted as "other" so a
// typo or a new outcome shows up without adding series.
func (m *Metrics) StopAttempt(outcome string) {
	m.stopAttempts.WithLabelValues(oneOf(outcome, stopOutcomes)).Inc()
}

// CacheHit counts a hit in the named cache. name must be a constant chosen
// by the caller (e.g. "task"), never data from a request: it is a label.
func (m *Metrics) CacheHit(name string) { m.cacheRequests.WithLabelValues(name, "hit").Inc() }

// CacheMiss counts a miss in the named cache; see CacheHit about name.
func (m *Metrics) CacheMiss(name string) { m.cacheRequests.WithLabelValues(name, "miss").Inc() }

// Readiness sets dcs_dashboard_ready{target} to 1 (ready) or 0. target is
// a configured target's name, never data from a request.
func (m *Metrics) Readiness(target string, ready bool) {
	v := 0.0
	if ready {
		v = 1
	}
	m.ready.WithLabelValues(target).Set(v)
}

// oneOf returns v if it is in known, else "other".
func oneOf(v string, known []string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return other
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
