package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestAzureDevOpsRunPushesOutputs: a stage whose azure_devops executor
// declares outputs runs the pipeline with the execution's id and output
// token as variables (the token a secret one); the run pushes VERSION with
// that token while it is in progress, and the execution passes with it
// once the run has succeeded. The token is never in the log or an answer.
func TestAzureDevOpsRunPushesOutputs(t *testing.T) {
	fake := fakeado.New(t)
	fake.AddOrganization("acme")
	fake.AddProject("acme", "Fabrikam")
	fake.AddPipeline("acme", "Fabrikam", "12", "build")
	fake.AddPAT("acme", goodAzureDevOpsPAT, fakeado.PAT{User: "Dev"})
	fake.SetRunResult("succeeded", 100000)
	tools := &integration.Verifier{AzureDevOpsAPIURL: fake.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, withTools(tools),
		withExecutors(executor.Config{AzureDevOpsAPIURL: fake.URL(), PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })

	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "ado", map[string]string{"pat": goodAzureDevOpsPAT})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "ado", "azure_devops", "https://dev.azure.com/acme", "ado", "pat")).decode(t, &api.IntegrationResponse{})
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "build"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Outputs:     []api.OutputDefinition{{Name: "VERSION", Required: true}},
		Executor: &api.Executor{Type: "azure_devops", Integration: &api.IntegrationRef{Name: "ado"}, Resource: &api.ResourceRef{Type: "project", Name: "Fabrikam"},
			Spec: map[string]any{"pipeline": "12", "ref": "main"}},
	}}}).decode(t, &api.StageResponse{})

	body := []byte(`{"ref":"refs/heads/main"}`)
	if status, resp := deliver(t, e, "/api/v1/sources/"+src.EventSource.Metadata.ID, body,
		map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(src.Key), body)}); status != 200 {
		t.Fatalf("delivery: %d %s", status, resp)
	}
	// The run is in progress on Azure DevOps with the token.
	var run fakeado.Run
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if runs := fake.Runs(); len(runs) == 1 {
			run = runs[0]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	token := run.Variables[api.AzureDevOpsOutputTokenVariable]
	execID := run.Variables[api.AzureDevOpsExecutionIDVariable]
	if !strings.HasPrefix(token, api.OutputTokenPrefix) || execID == "" || !slices.Contains(run.Secret, api.AzureDevOpsOutputTokenVariable) {
		t.Fatalf("run = %+v, want the execution id and a secret output token", run)
	}
	r := e.do(token, "POST", api.OutputsPath, map[string]any{"executionId": execID, "outputs": map[string]string{"VERSION": "2.0.1"}})
	if r.status != http.StatusOK {
		t.Fatalf("push outputs: %d %s", r.status, r.body)
	}
	fake.FinishRuns("succeeded")
	build := waitExecution(t, e, "build", 1)[0]
	if build.Result != api.ResultPassed || !hasOutput(build, "VERSION", "2.0.1") || build.ID != execID {
		t.Fatalf("build: %+v", build)
	}
	if strings.Contains(e.logs.String(), token) {
		t.Fatal("the output token is in the server log")
	}
}
