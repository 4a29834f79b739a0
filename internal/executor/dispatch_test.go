package executor_test

import (
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakegithub "github.com/superplane/terraform-provider-superplane/internal/fake/github"
	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration/semaphore"
)

// The GitHub and Semaphore executors are tested in their type packages
// (internal/integration/github, semaphore); the tests here check that the
// executor hands them their executions: found in the registry, with the
// Config's API URLs, poll interval and guarded client, the spec checked
// again at run time.

const (
	ghToken  = "ghp_executorTestToken123"
	semToken = "sem-executor-test-token"
)

func githubRequest(execID string) executor.Request {
	return executor.Request{
		ExecutionID: execID, StageID: "stage-1", Type: "github",
		Spec:           map[string]any{"workflow": "deploy.yml", "ref": "main", "inputs": map[string]any{"version": "1.2.3"}},
		IntegrationURL: "https://github.com/acme", Token: ghToken, ResourceName: "app",
	}
}

func semaphoreRequest(execID string) executor.Request {
	return executor.Request{
		ExecutionID: execID, StageID: "stage-1", Type: "semaphore",
		Spec:           map[string]any{"pipelineFile": ".semaphore/deploy.yml", "ref": "main"},
		IntegrationURL: "https://acme.semaphoreci.com", Token: semToken, ResourceName: "app",
	}
}

// newFakes returns a fake GitHub (acme/app, deploy.yml succeeds after 2
// reads) and a fake Semaphore (project app, pipelines pass after 2 reads),
// and a runner pointed at both.
func newFakes(t *testing.T) (*fakegithub.Server, *fakesemaphore.Server, *executor.Runner) {
	t.Helper()
	gh := fakegithub.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(ghToken, "octocat", []string{"repo"})
	gh.AddRepo("acme", "app", "octocat")
	gh.AddWorkflow("acme", "app", "deploy.yml", "success", 2)
	sem := fakesemaphore.New(t)
	sem.AddToken(semToken)
	sem.AddProject("app")
	sem.SetPipelineResult("PASSED", 2)
	r := executor.NewRunner(executor.Config{
		GitHubAPIURL: gh.URL(), SemaphoreAPIURL: sem.URL(), PollInterval: testPoll, AllowedNetworks: loopback,
	})
	return gh, sem, r
}

func TestIntegrationExecutorsRunThroughTheRegistry(t *testing.T) {
	gh, sem, r := newFakes(t)

	rec := &recorder{}
	out := run(t, r, githubRequest("exec-gh"), rec.progress)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "success")
	if n := len(gh.Dispatches("acme", "app")); n != 1 {
		t.Errorf("GitHub dispatches = %d, want 1", n)
	}
	if len(out.Resources) != 1 || out.Resources[0].Type != github.ResourceWorkflowRun || out.Resources[0].Result != "success" {
		t.Errorf("resources = %+v, want the workflow run, successful", out.Resources)
	}
	if len(rec.snapshot()) == 0 {
		t.Error("the GitHub executor never reported progress to the executor's caller")
	}

	out = run(t, r, semaphoreRequest("exec-sem"), nil)
	wantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "PASSED")
	if n := len(sem.Workflows()); n != 1 {
		t.Errorf("Semaphore workflows = %d, want 1", n)
	}
	if len(out.Resources) != 1 || out.Resources[0].Type != semaphore.ResourcePipeline || out.Resources[0].Result != "PASSED" {
		t.Errorf("resources = %+v, want the pipeline, passed", out.Resources)
	}
}

// TestIntegrationSpecCheckedAtRunTime: a rendered spec that the type's
// CheckSpec refuses fails before anything is started on the tool.
func TestIntegrationSpecCheckedAtRunTime(t *testing.T) {
	gh, sem, r := newFakes(t)

	req := githubRequest("exec-gh")
	req.Spec["ref"] = "  "
	wantOutcome(t, run(t, r, req, nil), api.ResultFailed, api.ResultReasonError, "spec.ref is required")
	req = githubRequest("exec-gh")
	req.Spec["workflow"] = ".github/workflows/deploy.yml"
	wantOutcome(t, run(t, r, req, nil), api.ResultFailed, api.ResultReasonError, "spec.workflow must be a workflow file name")

	req = semaphoreRequest("exec-sem")
	delete(req.Spec, "pipelineFile")
	wantOutcome(t, run(t, r, req, nil), api.ResultFailed, api.ResultReasonError, "spec.pipelineFile is required")

	if n := len(gh.Dispatches("acme", "app")); n != 0 {
		t.Errorf("GitHub dispatches = %d, want none", n)
	}
	if n := len(sem.Workflows()); n != 0 {
		t.Errorf("Semaphore workflows = %d, want none", n)
	}
}
