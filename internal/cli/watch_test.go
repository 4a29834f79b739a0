package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestWatchEndsWhenExecutionFinishes: watch on a stage whose event waits for
// approval shows the queue, then follows the execution the approval starts
// and ends with exit 0 once it passed, printing its result and output.
func TestWatchEndsWhenExecutionFinishes(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")
	c.ok("emit", "--canvas", canvas, "--source", "release", "--data", "version=5")
	ev := waitingEvent(t, canvas, "deploy")

	w := c.start(ctx(t), "watch", "--canvas", canvas, "--stage", "deploy", "--interval", "100ms", "--timeout", "1m")
	waitFor(t, "watch to show the queue", func() bool {
		return strings.Contains(w.stdout.String(), "1 waiting for approval")
	})
	if out := w.stdout.String(); !strings.Contains(out, "superplane approve --canvas "+canvas+" --stage deploy "+ev.ID) {
		t.Errorf("watch should say how to approve:\n%s", out)
	}
	c.ok("approve", "--canvas", canvas, "--stage", "deploy", ev.ID)
	if code := w.wait(t); code != 0 {
		t.Fatalf("watch: exit %d\n%s\n%s", code, w.stdout.String(), w.stderr.String())
	}
	out := w.stdout.String()
	for _, want := range []string{"following execution", ": passed", "Result:", "Output url:", "https://example.com/released"} {
		if !strings.Contains(out, want) {
			t.Errorf("watch output lacks %q:\n%s", want, out)
		}
	}
	ex := executions(t, canvas, "deploy")
	if len(ex) != 1 || ex[0].Result != api.ResultPassed || !strings.Contains(out, ex[0].ID) {
		t.Errorf("watch followed something else than %+v:\n%s", ex, out)
	}
}

// TestCancelStopsWatchedExecution: a running HTTP execution is cancelled
// by id alone (the CLI finds its stage); watch, following it, ends with
// exit 1 saying it was cancelled, and the API shows the cancellation.
func TestCancelStopsWatchedExecution(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	url, hits := blockingTool(t)
	httpStage(t, canvas, "slow", url)

	w := c.start(ctx(t), "watch", "--canvas", canvas, "--stage", "slow", "--interval", "100ms", "--timeout", "1m")
	waitFor(t, "watch to wait for an execution", func() bool { return strings.Contains(w.stdout.String(), "no execution yet") })
	c.ok("emit", "--canvas", canvas, "--source", "release")
	select {
	case <-hits:
	case <-ctx(t).Done():
		t.Fatal("the execution never called the tool")
	}
	waitFor(t, "watch to see the execution start", func() bool { return strings.Contains(w.stdout.String(), "started at") })
	id := executions(t, canvas, "slow")[0].ID

	if msg := c.as(srv.viewerToken).fails(1, "cancel", "--canvas", canvas, id); !strings.Contains(msg, "to cancel an execution you need a token with role owner or admin") {
		t.Errorf("viewer cancel: %s", msg)
	}
	out := c.ok("cancel", "--canvas", canvas, id)
	if !strings.Contains(out, id) || !strings.Contains(out, "slow") {
		t.Errorf("cancel: %q", out)
	}
	if code := w.wait(t); code != 1 {
		t.Errorf("watch of a cancelled execution: exit %d, want 1", code)
	}
	if !strings.Contains(w.stdout.String(), "Result:") || !strings.Contains(w.stdout.String(), "cancelled") {
		t.Errorf("watch output:\n%s", w.stdout.String())
	}
	if !strings.Contains(w.stderr.String(), "execution "+id+" cancelled") {
		t.Errorf("watch should say on stderr why it failed: %q", w.stderr.String())
	}
	ex := executions(t, canvas, "slow")[0]
	if ex.Result != api.ResultCancelled || ex.ResultReason != api.ResultReasonUser {
		t.Errorf("after cancel the API shows %s/%s", ex.Result, ex.ResultReason)
	}
	// logs of the finished execution prints it and exits 1: it did not pass.
	if r := c.run("logs", "--canvas", canvas, "--stage", "slow", id); r.code != 1 || !strings.Contains(r.stdout, "cancelled") {
		t.Errorf("logs of a cancelled execution: exit %d\n%s", r.code, r.stdout)
	}
}

// TestWatchStops: Ctrl-C stops watch with exit 130 and says the execution
// goes on; --timeout gives up with exit 1 and says how to wait longer.
func TestWatchStops(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")

	stop, cancel := context.WithCancel(ctx(t))
	w := c.start(stop, "watch", "--canvas", canvas, "--stage", "deploy", "--interval", "100ms")
	waitFor(t, "watch to wait", func() bool { return strings.Contains(w.stdout.String(), "queue: empty") })
	cancel()
	if code := w.wait(t); code != 130 || !strings.Contains(w.stderr.String(), "stopped following stage deploy") {
		t.Errorf("Ctrl-C: exit %d, %q", code, w.stderr.String())
	}

	r := c.run("watch", "--canvas", canvas, "--stage", "deploy", "--interval", "100ms", "--timeout", "500ms")
	if r.code != 1 || !strings.Contains(r.stderr, "gave up after 500ms") || !strings.Contains(r.stderr, "--timeout") {
		t.Errorf("--timeout: exit %d, %q", r.code, r.stderr)
	}
	if msg := c.fails(2, "watch", "--canvas", canvas, "--stage", "deploy", "--interval", "1ms"); !strings.Contains(msg, "--interval must be between") {
		t.Errorf("a busy-loop interval: %s", msg)
	}
}
