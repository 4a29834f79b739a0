package semaphore_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
	"github.com/superplane/terraform-provider-superplane/internal/integration/semaphore"
)

const semToken = "sem-executor-test-token"

// runFixture is a fake Semaphore organization with the project app, whose
// pipelines pass after 3 reads, and the frame of runs pointed at it
// (timeout 0: an hour).
type runFixture struct {
	fake *fakesemaphore.Server
	exec integration.Execution
}

func newRunFixture(t *testing.T, timeout time.Duration) runFixture {
	t.Helper()
	fake := fakesemaphore.New(t)
	fake.AddToken(semToken)
	fake.AddProject("app")
	fake.SetPipelineResult("PASSED", 3)
	return runFixture{fake: fake, exec: runtest.Execution(integration.Verifier{SemaphoreAPIURL: fake.URL()}, timeout)}
}

// run runs req with the Semaphore type's Runner in the fixture's frame.
func (f runFixture) run(t *testing.T, req integration.RunRequest, progress integration.Progress) integration.Outcome {
	t.Helper()
	return runtest.Run(t, sem, f.exec, req, progress)
}

func semaphoreRequest(execID string) integration.RunRequest {
	return integration.RunRequest{
		ExecutionID: execID, StageID: "stage-1", Type: "semaphore",
		Spec: map[string]any{
			"pipelineFile": ".semaphore/deploy.yml", "ref": "main",
			"parameters": map[string]any{"VERSION": "1.2.3", "REPLICAS": 2.0},
		},
		IntegrationURL: "https://acme.semaphoreci.com", Token: semToken, ResourceName: "app",
	}
}

func TestSemaphorePipelineFollowedToResult(t *testing.T) {
	for _, tt := range []struct {
		result, wantResult, wantReason string
	}{
		{"PASSED", api.ResultPassed, api.ResultReasonOK},
		{"FAILED", api.ResultFailed, api.ResultReasonError},
		{"STOPPED", api.ResultFailed, api.ResultReasonError},
	} {
		t.Run(tt.result, func(t *testing.T) {
			f := newRunFixture(t, 0)
			f.fake.SetPipelineResult(tt.result, 3)
			rec := &runtest.Recorder{}
			out := f.run(t, semaphoreRequest("exec-1"), rec.Progress)
			runtest.WantOutcome(t, out, tt.wantResult, tt.wantReason, tt.result)

			wfs := f.fake.Workflows()
			if len(wfs) != 1 {
				t.Fatalf("workflows = %+v, want 1", wfs)
			}
			wf := wfs[0]
			if wf.Reference != "refs/heads/main" || wf.PipelineFile != ".semaphore/deploy.yml" ||
				!reflect.DeepEqual(wf.Parameters, map[string]string{"VERSION": "1.2.3", "REPLICAS": "2"}) {
				t.Errorf("workflow = %+v, want main, .semaphore/deploy.yml and the spec's parameters", wf)
			}
			want := integration.Resource{ID: wf.PipelineID, Type: semaphore.ResourcePipeline, State: "DONE", Result: tt.result}
			if len(out.Resources) != 1 || out.Resources[0] != want {
				t.Errorf("resources = %+v, want [%+v]", out.Resources, want)
			}
			if first := rec.Snapshot()[0]; len(first) != 1 || first[0].ID != wf.PipelineID {
				t.Errorf("first progress = %+v, want the pipeline right after it started", first)
			}
		})
	}
}

func TestSemaphoreResumeDoesNotStartAgain(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.SetPipelineResult("PASSED", 6)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	rec := &runtest.Recorder{CancelWhen: func(calls int, _ []integration.Resource) bool {
		if calls == 2 {
			stop()
		}
		return false
	}}
	out := runtest.Execute(ctx, sem, f.exec, semaphoreRequest("exec-resume"), rec.Progress)
	if !strings.HasPrefix(out.Message, "interrupted") {
		t.Fatalf("interrupted outcome = %+v, want a message starting with \"interrupted\"", out)
	}
	if wfs := f.fake.Workflows(); len(wfs) != 1 || wfs[0].Terminated {
		t.Fatalf("workflows = %+v, want one, left running", wfs)
	}

	req := semaphoreRequest("exec-resume")
	req.Resources = rec.Last()
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if n := len(f.fake.Workflows()); n != 1 {
		t.Errorf("workflows = %d, want 1: the resumed execution started another", n)
	}
}

func TestSemaphoreCancel(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.SetPipelineResult("PASSED", 1000)
	rec := &runtest.Recorder{CancelWhen: func(_ int, res []integration.Resource) bool {
		return len(res) == 1 && res[0].State == "RUNNING"
	}}
	out := f.run(t, semaphoreRequest("exec-cancel"), rec.Progress)
	runtest.WantOutcome(t, out, api.ResultCancelled, api.ResultReasonUser, "terminated")
	if wfs := f.fake.Workflows(); len(wfs) != 1 || !wfs[0].Terminated {
		t.Errorf("workflows = %+v, want the pipeline terminated", wfs)
	}
}

func TestSemaphoreTimeoutTerminates(t *testing.T) {
	f := newRunFixture(t, 300*time.Millisecond)
	f.fake.SetPipelineResult("PASSED", 1000)
	out := f.run(t, semaphoreRequest("exec-timeout"), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "timed out")
	if wfs := f.fake.Workflows(); len(wfs) != 1 || !wfs[0].Terminated {
		t.Errorf("workflows = %+v, want the pipeline terminated on timeout", wfs)
	}
}

func TestSemaphoreErrors(t *testing.T) {
	f := newRunFixture(t, 0)

	req := semaphoreRequest("exec-1")
	req.ResourceName = "nope"
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "Semaphore project nope not found")

	req = semaphoreRequest("exec-2")
	req.Token = "sem-wrong-token-value"
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "unauthorized")
	if strings.Contains(out.Message, req.Token) {
		t.Errorf("message %q contains the token", out.Message)
	}

	req = semaphoreRequest("exec-3")
	req.IntegrationURL = "https://example.com"
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "integration URL")

	req = semaphoreRequest("exec-4")
	delete(req.Spec, "pipelineFile")
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "spec.pipelineFile is required")

	if n := len(f.fake.Workflows()); n != 0 {
		t.Errorf("workflows = %d, want none", n)
	}
}
