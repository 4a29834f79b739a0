// Package metrics is the control plane's Prometheus instrumentation: the
// metric families, the handler that serves them in the text exposition
// format, and a Store that times every database call.
//
// Every label takes its values from a closed set (route patterns, source,
// executor and integration types, outcomes, store method names), never from
// a request's path, a name or an id, so the number of series is bounded
// whatever the traffic, and nothing in a scrape names an organization, a
// canvas or a secret.
//
// A nil *Metrics records nothing: a server started without a metrics
// listener pays nothing on its hot paths.
package metrics

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the control plane's metric families in a registry of its
// own (never the process-wide default, so tests and several servers in one
// process do not share counts).
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	deliveries      *prometheus.CounterVec
	executions      *prometheus.CounterVec
	execDuration    *prometheus.HistogramVec
	reconciles      *prometheus.CounterVec
	dbDuration      *prometheus.HistogramVec
	dbErrors        *prometheus.CounterVec

	// routes caches the series of each route and status (routeKey ->
	// routeSeries).
	routes sync.Map

	// executorTypes and hookTypes are the label values Execution and
	// Reconcile accept; anything else is "other".
	executorTypes, hookTypes []string
}

// Config names the closed sets some labels take their values from.
type Config struct {
	// Version is the build's version, shown by superplane_build_info.
	Version string
	// ExecutorTypes are the executor types (api.ExecutorTypes).
	ExecutorTypes []string
	// HookTypes are the event source types with provisioned hooks
	// (api.IntegrationTypes).
	HookTypes []string
}

// New returns the metric families, registered with the Go runtime's and the
// process's own collectors.
func New(cfg Config) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "superplane_http_requests_total",
			Help: "HTTP requests answered, by route pattern (never the raw path) and status code.",
		}, []string{"route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "superplane_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "superplane_webhook_deliveries_total",
			Help: "Webhook deliveries received, by source type and outcome (accepted, duplicate, ping, refused, invalid, unavailable, overloaded, error).",
		}, []string{"type", "outcome"}),
		executions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "superplane_executions_total",
			Help: "Executions finished, by executor type and result.",
		}, []string{"executor", "result"}),
		execDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "superplane_execution_duration_seconds",
			Help:    "Time from an execution's start to its end, by executor type and result.",
			Buckets: []float64{.01, .05, .25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600},
		}, []string{"executor", "result"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "superplane_webhook_reconcile_total",
			Help: "Provisioned webhooks checked by the reconciler, by source type and outcome (ok, repaired, failed, error).",
		}, []string{"type", "outcome"}),
		dbDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "superplane_db_call_duration_seconds",
			Help:    "Time of a call to the database layer (one store method, one transaction at most), by method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1, 5},
		}, []string{"op"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "superplane_db_unavailable_errors_total",
			Help: "Calls to the database layer that failed because the database could not be reached, by method.",
		}, []string{"op"}),
		executorTypes: slices.Clone(cfg.ExecutorTypes),
		hookTypes:     slices.Clone(cfg.HookTypes),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "superplane_build_info",
		Help: "Always 1; the version label is the server's build.",
	}, []string{"version"})
	build.WithLabelValues(cfg.Version).Set(1)
	m.reg.MustRegister(m.requests, m.requestDuration, m.deliveries, m.executions, m.execDuration,
		m.reconciles, m.dbDuration, m.dbErrors, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Register adds a collector (the queue depths) to the registry.
func (m *Metrics) Register(c prometheus.Collector) error {
	return m.reg.Register(c)
}

// Handler serves the registry in the text exposition format (or
// OpenMetrics, when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// An error collecting one family (the queue depths while the
		// database is down) must not cost the scrape the others.
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		// A slow scrape holds one goroutine, never many.
		MaxRequestsInFlight: 2,
		Timeout:             10 * time.Second,
	})
}

// Request records one answered HTTP request. route must be the mux pattern
// that served it ("" when none matched: recorded as "unmatched").
func (m *Metrics) Request(route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	key := routeKey{route, status}
	v, ok := m.routes.Load(key)
	if !ok {
		// The first request of a route and status resolves its series;
		// the set is bounded by the routes times the statuses.
		v, _ = m.routes.LoadOrStore(key, routeSeries{
			count:    m.requests.WithLabelValues(route, statusCode(status)),
			duration: m.requestDuration.WithLabelValues(route),
		})
	}
	rs, _ := v.(routeSeries)
	rs.count.Inc()
	rs.duration.Observe(took.Seconds())
}

// routeKey and routeSeries cache a route's series by status, so a request
// pays a map lookup rather than hashing its label values twice.
type routeKey struct {
	route  string
	status int
}

type routeSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// statusCode is the status as a label value: the common ones without an
// allocation, anything outside 100-599 as "other".
func statusCode(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusCreated:
		return "201"
	case http.StatusNotFound:
		return "404"
	}
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}

// Delivery records one webhook delivery's outcome; sourceType and outcome
// come from the receiver, which bounds both.
func (m *Metrics) Delivery(sourceType, outcome string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(sourceType, outcome).Inc()
}

// Execution records one finished execution. An executor type outside
// Config.ExecutorTypes is "other"; took of zero or less (no start time) is
// counted but not timed.
func (m *Metrics) Execution(executor, result string, took time.Duration) {
	if m == nil {
		return
	}
	executor = oneOf(executor, m.executorTypes)
	result = oneOf(result, executionResults)
	if took > 0 {
		m.execDuration.WithLabelValues(executor, result).Observe(took.Seconds())
	}
	m.executions.WithLabelValues(executor, result).Inc()
}

// executionResults are the results an execution ends with
// (api.ResultPassed, ResultFailed, ResultCancelled).
var executionResults = []string{"RESULT_PASSED", "RESULT_FAILED", "RESULT_CANCELLED"}

// Reconcile records one hook the reconciler checked: outcome is ok,
// repaired, failed (the tool refused or could not be reached: the source
// shows why) or error (the state could not be recorded).
func (m *Metrics) Reconcile(sourceType, outcome string) {
	if m == nil {
		return
	}
	m.reconciles.WithLabelValues(oneOf(sourceType, m.hookTypes), oneOf(outcome, reconcileOutcomes)).Inc()
}

// Reconciler outcomes.
const (
	ReconcileOK       = "ok"
	ReconcileRepaired = "repaired"
	ReconcileFailed   = "failed"
	ReconcileError    = "error"
)

var reconcileOutcomes = []string{ReconcileOK, ReconcileRepaired, ReconcileFailed, ReconcileError}

// oneOf is v when set lists it, else "other".
func oneOf(v string, set []string) string {
	if slices.Contains(set, v) {
		return v
	}
	return "other"
}
