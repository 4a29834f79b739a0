package gitlab_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
)

func pipelineRequest() integration.RunRequest {
	return integration.RunRequest{
		ExecutionID: "exec-1", StageID: "stage-1", Type: "gitlab",
		Spec: map[string]any{
			"ref":       "main",
			"variables": map[string]any{"VERSION": "1.2.3", "REPLICAS": 2.0},
		},
		IntegrationURL: instanceURL, Token: developerToken, ResourceName: projectPath,
	}
}

// TestPipelineFollowedToItsStatus: the pipeline is created on the ref with
// the variables and followed to its end; success passes, anything else
// fails naming GitLab's status.
func TestPipelineFollowedToItsStatus(t *testing.T) {
	for _, tt := range []struct{ status, result string }{
		{"success", api.ResultPassed},
		{"failed", api.ResultFailed},
		{"canceled", api.ResultFailed},
		{"skipped", api.ResultFailed},
	} {
		t.Run(tt.status, func(t *testing.T) {
			f := newFixture(t)
			f.fake.SetPipelineOutcome(tt.status, 3)
			rec := &runtest.Recorder{}
			out := runtest.Run(t, gl, f.exec(0), pipelineRequest(), rec.Progress)
			reason := api.ResultReasonOK
			if tt.result != api.ResultPassed {
				reason = api.ResultReasonError
			}
			runtest.WantOutcome(t, out, tt.result, reason, "ended with status "+tt.status, projectPath)
			ps := f.fake.Pipelines()
			if len(ps) != 1 || ps[0].Ref != "main" || !reflect.DeepEqual(ps[0].Variables, map[string]string{"VERSION": "1.2.3", "REPLICAS": "2"}) {
				t.Fatalf("pipelines = %+v, want one on main with the spec's variables", ps)
			}
			want := integration.Resource{ID: "1001", Type: gitlab.ResourcePipeline, State: tt.status, Result: tt.status}
			if len(out.Resources) != 1 || out.Resources[0] != want {
				t.Errorf("resources = %+v, want [%+v]", out.Resources, want)
			}
			// The pipeline was persisted before it was followed.
			if first := rec.Snapshot()[0]; len(first) != 1 || first[0].ID != "1001" {
				t.Errorf("first progress = %+v", first)
			}
		})
	}
}

// TestPipelineCancelled: a cancel of the execution cancels the pipeline on
// GitLab.
func TestPipelineCancelled(t *testing.T) {
	f := newFixture(t)
	f.fake.SetPipelineOutcome("success", 1000)
	rec := &runtest.Recorder{CancelWhen: func(calls int, _ []integration.Resource) bool { return calls >= 3 }}
	out := runtest.Run(t, gl, f.exec(0), pipelineRequest(), rec.Progress)
	runtest.WantOutcome(t, out, api.ResultCancelled, api.ResultReasonUser, "was cancelled on GitLab")
	if ps := f.fake.Pipelines(); len(ps) != 1 || !ps[0].Cancelled {
		t.Errorf("pipelines = %+v, want one cancelled", ps)
	}
	if r := out.Resources; len(r) != 1 || r[0].State != "canceled" {
		t.Errorf("resources = %+v, want the pipeline canceled", r)
	}
}

// TestPipelineTimeout: a pipeline that outlives the execution's timeout
// fails it with the timeout reason and is cancelled on GitLab.
func TestPipelineTimeout(t *testing.T) {
	f := newFixture(t)
	f.fake.SetPipelineOutcome("success", 100000)
	out := runtest.Run(t, gl, f.exec(300*time.Millisecond), pipelineRequest(), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "timed out", "GitLab pipeline 1001")
	if ps := f.fake.Pipelines(); len(ps) != 1 || !ps[0].Cancelled {
		t.Errorf("pipelines = %+v, want the pipeline cancelled after the timeout", ps)
	}
}

// TestPipelineResumed: an execution resumed after a restart follows the
// pipeline it had created instead of creating another.
func TestPipelineResumed(t *testing.T) {
	f := newFixture(t)
	first := runtest.Run(t, gl, f.exec(0), pipelineRequest(), nil)
	req := pipelineRequest()
	req.Resources = []integration.Resource{{ID: first.Resources[0].ID, Type: gitlab.ResourcePipeline, State: "running"}}
	out := runtest.Run(t, gl, f.exec(0), req, nil)
	runtest.WantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "pipeline 1001")
	if n := len(f.fake.Pipelines()); n != 1 {
		t.Errorf("%d pipelines, want the one created first", n)
	}
}

// TestPipelineFailuresNameTheReason: GitLab's reasons reach the message
// (an unknown ref, a project the token cannot see, a role too low), never
// the token.
func TestPipelineFailuresNameTheReason(t *testing.T) {
	f := newFixture(t)
	f.fake.AddToken("glpat-reporter-0000000000", "rep")
	f.fake.Grant(projectPath, "rep", 20)
	for _, c := range []struct {
		name  string
		edit  func(*integration.RunRequest)
		wants []string
	}{
		{"unknown ref", func(r *integration.RunRequest) { r.Spec["ref"] = "nope" }, []string{"Reference not found", "on nope"}},
		{"missing project", func(r *integration.RunRequest) { r.ResourceName = "acme/other" }, []string{"project acme/other not found"}},
		{"reporter", func(r *integration.RunRequest) { r.Token = "glpat-reporter-0000000000" }, []string{"Reporter access", "Developer or higher"}},
		{"bad token", func(r *integration.RunRequest) { r.Token = "glpat-bad-00000000000" }, []string{"401 Unauthorized"}},
		{"no ref", func(r *integration.RunRequest) { delete(r.Spec, "ref") }, []string{"spec.ref is required"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := pipelineRequest()
			c.edit(&req)
			out := runtest.Run(t, gl, f.exec(0), req, nil)
			runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, c.wants...)
			if strings.Contains(out.Message, req.Token) {
				t.Errorf("message %q shows the token", out.Message)
			}
		})
	}
	if n := len(f.fake.Pipelines()); n != 0 {
		t.Errorf("%d pipelines created", n)
	}
}

// TestCheckSpec: ref is required and variables must be strings.
func TestCheckSpec(t *testing.T) {
	for _, c := range []struct {
		spec map[string]any
		want string
	}{
		{map[string]any{"ref": "main"}, ""},
		{map[string]any{"ref": "main", "variables": map[string]any{"A": "b", "N": 1.0}}, ""},
		{map[string]any{}, "spec.ref is required"},
		{map[string]any{"ref": "main", "variables": "x"}, "spec.variables must be an object"},
		{map[string]any{"ref": "main", "variables": map[string]any{"A": []any{}}}, "spec.variables.A must be a string"},
	} {
		chk := &integration.SpecCheck{Spec: c.spec}
		gl.CheckSpec(chk)
		if got := chk.Err(); (got == nil) != (c.want == "") || (got != nil && got.Error() != c.want) {
			t.Errorf("%v: %v, want %q", c.spec, got, c.want)
		}
	}
}
