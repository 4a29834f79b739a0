// Package runtest holds test helpers for the Runners of integration types:
// a Progress that records what it is given, and a run in the frame the
// executor gives every execution (the spec checked at run time, the
// execution's timeout), so that a type's package tests its executor
// without linking internal/executor.
package runtest

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// Poll is the poll interval of the tests.
const Poll = 20 * time.Millisecond

// Loopback lets the executors reach the tests' fakes, as
// SUPERPLANE_ALLOWED_NETWORKS does for a server.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Execution returns the frame of a test's runs: tools with the fakes'
// API URLs and a guarded client that allows Loopback, polling every Poll,
// and timeout (an hour when 0).
func Execution(tools integration.Verifier, timeout time.Duration) integration.Execution {
	if tools.Client == nil {
		tools.Client = outbound.New(outbound.Config{AllowedNetworks: Loopback, Timeout: integration.APITimeout})
	}
	if timeout <= 0 {
		timeout = time.Hour
	}
	return integration.Execution{Tools: &tools, PollInterval: Poll, Timeout: timeout}
}

// Execute runs req with r as the executor does once it has found r: the
// spec checked (templates already rendered), then r.Run bounded by
// e.Timeout. progress may be nil.
func Execute(ctx context.Context, r integration.Runner, e integration.Execution, req integration.RunRequest, progress integration.Progress) integration.Outcome {
	c := &integration.SpecCheck{Spec: req.Spec}
	if r.CheckSpec(c); c.Err() != nil {
		return integration.Failed(api.ResultReasonError, c.Err().Error())
	}
	if progress == nil {
		progress = func(context.Context, []integration.Resource) bool { return false }
	}
	e.Progress = progress
	ctx, cancel := integration.ExecutionContext(ctx, e.Timeout)
	defer cancel()
	return r.Run(ctx, &e, req)
}

// Run is Execute with a deadline that stops a hung test.
func Run(t *testing.T, r integration.Runner, e integration.Execution, req integration.RunRequest, progress integration.Progress) integration.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan integration.Outcome, 1)
	go func() { done <- Execute(ctx, r, e, req, progress) }()
	select {
	case out := <-done:
		t.Logf("outcome: %s %s %q outputs=%v resources=%v", out.Result, out.Reason, out.Message, out.Outputs, out.Resources)
		return out
	case <-time.After(25 * time.Second):
		t.Fatal("Run did not return")
		return integration.Outcome{}
	}
}

// WantOutcome fails the test unless out has result and reason and its
// message contains every one of messageParts.
func WantOutcome(t *testing.T, out integration.Outcome, result, reason string, messageParts ...string) {
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

// Recorder is a Progress that records what it was given and asks for a
// cancel when CancelWhen says so.
type Recorder struct {
	mu         sync.Mutex
	calls      [][]integration.Resource
	CancelWhen func(calls int, resources []integration.Resource) bool
}

// Progress records resources; it is the Recorder's integration.Progress.
func (rec *Recorder) Progress(_ context.Context, resources []integration.Resource) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.calls = append(rec.calls, append([]integration.Resource(nil), resources...))
	return rec.CancelWhen != nil && rec.CancelWhen(len(rec.calls), resources)
}

// Snapshot returns the calls so far.
func (rec *Recorder) Snapshot() [][]integration.Resource {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([][]integration.Resource(nil), rec.calls...)
}

// Last returns the resources of the last call.
func (rec *Recorder) Last() []integration.Resource {
	calls := rec.Snapshot()
	if len(calls) == 0 {
		return nil
	}
	return calls[len(calls)-1]
}
