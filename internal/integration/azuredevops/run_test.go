package azuredevops_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
)

// runFixture is the fake whose runs complete after 3 reads in progress,
// and the frame of runs pointed at it.
type runFixture struct {
	fake *fakeado.Server
	exec integration.Execution
}

func newRunFixture(t *testing.T, timeout time.Duration) runFixture {
	t.Helper()
	fake, v := newFake(t)
	fake.SetRunResult("succeeded", 3)
	return runFixture{fake: fake, exec: runtest.Execution(integration.Verifier{AzureDevOpsAPIURL: v.AzureDevOpsAPIURL}, timeout)}
}

func (f runFixture) run(t *testing.T, req integration.RunRequest, progress integration.Progress) integration.Outcome {
	t.Helper()
	return runtest.Run(t, ado, f.exec, req, progress)
}

func adoRequest() integration.RunRequest {
	return integration.RunRequest{
		ExecutionID: "exec-1", StageID: "stage-1", Type: "azure_devops",
		Spec: map[string]any{
			"pipeline": "7", "ref": "main",
			"parameters": map[string]any{"environment": "prod"},
			"variables":  map[string]any{"VERSION": "1.2.3", "REPLICAS": 2.0},
		},
		IntegrationURL: orgURL, Token: alicePAT, ResourceName: "Fabrikam",
	}
}

func onlyRun(t *testing.T, fake *fakeado.Server) fakeado.Run {
	t.Helper()
	rs := fake.Runs()
	if len(rs) != 1 {
		t.Fatalf("runs = %+v, want one", rs)
	}
	return rs[0]
}

// TestRunFollowedToResult: the pipeline runs on the branch with the
// parameters and variables, and the run's result decides the execution's.
func TestRunFollowedToResult(t *testing.T) {
	for _, c := range []struct{ result, want, message string }{
		{"succeeded", api.ResultPassed, "finished with result succeeded"},
		{"failed", api.ResultFailed, "finished with result failed"},
		{"canceled", api.ResultFailed, "was canceled in Azure DevOps"},
	} {
		t.Run(c.result, func(t *testing.T) {
			f := newRunFixture(t, 0)
			f.fake.SetRunResult(c.result, 3)
			rec := &runtest.Recorder{}
			out := f.run(t, adoRequest(), rec.Progress)
			runtest.WantOutcome(t, out, c.want, map[bool]string{true: api.ResultReasonOK, false: api.ResultReasonError}[c.want == api.ResultPassed], "run 1 of pipeline 7", c.message)
			r := onlyRun(t, f.fake)
			if r.RefName != "refs/heads/main" || !maps.Equal(r.TemplateParameters, map[string]string{"environment": "prod"}) ||
				!maps.Equal(r.Variables, map[string]string{"VERSION": "1.2.3", "REPLICAS": "2"}) || len(r.Secret) != 0 {
				t.Errorf("run = %+v, want main with the spec's parameters and variables", r)
			}
			want := integration.Resource{ID: "7/1", Type: azuredevops.ResourceRun, State: "completed", Result: c.result}
			if len(out.Resources) != 1 || out.Resources[0] != want {
				t.Errorf("resources = %+v, want [%+v]", out.Resources, want)
			}
			calls := rec.Snapshot()
			if len(calls) < 2 || calls[0][0].ID != "7/1" || calls[0][0].State != "inProgress" {
				t.Errorf("progress = %+v, want the run in progress first", calls)
			}
		})
	}
}

// TestRunOutputToken: with an output token the run gets the execution's id
// and the token as variables, the token a secret one; a variable holding a
// rendered secret is sent secret too.
func TestRunOutputToken(t *testing.T) {
	f := newRunFixture(t, 0)
	req := adoRequest()
	req.OutputToken = "spo_token-for-this-execution"
	req.Spec["variables"] = map[string]any{"AUTH": "Bearer s3cr3t-value"}
	req.Secrets = []string{"s3cr3t-value"}
	req.Spec["ref"] = "refs/tags/v1"
	runtest.WantOutcome(t, f.run(t, req, nil), api.ResultPassed, api.ResultReasonOK)
	r := onlyRun(t, f.fake)
	if r.Variables[api.AzureDevOpsOutputTokenVariable] != req.OutputToken || r.Variables[api.AzureDevOpsExecutionIDVariable] != "exec-1" {
		t.Errorf("variables = %v, want the execution id and output token", r.Variables)
	}
	if secret := slices.Sorted(slices.Values(r.Secret)); !slices.Equal(secret, []string{"AUTH", api.AzureDevOpsOutputTokenVariable}) {
		t.Errorf("secret variables = %v", secret)
	}
	if r.RefName != "refs/tags/v1" {
		t.Errorf("ref = %q, want a full ref kept as it is", r.RefName)
	}
}

// TestRunCancelled: a cancel requested while the run is in progress
// cancels its build and ends the execution cancelled.
func TestRunCancelled(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.SetRunResult("succeeded", 1000)
	rec := &runtest.Recorder{CancelWhen: func(calls int, _ []integration.Resource) bool { return calls >= 3 }}
	out := f.run(t, adoRequest(), rec.Progress)
	runtest.WantOutcome(t, out, api.ResultCancelled, api.ResultReasonUser, "being canceled")
	if r := onlyRun(t, f.fake); !r.Cancelled {
		t.Error("the run was not cancelled on Azure DevOps")
	}
	if len(out.Resources) != 1 || out.Resources[0].State != "completed" || out.Resources[0].Result != "canceled" {
		t.Errorf("resources = %+v, want the canceled run", out.Resources)
	}
}

// TestRunTimeout: an execution that runs out of time cancels the run and
// says so.
func TestRunTimeout(t *testing.T) {
	f := newRunFixture(t, 300*time.Millisecond)
	f.fake.SetRunResult("succeeded", 100000)
	out := f.run(t, adoRequest(), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "timed out", "Azure Pipelines run 1")
	if r := onlyRun(t, f.fake); !r.Cancelled {
		t.Error("the run was not cancelled at the timeout")
	}
}

// TestRunResumed: after a restart the execution follows the run its
// resources name instead of starting another.
func TestRunResumed(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.SetRunResult("failed", 2)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var saved []integration.Resource
	first := runtest.Execute(ctx, ado, f.exec, adoRequest(), func(_ context.Context, rs []integration.Resource) bool {
		saved = append([]integration.Resource(nil), rs...)
		stop()
		return false
	})
	runtest.WantOutcome(t, first, api.ResultFailed, api.ResultReasonError, "interrupted")
	if r := onlyRun(t, f.fake); r.Cancelled || len(saved) != 1 || saved[0].ID != "7/1" {
		t.Fatalf("run %+v, saved %+v: want it running and saved", r, saved)
	}
	req := adoRequest()
	req.Resources = saved
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "finished with result failed")
	if n := len(f.fake.Runs()); n != 1 {
		t.Errorf("%d runs, want no new one for the resumed execution", n)
	}
}

// TestRunStartRefused: a pipeline or project that does not exist, or a
// refused PAT, fails the execution with Azure DevOps' words and never the
// PAT.
func TestRunStartRefused(t *testing.T) {
	f := newRunFixture(t, 0)
	req := adoRequest()
	req.Spec["pipeline"] = "99"
	runtest.WantOutcome(t, f.run(t, req, nil), api.ResultFailed, api.ResultReasonError, "Pipeline with id 99 does not exist")
	req = adoRequest()
	req.ResourceName = "Missing"
	runtest.WantOutcome(t, f.run(t, req, nil), api.ResultFailed, api.ResultReasonError, "TF200016", "Missing")
	req = adoRequest()
	req.Token = ghostPAT
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "401")
	f.fake.SetSignInPage(true)
	out2 := f.run(t, req, nil)
	runtest.WantOutcome(t, out2, api.ResultFailed, api.ResultReasonError, "sign-in page")
	for _, m := range []string{out.Message, out2.Message} {
		if strings.Contains(m, ghostPAT) {
			t.Errorf("message %q shows the PAT", m)
		}
	}
}

// TestCheckSpec: pipeline is a required numeric id; ref, parameters and
// variables are optional.
func TestCheckSpec(t *testing.T) {
	for _, c := range []struct {
		spec map[string]any
		err  string
	}{
		{map[string]any{"pipeline": "7"}, ""},
		{map[string]any{"pipeline": "7", "ref": "main", "parameters": map[string]any{"a": "b"}, "variables": map[string]any{"A": "b"}}, ""},
		{map[string]any{}, "spec.pipeline is required"},
		{map[string]any{"pipeline": "deploy"}, `spec.pipeline must be the pipeline's numeric id, got "deploy"`},
		{map[string]any{"pipeline": "7", "ref": " "}, "spec.ref is required"},
		{map[string]any{"pipeline": "7", "parameters": "x"}, "spec.parameters must be an object"},
		{map[string]any{"pipeline": "7", "variables": map[string]any{"A": []any{}}}, "spec.variables.A must be a string"},
	} {
		sc := &integration.SpecCheck{Spec: c.spec}
		ado.CheckSpec(sc)
		if got := sc.Err(); (got == nil) != (c.err == "") || (got != nil && got.Error() != c.err) {
			t.Errorf("CheckSpec(%v) = %v, want %q", c.spec, got, c.err)
		}
	}
	// A template is checked once rendered.
	sc := &integration.SpecCheck{Spec: map[string]any{"pipeline": "${{ inputs.id }}"}, Templated: true}
	if ado.CheckSpec(sc); sc.Err() != nil {
		t.Errorf("CheckSpec of a templated pipeline = %v", sc.Err())
	}
}
