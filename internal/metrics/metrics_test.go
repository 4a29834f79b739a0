package metrics_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// scrape answers GET /metrics from m's handler as Prometheus sees it.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text exposition format", ct)
	}
	return rec.Body.String()
}

// hasLine reports whether the scrape has the sample line exactly.
func hasLine(body, line string) bool {
	return slices.Contains(strings.Split(body, "\n"), line)
}

func newMetrics() *metrics.Metrics {
	return metrics.New(metrics.Config{Version: "test", ExecutorTypes: []string{"http", "noop"}, HookTypes: []string{"github"}})
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestTimedStoreCoversTheStore: store_gen.go has a timing method for every
// method of store.Store, so a method added to the interface cannot pass
// through untimed unnoticed (run `go generate ./internal/metrics/`).
func TestTimedStoreCoversTheStore(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "store_gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	timed := map[string]bool{}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil {
			timed[fn.Name.Name] = true
		}
	}
	typ := reflect.TypeFor[store.Store]()
	var missing []string
	for i := range typ.NumMethod() {
		if name := typ.Method(i).Name; !timed[name] && name != "Close" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("store.Store methods not timed: %v; run go generate ./internal/metrics/", missing)
	}
}

// TestStoreCallsAreTimed: each store method called gets its own series,
// labelled with the method's name; methods not called have none.
func TestStoreCallsAreTimed(t *testing.T) {
	m := newMetrics()
	st := metrics.Store(openStore(t), m)
	org, err := st.EnsureOrganization(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := st.FindCanvas(t.Context(), org.ID, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("FindCanvas: %v", err)
		}
	}
	body := scrape(t, m)
	for _, line := range []string{
		`superplane_db_call_duration_seconds_count{op="EnsureOrganization"} 1`,
		`superplane_db_call_duration_seconds_count{op="FindCanvas"} 3`,
	} {
		if !hasLine(body, line) {
			t.Errorf("scrape lacks %s", line)
		}
	}
	if strings.Contains(body, `op="ListCanvases"`) {
		t.Error("a method never called has a series")
	}
	// Not found is an answer, not the database failing.
	if strings.Contains(body, "superplane_db_unavailable_errors_total{") {
		t.Errorf("a not-found answer counted as the database being unavailable:\n%s", body)
	}
}

// downStore answers every ping as a database that refuses connections.
type downStore struct{ store.Store }

func (downStore) Ping(context.Context) error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
}

// TestUnavailableDatabaseCounted: a call that finds the database
// unreachable is counted by method.
func TestUnavailableDatabaseCounted(t *testing.T) {
	m := newMetrics()
	st := metrics.Store(downStore{openStore(t)}, m)
	_ = st.Ping(t.Context())
	_ = st.Ping(t.Context())
	if body := scrape(t, m); !hasLine(body, `superplane_db_unavailable_errors_total{op="Ping"} 2`) {
		t.Errorf("two failed pings not counted:\n%s", grep(body, "superplane_db"))
	}
}

// TestQueueDepthsScraped: the queue depths are read at the scrape, as
// totals; with the database closed the scrape still answers with every
// other family and says nothing of the database's error.
func TestQueueDepthsScraped(t *testing.T) {
	m := newMetrics()
	st := openStore(t)
	if err := m.Register(metrics.Depths(st)); err != nil {
		t.Fatal(err)
	}
	body := scrape(t, m)
	for _, line := range []string{
		`superplane_queue_depth{queue="events",state="unrouted"} 0`,
		`superplane_queue_depth{queue="stage_events",state="pending"} 0`,
		`superplane_queue_depth{queue="stage_events",state="waiting"} 0`,
		`superplane_queue_depth{queue="executions",state="pending"} 0`,
		`superplane_queue_depth{queue="executions",state="started"} 0`,
		`superplane_queue_depth_capped 0`,
		`superplane_build_info{version="test"} 1`,
	} {
		if !hasLine(body, line) {
			t.Errorf("scrape lacks %s", line)
		}
	}

	st.Close()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body = rec.Body.String()
	if strings.Contains(body, "superplane_queue_depth{") || !strings.Contains(body, "superplane_build_info") {
		t.Errorf("scrape with the database closed: %d\n%s", rec.Code, grep(body, "superplane_"))
	}
	if strings.Contains(body, "sql:") || strings.Contains(body, "closed") {
		t.Errorf("the scrape shows the database's error:\n%s", body)
	}
}

// TestLabelsStayBounded: values outside the closed sets are "other", and a
// request no route matched is "unmatched", so no caller can mint series.
func TestLabelsStayBounded(t *testing.T) {
	m := newMetrics()
	m.Execution("made-up-executor", "RESULT_PASSED", time.Second)
	m.Execution("noop", "RESULT_SOMETHING", 0)
	m.Reconcile("gitlab", "exploded")
	m.Request("", 999, time.Millisecond)
	body := scrape(t, m)
	for _, line := range []string{
		`superplane_executions_total{executor="other",result="RESULT_PASSED"} 1`,
		`superplane_execution_duration_seconds_count{executor="other",result="RESULT_PASSED"} 1`,
		`superplane_executions_total{executor="noop",result="other"} 1`,
		`superplane_webhook_reconcile_total{outcome="other",type="other"} 1`,
		`superplane_http_requests_total{code="other",route="unmatched"} 1`,
	} {
		if !hasLine(body, line) {
			t.Errorf("scrape lacks %s:\n%s", line, grep(body, "superplane_"))
		}
	}
	if strings.Contains(body, "made-up") || strings.Contains(body, "gitlab") || strings.Contains(body, "exploded") {
		t.Error("a value outside the closed sets reached a label")
	}
	// An execution without a start time is counted, not timed.
	if strings.Contains(body, `superplane_execution_duration_seconds_count{executor="noop"`) {
		t.Error("an execution without a duration was timed")
	}
}

// TestNilMetricsRecordNothing: a server without a metrics listener passes
// nil, and every recording method is then a no-op.
func TestNilMetricsRecordNothing(t *testing.T) {
	var m *metrics.Metrics
	m.Request("GET /health", 200, time.Millisecond)
	m.Delivery("webhook", "accepted")
	m.Execution("noop", "RESULT_PASSED", time.Second)
	m.Reconcile("github", metrics.ReconcileOK)
	st := openStore(t)
	if got := metrics.Store(st, nil); got != st {
		t.Error("Store with nil metrics wrapped the store")
	}
}

// grep returns the lines of body containing s, for failure messages.
func grep(body, s string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, s) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
