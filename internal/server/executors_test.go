package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestToolExecutors runs a GitHub Actions stage and a Semaphore stage
// through the engine against the fakes: the workflow is dispatched with the
// rendered inputs and followed to its conclusion; the pipeline is started
// and followed to its result.
func TestToolExecutors(t *testing.T) {
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo"})
	gh.AddRepo("acme", "app", "octocat")
	gh.AddWorkflow("acme", "app", "deploy.yml", "success", 2)
	sem := semaphore.New(t)
	sem.AddToken(goodSemToken)
	sem.AddProject("app")
	sem.SetPipelineResult("FAILED", 2)

	e := newEnv(t,
		withTools(fakeTools(gh.URL(), sem.URL())),
		withExecutors(executor.Config{GitHubAPIURL: gh.URL(), SemaphoreAPIURL: sem.URL(), PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })

	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "tokens", map[string]string{"github": goodGitHubToken, "semaphore": goodSemToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gh", "github", "https://github.com/acme", "tokens", "github")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "sem", "semaphore", "https://acme.semaphoreci.com", "tokens", "semaphore")).decode(t, &api.IntegrationResponse{})
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)

	stage := func(name string, ex api.Executor) api.StageRequest {
		return api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: name}, Spec: &api.StageSpec{
			Connections:   []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
			Inputs:        []api.InputDefinition{{Name: "VERSION"}},
			InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "VERSION", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Expression: "$.version"}}}}}},
			Executor:      &ex,
		}}}
	}
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage("actions", api.Executor{
		Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
		Spec: map[string]any{"workflow": "deploy.yml", "ref": "main", "inputs": map[string]any{"version": "${{ inputs.VERSION }}"}},
	})).decode(t, &api.StageResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage("pipeline", api.Executor{
		Type: "semaphore", Integration: &api.IntegrationRef{Name: "sem"}, Resource: &api.ResourceRef{Type: "project", Name: "app"},
		Spec: map[string]any{"pipelineFile": ".semaphore/deploy.yml", "ref": "main", "parameters": map[string]any{"VERSION": "${{ inputs.VERSION }}"}},
	})).decode(t, &api.StageResponse{})

	body := []byte(`{"version":"2.0.0"}`)
	if status, resp := deliver(t, e, "/api/v1/sources/"+src.EventSource.Metadata.ID, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(src.Key), body)}); status != 200 {
		t.Fatalf("delivery: %d %s", status, resp)
	}

	actions := waitExecution(t, e, "actions", 1)[0]
	if actions.Result != api.ResultPassed || len(actions.Resources) != 1 || actions.Resources[0].Type != "github_workflow_run" || actions.Resources[0].Result != "success" {
		t.Fatalf("github execution: %+v", actions)
	}
	dispatches := gh.Dispatches("acme", "app")
	if len(dispatches) != 1 || dispatches[0].Ref != "main" || dispatches[0].Inputs["version"] != "2.0.0" || dispatches[0].Inputs["superplane_execution_id"] != actions.ID {
		t.Fatalf("dispatches: %+v", dispatches)
	}

	pipeline := waitExecution(t, e, "pipeline", 1)[0]
	if pipeline.Result != api.ResultFailed || !strings.Contains(pipeline.ResultMessage, "FAILED") {
		t.Fatalf("semaphore execution: %+v", pipeline)
	}
	if wfs := sem.Workflows(); len(wfs) != 1 || wfs[0].Parameters["VERSION"] != "2.0.0" || wfs[0].Reference != "refs/heads/main" {
		t.Fatalf("semaphore workflows: %+v", wfs)
	}
	for _, tok := range []string{goodGitHubToken, goodSemToken} {
		if strings.Contains(e.logs.String(), tok) {
			t.Fatal("a token reached the log")
		}
	}
}
