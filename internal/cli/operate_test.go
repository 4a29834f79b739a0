package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestEmitApproveRuns: an event emitted with --data waits for approval in
// the stage's queue (events --stage shows it); a viewer's approve is
// refused naming the role needed; the owner's approve runs the stage, and
// executions and logs show it passed with its output.
func TestEmitApproveRuns(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")

	out := c.ok("emit", "--canvas", canvas, "--source", "release", "--type", "release", "--data", "version=1.4.2", "--data", "build:=42", "--data", "stable:=true")
	if !strings.HasPrefix(out, "posted event ") {
		t.Errorf("emit: %q", out)
	}
	events, err := srv.owner.ListEvents(ctx(t), canvas, client.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events.Events) != 1 {
		t.Fatalf("%d events after one emit", len(events.Events))
	}
	e := events.Events[0]
	if e.Type != "release" || payload(e)["version"] != "1.4.2" || payload(e)["build"] != float64(42) || payload(e)["stable"] != true {
		t.Errorf("the emitted event: type %q, data %s", e.Type, e.Raw)
	}
	if row := rowOf(t, c.ok("events", "--canvas", canvas), e.ID); row[1] != "release" || row[2] != "release" {
		t.Errorf("events row: %v", row)
	}

	ev := waitingEvent(t, canvas, "deploy")
	row := rowOf(t, c.ok("events", "--canvas", canvas, "--stage", "deploy", "--state", "waiting"), ev.ID)
	if row[1] != "waiting" || row[2] != "approval" || row[3] != "0" || row[4] != "version=1.4.2" {
		t.Errorf("queue row: %v", row)
	}

	msg := c.as(srv.viewerToken).fails(1, "approve", "--canvas", canvas, "--stage", "deploy", ev.ID)
	if !strings.Contains(msg, "permission denied") || !strings.Contains(msg, "role owner or admin") || !strings.Contains(msg, "role viewer") {
		t.Errorf("viewer approve: %s", msg)
	}
	if got := stageEvents(t, canvas, "deploy")[0]; len(got.Approvals) != 0 {
		t.Errorf("a refused approval was recorded: %+v", got.Approvals)
	}

	var approved api.StageEventResponse
	decode(t, c.ok("approve", "--canvas", canvas, "--stage", "deploy", ev.ID, "-o", "json"), &approved)
	if approved.Event.ID != ev.ID || len(approved.Event.Approvals) != 1 {
		t.Errorf("approve -o json: %+v", approved.Event)
	}
	waitFor(t, "the approved event's execution to pass", func() bool {
		ex := executions(t, canvas, "deploy")
		return len(ex) == 1 && ex[0].Result == api.ResultPassed
	})
	ex := executions(t, canvas, "deploy")[0]
	if row := rowOf(t, c.ok("executions", "--canvas", canvas, "--stage", "deploy"), ex.ID); row[1] != "finished" || row[2] != "passed" {
		t.Errorf("executions row: %v", row)
	}
	var list api.ListExecutionsResponse
	decode(t, c.ok("get", "executions", "--canvas", canvas, "--stage", "deploy", "-o", "json"), &list)
	if len(list.Executions) != 1 || list.Executions[0].ID != ex.ID {
		t.Errorf("executions JSON: %+v", list)
	}
	var logged api.ExecutionResponse
	decode(t, c.ok("logs", "--canvas", canvas, ex.ID, "-o", "json"), &logged)
	if logged.Execution.ID != ex.ID || logged.Execution.Result != api.ResultPassed || len(logged.Execution.Outputs) != 1 {
		t.Errorf("logs -o json: %+v", logged.Execution)
	}
	out = c.ok("logs", "--canvas", canvas, ex.ID)
	for _, want := range []string{"Result:", "passed", "Output url:", "https://example.com/released", "Inputs:", "version=1.4.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lacks %q:\n%s", want, out)
		}
	}
}

// TestDiscard: a discarded stage event leaves the queue for good and never
// runs.
func TestDiscard(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")
	c.ok("emit", "--canvas", canvas, "--source", "release", "--data", "version=2")
	ev := waitingEvent(t, canvas, "deploy")

	if msg := c.as(srv.viewerToken).fails(1, "discard", "--canvas", canvas, "--stage", "deploy", ev.ID); !strings.Contains(msg, "role viewer") {
		t.Errorf("viewer discard: %s", msg)
	}
	out := c.ok("discard", "--canvas", canvas, "--stage", "deploy", ev.ID)
	if !strings.Contains(out, "discarded stage event "+ev.ID) {
		t.Errorf("discard: %q", out)
	}
	got := stageEvents(t, canvas, "deploy")
	if len(got) != 1 || got[0].State != api.StageEventStateDiscarded || got[0].DiscardedBy == "" {
		t.Errorf("after discard the API shows %+v", got)
	}
	if row := rowOf(t, c.ok("events", "--canvas", canvas, "--stage", "deploy"), ev.ID); row[1] != "discarded" {
		t.Errorf("events row after discard: %v", row)
	}
	// Discarding twice: the server says why, the CLI passes it on.
	if msg := c.fails(1, "discard", "--canvas", canvas, "--stage", "deploy", ev.ID); !strings.Contains(msg, "400") {
		t.Errorf("second discard: %s", msg)
	}
	if ex := executions(t, canvas, "deploy"); len(ex) != 0 {
		t.Errorf("a discarded event ran: %+v", ex)
	}
}

// TestEmitFromFile: --file sends a JSON object as the event's data (from a
// file or standard input); bad data is refused before anything is sent.
func TestEmitFromFile(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	file := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(file, []byte(`{"version": "3.0.0", "meta": {"by": "ci", "n": 7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var posted api.EventResponse
	decode(t, c.ok("emit", "--canvas", canvas, "--source", "release", "--file", file, "-o", "json"), &posted)
	if payload(posted.Event)["version"] != "3.0.0" || posted.Event.SourceName != "release" {
		t.Errorf("emit --file -o json: %+v", posted.Event)
	}
	c.stdin = `{"from": "stdin"}`
	c.ok("emit", "--canvas", canvas, "--source", "release", "--file", "-")
	c.stdin = ""
	events, err := srv.owner.ListEvents(ctx(t), canvas, client.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events.Events) != 2 || payload(events.Events[0])["from"] != "stdin" {
		t.Fatalf("events after two emits: %+v", events.Events)
	}
	meta, ok := payload(events.Events[1])["meta"].(map[string]any)
	if !ok || meta["by"] != "ci" || meta["n"] != float64(7) {
		t.Errorf("nested data: %s", events.Events[1].Raw)
	}

	if msg := c.fails(2, "emit", "--canvas", canvas, "--source", "release", "--file", file, "--data", "a=b"); !strings.Contains(msg, "not both") {
		t.Errorf("--file and --data: %s", msg)
	}
	if msg := c.fails(2, "emit", "--canvas", canvas, "--source", "release", "--data", "novalue"); !strings.Contains(msg, "KEY=VALUE") {
		t.Errorf("--data without =: %s", msg)
	}
	if msg := c.fails(2, "emit", "--canvas", canvas, "--source", "release", "--data", "n:=notjson"); !strings.Contains(msg, "must be JSON") {
		t.Errorf("--data k:=bad: %s", msg)
	}
	list := filepath.Join(t.TempDir(), "list.json")
	if err := os.WriteFile(list, []byte(`[1, 2]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := c.fails(1, "emit", "--canvas", canvas, "--source", "release", "--file", list); !strings.Contains(msg, "must hold a JSON object") {
		t.Errorf("--file with a list: %s", msg)
	}
	if msg := c.fails(2, "emit", "--canvas", canvas); !strings.Contains(msg, "--source is required") {
		t.Errorf("emit without --source: %s", msg)
	}
	if n, _ := srv.owner.ListEvents(ctx(t), canvas, client.EventQuery{}); len(n.Events) != 2 {
		t.Errorf("refused emits posted events: %d", len(n.Events))
	}
}

// payload is e's payload decoded, as the tests read it before the API
// passed payloads through as stored (nil if it does not decode).
func payload(e api.Event) map[string]any {
	m, _ := e.RawObject()
	return m
}
