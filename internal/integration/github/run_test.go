package github_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakegithub "github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
)

const ghToken = "ghp_executorTestToken123"

// runFixture is a fake GitHub with the repository acme/app, whose
// deploy.yml succeeds after 3 reads of a run, and the frame of runs
// pointed at it (timeout 0: an hour).
type runFixture struct {
	fake *fakegithub.Server
	exec integration.Execution
}

func newRunFixture(t *testing.T, timeout time.Duration) runFixture {
	t.Helper()
	fake := fakegithub.New(t)
	fake.AddOwner("acme", true)
	fake.AddToken(ghToken, "octocat", []string{"repo"})
	fake.AddRepo("acme", "app", "octocat")
	fake.AddWorkflow("acme", "app", "deploy.yml", "success", 3)
	return runFixture{fake: fake, exec: runtest.Execution(integration.Verifier{GitHubAPIURL: fake.URL()}, timeout)}
}

// run runs req with the GitHub type's Runner in the fixture's frame.
func (f runFixture) run(t *testing.T, req integration.RunRequest, progress integration.Progress) integration.Outcome {
	t.Helper()
	return runtest.Run(t, gt, f.exec, req, progress)
}

func githubRequest(execID string) integration.RunRequest {
	return integration.RunRequest{
		ExecutionID: execID, StageID: "stage-1", Type: "github",
		Spec:           map[string]any{"workflow": "deploy.yml", "ref": "main", "inputs": map[string]any{"version": "1.2.3", "replicas": 2.0}},
		IntegrationURL: "https://github.com/acme", Token: ghToken, ResourceName: "app",
	}
}

func TestGitHubRunFollowedToConclusion(t *testing.T) {
	for _, tt := range []struct {
		conclusion, wantResult, wantReason string
	}{
		{"success", api.ResultPassed, api.ResultReasonOK},
		{"failure", api.ResultFailed, api.ResultReasonError},
		{"timed_out", api.ResultFailed, api.ResultReasonError},
	} {
		t.Run(tt.conclusion, func(t *testing.T) {
			f := newRunFixture(t, 0)
			f.fake.AddWorkflow("acme", "app", "deploy.yml", tt.conclusion, 3)
			rec := &runtest.Recorder{}
			out := f.run(t, githubRequest("exec-"+tt.conclusion), rec.Progress)
			runtest.WantOutcome(t, out, tt.wantResult, tt.wantReason, tt.conclusion)

			dispatches := f.fake.Dispatches("acme", "app")
			if len(dispatches) != 1 {
				t.Fatalf("dispatches = %+v, want 1", dispatches)
			}
			d := dispatches[0]
			if d.Workflow != "deploy.yml" || d.Ref != "main" || d.Inputs["version"] != "1.2.3" || d.Inputs["replicas"] != "2" ||
				d.Inputs[github.ExecutionIDInput] != "exec-"+tt.conclusion {
				t.Errorf("dispatch = %+v, want deploy.yml on main with the spec's inputs and the execution id", d)
			}

			runs := f.fake.WorkflowRuns("acme", "app")
			if len(runs) != 1 {
				t.Fatalf("runs = %+v, want 1", runs)
			}
			wantRes := integration.Resource{ID: strconv.FormatInt(runs[0].ID, 10), Type: github.ResourceWorkflowRun, State: "completed", Result: tt.conclusion}
			if len(out.Resources) != 1 || out.Resources[0] != wantRes {
				t.Errorf("resources = %+v, want [%+v]", out.Resources, wantRes)
			}
			calls := rec.Snapshot()
			if len(calls) < 2 {
				t.Fatalf("progress called %d times, want the dispatch and the polls", len(calls))
			}
			if first := calls[0]; len(first) != 1 || first[0].Type != github.ResourceWorkflowRun || first[0].ID != "" || first[0].State != "dispatched" {
				t.Errorf("first progress = %+v, want the dispatched run without id", first)
			}
			if second := calls[1]; len(second) != 1 || second[0].ID != wantRes.ID {
				t.Errorf("second progress = %+v, want the run found", second)
			}
		})
	}
}

func TestGitHubResumeDoesNotDispatchAgain(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.AddWorkflow("acme", "app", "deploy.yml", "success", 6)

	// The server stops while the run is in progress.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	rec := &runtest.Recorder{CancelWhen: func(_ int, res []integration.Resource) bool {
		if len(res) == 1 && res[0].ID != "" {
			stop()
		}
		return false
	}}
	out := runtest.Execute(ctx, gt, f.exec, githubRequest("exec-resume"), rec.Progress)
	if !strings.HasPrefix(out.Message, "interrupted") {
		t.Fatalf("interrupted outcome = %+v, want a message starting with \"interrupted\"", out)
	}
	persisted := rec.Last()
	if len(persisted) != 1 || persisted[0].ID == "" {
		t.Fatalf("persisted = %+v, want the run", persisted)
	}
	if runs := f.fake.WorkflowRuns("acme", "app"); runs[0].Conclusion == "cancelled" {
		t.Error("an interruption cancelled the run on GitHub; it must be left running to be resumed")
	}

	// After the restart: the same execution, with what was persisted.
	req := githubRequest("exec-resume")
	req.Resources = persisted
	out = f.run(t, req, (&runtest.Recorder{}).Progress)
	runtest.WantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if n := len(f.fake.Dispatches("acme", "app")); n != 1 {
		t.Errorf("dispatches = %d, want 1: the resumed execution dispatched again", n)
	}
	if len(out.Resources) != 1 || out.Resources[0].ID != persisted[0].ID || out.Resources[0].Result != "success" {
		t.Errorf("resources = %+v, want the resumed run, successful", out.Resources)
	}
}

// TestGitHubResumeAfterDispatch covers a restart between the dispatch and
// the run showing up: the run is looked for, not dispatched again.
func TestGitHubResumeAfterDispatch(t *testing.T) {
	f := newRunFixture(t, 0)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	rec := &runtest.Recorder{CancelWhen: func(calls int, _ []integration.Resource) bool {
		if calls == 1 {
			stop()
		}
		return false
	}}
	out := runtest.Execute(ctx, gt, f.exec, githubRequest("exec-early"), rec.Progress)
	if !strings.HasPrefix(out.Message, "interrupted") {
		t.Fatalf("interrupted outcome = %+v, want a message starting with \"interrupted\"", out)
	}
	persisted := rec.Last()
	if len(persisted) != 1 || persisted[0].ID != "" || persisted[0].State != "dispatched" {
		t.Fatalf("persisted = %+v, want the dispatched marker", persisted)
	}

	req := githubRequest("exec-early")
	req.Resources = persisted
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultPassed, api.ResultReasonOK)
	if n := len(f.fake.Dispatches("acme", "app")); n != 1 {
		t.Errorf("dispatches = %d, want 1", n)
	}
}

func TestGitHubCancel(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.AddWorkflow("acme", "app", "deploy.yml", "success", 1000)
	rec := &runtest.Recorder{CancelWhen: func(calls int, res []integration.Resource) bool {
		return len(res) == 1 && res[0].State == "in_progress"
	}}
	out := f.run(t, githubRequest("exec-cancel"), rec.Progress)
	runtest.WantOutcome(t, out, api.ResultCancelled, api.ResultReasonUser)
	runs := f.fake.WorkflowRuns("acme", "app")
	if len(runs) != 1 || runs[0].Status != "completed" || runs[0].Conclusion != "cancelled" {
		t.Errorf("runs = %+v, want the run cancelled on GitHub", runs)
	}
	if len(out.Resources) != 1 || out.Resources[0].Result != "cancelled" {
		t.Errorf("resources = %+v, want the run with conclusion cancelled", out.Resources)
	}
}

func TestGitHubTimeoutCancelsRun(t *testing.T) {
	f := newRunFixture(t, 300*time.Millisecond)
	f.fake.AddWorkflow("acme", "app", "deploy.yml", "success", 1000)
	out := f.run(t, githubRequest("exec-timeout"), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "timed out")
	if runs := f.fake.WorkflowRuns("acme", "app"); len(runs) != 1 || runs[0].Conclusion != "cancelled" {
		t.Errorf("runs = %+v, want the run cancelled when the execution timed out", runs)
	}
}

func TestGitHubErrors(t *testing.T) {
	f := newRunFixture(t, 0)

	req := githubRequest("exec-1")
	req.Spec["workflow"] = "missing.yml"
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "missing.yml", "not found")

	req = githubRequest("exec-2")
	req.Token = "ghp_wrongTokenValue"
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "Bad credentials")
	if strings.Contains(out.Message, req.Token) {
		t.Errorf("message %q contains the token", out.Message)
	}

	req = githubRequest("exec-3")
	req.Spec["ref"] = "  "
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "spec.ref is required")

	req = githubRequest("exec-4")
	req.IntegrationURL = "https://ghe.example.com"
	out = f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "names no owner")

	if n := len(f.fake.Dispatches("acme", "app")); n != 0 {
		t.Errorf("dispatches = %d, want none", n)
	}
}

// TestGitHubRunNotFound uses a GitHub whose run does not carry the
// execution id, as when the workflow lacks run-name: the error says what
// the workflow must declare.
func TestGitHubRunNotFound(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/acme/app/actions/workflows/deploy.yml/dispatches", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /repos/acme/app/actions/workflows/deploy.yml/runs", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"total_count": 1, "workflow_runs": [{"id": 7, "name": "Deploy", "display_title": "Deploy", "status": "queued"}]}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := runtest.Execution(integration.Verifier{GitHubAPIURL: srv.URL + "/"}, 300*time.Millisecond)
	out := runtest.Run(t, gt, e, githubRequest("exec-lost"), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonTimeout, "run-name: ${{ inputs.superplane_execution_id }}")
}
