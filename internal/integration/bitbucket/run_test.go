package bitbucket_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakebitbucket "github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
)

// runFixture is the fake with acme/app, whose custom pipeline deploy
// exists and whose pipelines complete after 3 reads in progress, and the
// frame of runs pointed at it.
type runFixture struct {
	fake *fakebitbucket.Server
	exec integration.Execution
}

func newRunFixture(t *testing.T, timeout time.Duration) runFixture {
	t.Helper()
	fake, v := newFake(t)
	fake.AddCustomPipeline("acme", "app", "deploy")
	fake.SetPipelineResult("SUCCESSFUL", 3)
	return runFixture{fake: fake, exec: runtest.Execution(integration.Verifier{BitbucketAPIURL: v.BitbucketAPIURL}, timeout)}
}

func (f runFixture) run(t *testing.T, req integration.RunRequest, progress integration.Progress) integration.Outcome {
	t.Helper()
	return runtest.Run(t, bb, f.exec, req, progress)
}

func bitbucketRequest() integration.RunRequest {
	return integration.RunRequest{
		ExecutionID: "exec-1", StageID: "stage-1", Type: "bitbucket",
		Spec: map[string]any{
			"ref": "main", "pipeline": "deploy",
			"variables": map[string]any{"VERSION": "1.2.3", "REPLICAS": 2.0},
		},
		IntegrationURL: workspaceURL, Token: aliceCred, ResourceName: "app",
	}
}

// onlyPipeline returns the one pipeline started.
func onlyPipeline(t *testing.T, fake *fakebitbucket.Server) fakebitbucket.Pipeline {
	t.Helper()
	ps := fake.Pipelines()
	if len(ps) != 1 {
		t.Fatalf("pipelines = %+v, want one", ps)
	}
	return ps[0]
}

// TestPipelineFollowedToResult: the pipeline runs on the branch, as the
// custom pipeline named, with the variables, and its result decides the
// execution's.
func TestPipelineFollowedToResult(t *testing.T) {
	for _, c := range []struct{ result, want, reason string }{
		{"SUCCESSFUL", api.ResultPassed, api.ResultReasonOK},
		{"FAILED", api.ResultFailed, api.ResultReasonError},
		{"ERROR", api.ResultFailed, api.ResultReasonError},
		{"STOPPED", api.ResultFailed, api.ResultReasonError},
	} {
		t.Run(c.result, func(t *testing.T) {
			f := newRunFixture(t, 0)
			f.fake.SetPipelineResult(c.result, 3)
			rec := &runtest.Recorder{}
			out := f.run(t, bitbucketRequest(), rec.Progress)
			runtest.WantOutcome(t, out, c.want, c.reason, "Bitbucket pipeline #1", c.result)
			p := onlyPipeline(t, f.fake)
			if p.RefType != "branch" || p.RefName != "main" || p.Custom != "deploy" ||
				!maps.Equal(p.Variables, map[string]string{"VERSION": "1.2.3", "REPLICAS": "2"}) {
				t.Errorf("pipeline = %+v, want deploy on main with the spec's variables", p)
			}
			want := integration.Resource{ID: p.UUID, Type: bitbucket.ResourcePipeline, State: "COMPLETED", Result: c.result}
			if len(out.Resources) != 1 || out.Resources[0] != want {
				t.Errorf("resources = %+v, want [%+v]", out.Resources, want)
			}
			// Progress saw the pipeline before it completed, so a restart
			// would have followed it rather than start another.
			calls := rec.Snapshot()
			if len(calls) < 2 || len(calls[0]) != 1 || calls[0][0].ID != p.UUID || calls[0][0].State != "PENDING" {
				t.Errorf("progress = %+v, want the pending pipeline first", calls)
			}
		})
	}
}

// TestPipelineOfTheBranch: without a custom pipeline, the branch's own
// pipeline runs, with no selector and no variables.
func TestPipelineOfTheBranch(t *testing.T) {
	f := newRunFixture(t, 0)
	req := bitbucketRequest()
	req.Spec = map[string]any{"ref": "release"}
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if p := onlyPipeline(t, f.fake); p.Custom != "" || p.RefName != "release" || len(p.Variables) != 0 {
		t.Errorf("pipeline = %+v", p)
	}
}

// TestPipelineSecretVariablesSecured: a variable that carries a secret
// rendered into the spec is sent secured; the others are not.
func TestPipelineSecretVariablesSecured(t *testing.T) {
	f := newRunFixture(t, 0)
	req := bitbucketRequest()
	req.Spec["variables"] = map[string]any{"TOKEN": "Bearer s3cr3t-value", "VERSION": "1.2.3"}
	req.Secrets = []string{"s3cr3t-value"}
	runtest.WantOutcome(t, f.run(t, req, nil), api.ResultPassed, api.ResultReasonOK)
	if p := onlyPipeline(t, f.fake); !slices.Equal(p.Secured, []string{"TOKEN"}) {
		t.Errorf("secured variables = %v, want [TOKEN]", p.Secured)
	}
}

// TestPipelineCancelled: a cancel requested while the pipeline runs stops
// it on Bitbucket and ends the execution cancelled.
func TestPipelineCancelled(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.SetPipelineResult("SUCCESSFUL", 1000)
	rec := &runtest.Recorder{CancelWhen: func(calls int, _ []integration.Resource) bool { return calls >= 3 }}
	out := f.run(t, bitbucketRequest(), rec.Progress)
	runtest.WantOutcome(t, out, api.ResultCancelled, api.ResultReasonUser, "was stopped")
	if p := onlyPipeline(t, f.fake); !p.Stopped {
		t.Error("the pipeline was not stopped on Bitbucket")
	}
	if len(out.Resources) != 1 || out.Resources[0].State != "COMPLETED" || out.Resources[0].Result != "STOPPED" {
		t.Errorf("resources = %+v, want the stopped pipeline", out.Resources)
	}
}

// TestPipelineTimeout: an execution that runs out of time stops the
// pipeline and says so.
func TestPipelineTimeout(t *testing.T) {
	f := newRunFixture(t, 300*time.Millisecond)
	f.fake.SetPipelineResult("SUCCESSFUL", 100000)
	out := f.run(t, bitbucketRequest(), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "timed out", "Bitbucket pipeline")
	if p := onlyPipeline(t, f.fake); !p.Stopped {
		t.Error("the pipeline was not stopped on Bitbucket at the timeout")
	}
}

// TestPipelineResumed: a server that stops while the pipeline runs leaves
// it running; after the restart the execution follows the pipeline its
// resources name instead of starting another.
func TestPipelineResumed(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.SetPipelineResult("FAILED", 2)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var saved []integration.Resource
	first := runtest.Execute(ctx, bb, f.exec, bitbucketRequest(), func(_ context.Context, rs []integration.Resource) bool {
		saved = append([]integration.Resource(nil), rs...)
		stop() // the server shuts down
		return false
	})
	runtest.WantOutcome(t, first, api.ResultFailed, api.ResultReasonError, "interrupted")
	if p := onlyPipeline(t, f.fake); p.Stopped || len(saved) != 1 || saved[0].ID != p.UUID {
		t.Fatalf("pipeline %+v, saved %+v: want it running and saved", p, saved)
	}
	req := bitbucketRequest()
	req.Resources = saved
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "finished with result FAILED")
	if n := len(f.fake.Pipelines()); n != 1 {
		t.Errorf("%d pipelines, want no new one for the resumed execution", n)
	}
	if len(out.Resources) != 1 || out.Resources[0].ID != saved[0].ID {
		t.Errorf("resources = %+v, want the resumed pipeline", out.Resources)
	}
}

// TestPipelineStartRefused: Bitbucket's reason for refusing a run, or a
// repository the credential cannot see, fails the execution in words, and
// never shows the credential.
func TestPipelineStartRefused(t *testing.T) {
	f := newRunFixture(t, 0)
	req := bitbucketRequest()
	req.Spec["pipeline"] = "nope"
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "Could not find a custom pipeline named 'nope'")
	req = bitbucketRequest()
	req.ResourceName = "missing"
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "acme/missing", "not found")
	req = bitbucketRequest()
	req.Token = "alice:wrong-password"
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "Unauthorized")
	if strings.Contains(out.Message, "wrong-password") {
		t.Errorf("message %q shows the credential", out.Message)
	}
}

// TestCheckSpec: ref is required; pipeline, when there, must be a name;
// variables must be strings.
func TestCheckSpec(t *testing.T) {
	for _, c := range []struct {
		spec map[string]any
		err  string
	}{
		{map[string]any{"ref": "main"}, ""},
		{map[string]any{"ref": "main", "pipeline": "deploy", "variables": map[string]any{"A": "b"}}, ""},
		{map[string]any{}, "spec.ref is required"},
		{map[string]any{"ref": "main", "pipeline": " "}, "spec.pipeline is required"},
		{map[string]any{"ref": "main", "variables": map[string]any{"A": []any{}}}, "spec.variables.A must be a string"},
	} {
		sc := &integration.SpecCheck{Spec: c.spec}
		bb.CheckSpec(sc)
		if got := sc.Err(); (got == nil) != (c.err == "") || (got != nil && got.Error() != c.err) {
			t.Errorf("CheckSpec(%v) = %v, want %q", c.spec, got, c.err)
		}
	}
}
