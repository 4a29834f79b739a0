package server_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const goodBitbucketSecret = "ATBB-server-test-app-password-0123"

// ciChainEnv is newChainEnv's canvas with build running a GitLab or a
// Bitbucket pipeline: a webhook source starts build, which declares
// VERSION (required) and URL; deploy (noop) reports build's VERSION as
// DEPLOYED.
type ciChainEnv struct {
	*chainEnv
	gl *gitlab.Server
	bb *bitbucket.Server
}

func newCIChainEnv(t *testing.T, executorType string) *ciChainEnv {
	t.Helper()
	gl := gitlab.New(t)
	gl.AddToken(goodGitLabToken, "dev")
	gl.AddProject("acme/app")
	gl.Grant("acme/app", "dev", gitlab.AccessMaintainer)
	bb := bitbucket.New(t)
	bb.AddUser("alice", goodBitbucketSecret)
	bb.AddWorkspace("acme", map[string]string{"alice": "collaborator"})
	bb.AddRepo("acme", "app", "alice")

	tools := &integration.Verifier{GitLabAPIURL: gl.APIURL(), BitbucketAPIURL: bb.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, withTools(tools),
		withExecutors(executor.Config{GitLabAPIURL: gl.APIURL(), BitbucketAPIURL: bb.URL(), PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })

	ce := &ciChainEnv{chainEnv: &chainEnv{env: e}, gl: gl, bb: bb}
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "tokens",
		map[string]string{"gitlab": goodGitLabToken, "bitbucket": "alice:" + goodBitbucketSecret})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gl", "gitlab", "https://gitlab.example.com", "tokens", "gitlab")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "bb", "bitbucket", "https://bitbucket.org/acme", "tokens", "bitbucket")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &ce.src)

	ex := api.Executor{Type: "gitlab", Integration: &api.IntegrationRef{Name: "gl"}, Resource: &api.ResourceRef{Type: "project", Name: "acme/app"},
		Spec: map[string]any{"ref": "main", "variables": map[string]any{"GREETING": "hello"}}}
	if executorType == "bitbucket" {
		ex = api.Executor{Type: "bitbucket", Integration: &api.IntegrationRef{Name: "bb"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Spec: map[string]any{"ref": "main", "variables": map[string]any{"GREETING": "hello"}}}
	}
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "build"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Outputs:     []api.OutputDefinition{{Name: "VERSION", Required: true}, {Name: "URL"}},
		Executor:    &ex,
	}}}).decode(t, &api.StageResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "deploy"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeStage, Name: "build", Filters: dataFilter("$.result == 'RESULT_PASSED'")}},
		Inputs:      []api.InputDefinition{{Name: "VERSION"}},
		InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "VERSION",
			ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "build", Expression: "$.outputs.VERSION"}}}}}},
		Outputs:  []api.OutputDefinition{{Name: "DEPLOYED"}},
		Executor: &api.Executor{Type: "noop", Spec: map[string]any{"outputs": map[string]any{"DEPLOYED": "${{ inputs.VERSION }}"}}},
	}}}).decode(t, &api.StageResponse{})
	return ce
}

// checkCIChain runs the chain once and checks what a user sees: build
// passes with the outputs its pipeline pushed, deploy receives VERSION,
// the pipeline's post was accepted, the token is refused once build has
// finished, and it is nowhere in the log, the API or the database. vars
// reads the variables the pipeline was created with.
func (ce *ciChainEnv) checkCIChain(t *testing.T, posts func() []callback.Post, vars func() map[string]string) {
	t.Helper()
	ce.push(t)
	build := waitExecution(t, ce.env, "build", 1)[0]
	if build.Result != api.ResultPassed || !hasOutput(build, "VERSION", "2.0.1") || !hasOutput(build, "URL", "https://app/2.0.1") {
		t.Fatalf("build: %+v", build)
	}
	deploy := waitExecution(t, ce.env, "deploy", 1)[0]
	if deploy.Result != api.ResultPassed || !hasOutput(deploy, "DEPLOYED", "2.0.1") {
		t.Fatalf("deploy did not receive build's VERSION: %+v", deploy)
	}
	p := posts()
	if len(p) != 1 || p[0].Status != http.StatusOK || p[0].ExecutionID != build.ID || !strings.Contains(p[0].Body, `"VERSION"`) {
		t.Fatalf("the pipeline's post: %+v (want one, 200, for build's execution)", p)
	}
	v := vars()
	token := v[api.RunOutputTokenVariable]
	if !strings.HasPrefix(token, api.OutputTokenPrefix) || v[api.RunExecutionIDVariable] != build.ID || v["GREETING"] != "hello" {
		t.Fatalf("pipeline variables: %v (want the user's and SuperPlane's)", slices.Sorted(maps.Keys(v)))
	}
	r := ce.pushOutputs(t, token, outputsBody(build.ID, map[string]string{"VERSION": "9"}))
	expectError(t, r, http.StatusConflict, api.CodeAborted, "not running")
	assertNoOutputToken(t, ce.env, token)
}

// TestGitLabOutputsReachTheNextStage: build's GitLab pipeline is created
// with SUPERPLANE_EXECUTION_ID and SUPERPLANE_TOKEN among its variables
// (next to the stage's own); the pipeline pushes VERSION and URL with the
// token before it ends (the fake's callback), and deploy receives VERSION.
func TestGitLabOutputsReachTheNextStage(t *testing.T) {
	ce := newCIChainEnv(t, "gitlab")
	ce.gl.SetOutputsCallback("acme/app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"VERSION": "2.0.1", "URL": "https://app/2.0.1"}})
	ce.checkCIChain(t, ce.gl.OutputPosts, func() map[string]string {
		ps := ce.gl.Pipelines()
		if len(ps) != 1 {
			t.Fatalf("pipelines: %+v", ps)
		}
		return ps[0].Variables
	})
}

// TestBitbucketOutputsReachTheNextStage: as for GitLab, with the token a
// secured variable (the fake refuses to post with one that is not) and
// the execution id a plain one.
func TestBitbucketOutputsReachTheNextStage(t *testing.T) {
	ce := newCIChainEnv(t, "bitbucket")
	ce.bb.SetOutputsCallback("acme", "app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"VERSION": "2.0.1", "URL": "https://app/2.0.1"}})
	ce.checkCIChain(t, ce.bb.OutputPosts, func() map[string]string {
		ps := ce.bb.Pipelines()
		if len(ps) != 1 {
			t.Fatalf("pipelines: %+v", ps)
		}
		if !slices.Contains(ps[0].Secured, api.RunOutputTokenVariable) || slices.Contains(ps[0].Secured, api.RunExecutionIDVariable) {
			t.Errorf("secured variables = %v, want %s only among SuperPlane's", ps[0].Secured, api.RunOutputTokenVariable)
		}
		return ps[0].Variables
	})
}
