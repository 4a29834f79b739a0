package executor_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// testPoll is the poll interval of the tests.
const testPoll = 20 * time.Millisecond

// loopback lets the executors reach the tests' receivers and fakes, as
// SUPERPLANE_ALLOWED_NETWORKS does for a server.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// recorder is a Progress that records what it was given and asks for a
// cancel when cancelWhen says so.
type recorder struct {
	mu         sync.Mutex
	calls      [][]executor.Resource
	cancelWhen func(calls int, resources []executor.Resource) bool
}

func (rec *recorder) progress(_ context.Context, resources []executor.Resource) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.calls = append(rec.calls, append([]executor.Resource(nil), resources...))
	return rec.cancelWhen != nil && rec.cancelWhen(len(rec.calls), resources)
}

// snapshot returns the calls so far.
func (rec *recorder) snapshot() [][]executor.Resource {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([][]executor.Resource(nil), rec.calls...)
}

// run runs req with a deadline that stops a hung test.
func run(t *testing.T, r *executor.Runner, req executor.Request, progress executor.Progress) executor.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan executor.Outcome, 1)
	go func() { done <- r.Run(ctx, req, progress) }()
	select {
	case out := <-done:
		t.Logf("outcome: %s %s %q outputs=%v resources=%v", out.Result, out.Reason, out.Message, out.Outputs, out.Resources)
		return out
	case <-time.After(25 * time.Second):
		t.Fatal("Run did not return")
		return executor.Outcome{}
	}
}

func wantOutcome(t *testing.T, out executor.Outcome, result, reason string, messageParts ...string) {
	t.Helper()
	if out.Result != result || out.Reason != reason {
		t.Errorf("outcome = %s/%s %q, want %s/%s", out.Result, out.Reason, out.Message, result, reason)
	}
	for _, p := range messageParts {
		if !strings.Contains(out.Message, p) {
			t.Errorf("message %q does not contain %q", out.Message, p)
		}
	}
}

func TestNoop(t *testing.T) {
	r := executor.NewRunner(executor.Config{})
	out := run(t, r, executor.Request{
		ExecutionID: "e1", Type: "noop",
		Spec: map[string]any{"outputs": map[string]any{"VERSION": "1.2.3", "COUNT": 2.0, "OK": true}},
	}, nil)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if want := map[string]string{"VERSION": "1.2.3", "COUNT": "2", "OK": "true"}; !reflect.DeepEqual(out.Outputs, want) {
		t.Errorf("outputs = %v, want %v", out.Outputs, want)
	}

	out = run(t, r, executor.Request{ExecutionID: "e2", Type: "noop"}, nil)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if len(out.Outputs) != 0 {
		t.Errorf("outputs = %v, want none", out.Outputs)
	}
}

// TestDryRun checks that a dry run contacts nothing: its destinations
// would be refused, or do not exist.
func TestDryRun(t *testing.T) {
	r := executor.NewRunner(executor.Config{GitHubAPIURL: "http://127.0.0.1:1/", SemaphoreAPIURL: "http://127.0.0.1:1"})
	for _, req := range []executor.Request{
		{Type: "http", Spec: map[string]any{"url": "http://169.254.169.254/latest", "outputs": map[string]any{"A": "b"}}},
		{Type: "github", Spec: map[string]any{"workflow": "d.yml", "ref": "main", "outputs": map[string]any{"A": "b"}}},
		{Type: "semaphore", Spec: map[string]any{"outputs": map[string]any{"A": "b"}}},
	} {
		t.Run(req.Type, func(t *testing.T) {
			req.DryRun, req.ExecutionID = true, "e1"
			rec := &recorder{}
			out := run(t, r, req, rec.progress)
			wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
			if out.Message != "dry run" {
				t.Errorf("message = %q, want %q", out.Message, "dry run")
			}
			if out.Outputs["A"] != "b" {
				t.Errorf("outputs = %v, want A=b from spec.outputs", out.Outputs)
			}
			if len(rec.snapshot()) != 0 {
				t.Errorf("progress called %d times, want none", len(rec.snapshot()))
			}
		})
	}
}

// TestPanicCostsOneExecution checks that a panic (here in the caller's
// Progress) becomes a failed outcome instead of taking the server down.
func TestPanicCostsOneExecution(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client going
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	r := executor.NewRunner(executor.Config{PollInterval: testPoll, AllowedNetworks: loopback})
	out := run(t, r, executor.Request{ExecutionID: "e1", Type: "http", Spec: map[string]any{"url": srv.URL}},
		func(context.Context, []executor.Resource) bool { panic("bug") })
	wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "internal error in the http executor")
}

func TestUnknownTypeAndInvalidSpec(t *testing.T) {
	r := executor.NewRunner(executor.Config{})
	out := run(t, r, executor.Request{ExecutionID: "e1", Type: "jenkins"}, nil)
	wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, `unsupported executor type "jenkins"`)

	out = run(t, r, executor.Request{ExecutionID: "e1", Type: "http", Spec: map[string]any{"url": "gopher://x"}}, nil)
	wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "spec.url must be an http or https URL")
}
