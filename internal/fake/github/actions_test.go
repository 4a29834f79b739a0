package github_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	fakegithub "github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

func newActionsFake(t *testing.T) (*fakegithub.Server, *github.Client) {
	t.Helper()
	fake := fakegithub.New(t)
	fake.AddOwner("acme", true)
	fake.AddToken("ghp_x", "octocat", []string{"repo"})
	fake.AddToken("ghp_hooks_only", "octocat", []string{"admin:repo_hook"})
	fake.AddRepo("acme", "app", "octocat")
	fake.AddWorkflow("acme", "app", "deploy.yml", "failure", 2)
	return fake, newClient(t, fake, "ghp_x")
}

func TestWorkflowDispatchAndRun(t *testing.T) {
	ctx := context.Background()
	fake, c := newActionsFake(t)

	_, err := c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "app", "deploy.yml", github.CreateWorkflowDispatchEventRequest{
		Ref: "main", Inputs: map[string]any{"superplane_execution_id": "exec-1", "version": "2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ds := fake.Dispatches("acme", "app")
	if len(ds) != 1 || ds[0].Workflow != "deploy.yml" || ds[0].Ref != "main" || ds[0].Inputs["version"] != "2" {
		t.Fatalf("dispatches = %+v, want deploy.yml on main with its inputs", ds)
	}

	since := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	runs, _, err := c.Actions.ListWorkflowRunsByFileName(ctx, "acme", "app", "deploy.yml",
		&github.ListWorkflowRunsOptions{Event: "workflow_dispatch", Created: ">=" + since})
	if err != nil {
		t.Fatal(err)
	}
	if runs.GetTotalCount() != 1 || runs.WorkflowRuns[0].GetDisplayTitle() != "exec-1" || runs.WorkflowRuns[0].GetStatus() != "queued" {
		t.Fatalf("runs = %+v, want one queued run titled exec-1", runs.WorkflowRuns)
	}
	id := runs.WorkflowRuns[0].GetID()

	// Filters that exclude it.
	for name, opts := range map[string]*github.ListWorkflowRunsOptions{
		"later":  {Created: ">" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
		"push":   {Event: "push"},
		"branch": {Branch: "other"},
	} {
		got, _, err := c.Actions.ListRepositoryWorkflowRuns(ctx, "acme", "app", opts)
		if err != nil || got.GetTotalCount() != 0 {
			t.Errorf("%s: runs = %v, %v; want none", name, got.GetTotalCount(), err)
		}
	}

	var statuses []string
	for range 3 {
		run, _, err := c.Actions.GetWorkflowRunByID(ctx, "acme", "app", id)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, run.GetStatus()+"/"+run.GetConclusion())
	}
	if want := []string{"in_progress/", "completed/failure", "completed/failure"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses = %q, want %q", statuses, want)
	}

	// A completed run cannot be cancelled.
	_, err = c.Actions.CancelWorkflowRunByID(ctx, "acme", "app", id)
	if statusOf(err) != http.StatusConflict {
		t.Errorf("cancel of a completed run: %v, want 409", err)
	}
}

func TestWorkflowRunCancel(t *testing.T) {
	ctx := context.Background()
	fake, c := newActionsFake(t)
	fake.AddWorkflow("acme", "app", "deploy.yml", "success", 100)
	if _, err := c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "app", "deploy.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"}); err != nil {
		t.Fatal(err)
	}
	runs := fake.WorkflowRuns("acme", "app")
	if len(runs) != 1 || runs[0].DisplayTitle != "deploy" {
		t.Fatalf("runs = %+v, want one titled after the workflow (no execution id input)", runs)
	}
	_, err := c.Actions.CancelWorkflowRunByID(ctx, "acme", "app", runs[0].ID)
	var accepted *github.AcceptedError
	if !errors.As(err, &accepted) {
		t.Fatalf("cancel: %v, want 202 Accepted", err)
	}
	if runs := fake.WorkflowRuns("acme", "app"); runs[0].Status != "completed" || runs[0].Conclusion != "cancelled" {
		t.Errorf("run = %+v, want completed/cancelled", runs[0])
	}
}

func TestWorkflowDispatchErrors(t *testing.T) {
	ctx := context.Background()
	fake, c := newActionsFake(t)
	dispatch := func(c *github.Client, repo, workflow, ref string) error {
		_, err := c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", repo, workflow, github.CreateWorkflowDispatchEventRequest{Ref: ref})
		return err
	}
	if err := dispatch(c, "app", "missing.yml", "main"); statusOf(err) != http.StatusNotFound {
		t.Errorf("unknown workflow: %v, want 404", err)
	}
	if err := dispatch(c, "nope", "deploy.yml", "main"); statusOf(err) != http.StatusNotFound {
		t.Errorf("unknown repository: %v, want 404", err)
	}
	if err := dispatch(c, "app", "deploy.yml", ""); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("no ref: %v, want 422", err)
	}
	if err := dispatch(newClient(t, fake, "ghp_hooks_only"), "app", "deploy.yml", "main"); statusOf(err) != http.StatusForbidden {
		t.Errorf("token without the repo scope: %v, want 403", err)
	}
	if n := len(fake.Dispatches("acme", "app")); n != 0 {
		t.Errorf("dispatches = %d, want none", n)
	}
}
