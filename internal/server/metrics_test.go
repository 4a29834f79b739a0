package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// withMetrics records the env's requests, deliveries, executions and
// database calls in m, as serve does with --metrics-listen.
func withMetrics(m *metrics.Metrics) envOption {
	return envOption{
		srv:  []server.Option{server.WithMetrics(m)},
		eng:  []engine.Option{engine.WithMetrics(m)},
		wrap: func(st store.Store) store.Store { return metrics.Store(st, m) },
	}
}

// scrapeMetrics answers GET /metrics as the metrics listener does.
func scrapeMetrics(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

func randomName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "n" + hex.EncodeToString(b)
}

// TestMetricsAfterTraffic: after a request, a webhook delivery and the
// execution it starts, a scrape has each family with the series a
// dashboard needs; requests are labelled with the route's pattern, so
// requests for new names make no new series, and nothing in the scrape
// names a canvas, a source or an id.
func TestMetricsAfterTraffic(t *testing.T) {
	m := metrics.New(metrics.Config{Version: "test", ExecutorTypes: api.ExecutorTypes(), HookTypes: api.IntegrationTypes()})
	e := newEnv(t, withMetrics(m))
	if err := m.Register(metrics.Depths(e.store)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })

	canvas := randomName(t)
	createCanvas(t, e, canvas)
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/"+canvas+"/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	if r := e.do("owner", "POST", "/api/v1/canvases/"+canvas+"/stages", noopStage("deploy")); r.status != http.StatusOK {
		t.Fatalf("create stage: %d %s", r.status, r.body)
	}

	// Two secrets that do not exist, by names never seen before: one
	// series, counted twice.
	missing := []string{randomName(t), randomName(t)}
	for _, name := range missing {
		if r := e.do("viewer", "GET", "/api/v1/secrets/"+name+"?domainType=DOMAIN_TYPE_ORGANIZATION", nil); r.status != http.StatusNotFound {
			t.Fatalf("GET a missing secret: %d %s", r.status, r.body)
		}
	}
	body := []byte(`{"ref":"refs/heads/main"}`)
	status, resp := deliver(t, e, "/api/v1/sources/"+src.EventSource.Metadata.ID, body, map[string]string{
		"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(src.Key), body)})
	if status != http.StatusOK {
		t.Fatalf("delivery: %d %s", status, resp)
	}

	var scraped string
	waitFor(t, 10*time.Second, "the execution in the metrics", func() bool {
		scraped = scrapeMetrics(t, m)
		return hasSample(scraped, `superplane_executions_total{executor="noop",result="RESULT_PASSED"} 1`) &&
			hasSample(scraped, `superplane_execution_duration_seconds_count{executor="noop",result="RESULT_PASSED"} 1`)
	})
	for _, line := range []string{
		`superplane_http_requests_total{code="404",route="GET /api/v1/secrets/{idOrName}"} 2`,
		`superplane_http_request_duration_seconds_count{route="GET /api/v1/secrets/{idOrName}"} 2`,
		`superplane_http_requests_total{code="200",route="POST /api/v1/sources/{id}"} 1`,
		`superplane_webhook_deliveries_total{outcome="accepted",type="webhook"} 1`,
		`superplane_execution_duration_seconds_count{executor="noop",result="RESULT_PASSED"} 1`,
		`superplane_db_call_duration_seconds_count{op="InsertEvent"} 1`,
		`superplane_queue_depth{queue="events",state="unrouted"} 0`,
	} {
		if !hasSample(scraped, line) {
			t.Errorf("scrape lacks %s; it has:\n%s", line, samples(scraped, strings.SplitN(line, "{", 2)[0]))
		}
	}
	for _, family := range []string{"superplane_db_call_duration_seconds_bucket{", "superplane_queue_depth{", "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(scraped, family) {
			t.Errorf("scrape lacks %s", family)
		}
	}
	for _, private := range append(missing, canvas, src.EventSource.Metadata.ID, src.Key) {
		if strings.Contains(scraped, private) {
			t.Errorf("the scrape names %q", private)
		}
	}
}

// TestMetricsRouteIsThePattern: requests for any number of different ids
// and unknown paths add to the same few series (bounded cardinality).
func TestMetricsRouteIsThePattern(t *testing.T) {
	m := metrics.New(metrics.Config{Version: "test"})
	e := newEnv(t, withMetrics(m))
	before := len(samples(scrapeMetrics(t, m), "superplane_http_requests_total"))
	for range 20 {
		e.do("viewer", "GET", "/api/v1/secrets/"+randomName(t)+"?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
		e.do("viewer", "GET", "/no/such/"+randomName(t), nil)
	}
	got := samples(scrapeMetrics(t, m), "superplane_http_requests_total")
	want := []string{
		`superplane_http_requests_total{code="404",route="/"} 20`,
		`superplane_http_requests_total{code="404",route="GET /api/v1/secrets/{idOrName}"} 20`,
	}
	if before != 0 || !slices.Equal(got, want) {
		t.Errorf("series after 40 requests for 40 different paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMetricsReconcilerRepairs: each hook the reconciler checks is counted
// by outcome, and a repair once, although the source's state stays
// "repaired" at the next passes.
func TestMetricsReconcilerRepairs(t *testing.T) {
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook"})
	gh.AddRepo("acme", "app", "octocat")
	m := metrics.New(metrics.Config{Version: "test", ExecutorTypes: api.ExecutorTypes(), HookTypes: api.IntegrationTypes()})
	e := newEnv(t, withTools(fakeTools(gh.URL(), "")), withBaseURL("https://sp.example.com"), withMetrics(m))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", api.EventSourceSpec{
		Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
	})).decode(t, &api.EventSourceResponse{})
	ctx := context.Background()
	reconcile := func() []string {
		e.engine.Reconcile(ctx)
		return samples(scrapeMetrics(t, m), "superplane_webhook_reconcile_total")
	}

	if got := reconcile(); !slices.Equal(got, []string{`superplane_webhook_reconcile_total{outcome="ok",type="github"} 1`}) {
		t.Fatalf("a hook in place: %q", got)
	}
	hooks := gh.Hooks("acme", "app")
	if len(hooks) != 1 {
		t.Fatalf("hooks: %+v", hooks)
	}
	gh.RemoveHook("acme", "app", hooks[0].ID)
	want := []string{
		`superplane_webhook_reconcile_total{outcome="ok",type="github"} 1`,
		`superplane_webhook_reconcile_total{outcome="repaired",type="github"} 1`,
	}
	if got := reconcile(); !slices.Equal(got, want) || len(gh.Hooks("acme", "app")) != 1 {
		t.Fatalf("a hook deleted on GitHub: %q, %d hooks", got, len(gh.Hooks("acme", "app")))
	}
	want[0] = `superplane_webhook_reconcile_total{outcome="ok",type="github"} 2`
	if got := reconcile(); !slices.Equal(got, want) {
		t.Fatalf("the repaired hook checked again: %q; want %q", got, want)
	}
}

// hasSample reports whether the scrape has the sample line exactly.
func hasSample(scraped, line string) bool {
	return slices.Contains(strings.Split(scraped, "\n"), line)
}

// samples returns the scrape's sample lines of a family, sorted.
func samples(scraped, family string) []string {
	var out []string
	for _, l := range strings.Split(scraped, "\n") {
		if strings.HasPrefix(l, family+"{") || strings.HasPrefix(l, family+" ") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}
