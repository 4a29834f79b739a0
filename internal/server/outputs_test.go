package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// defaultBaseURL is a test env's public URL (newEnv sets no other), the
// audience its OIDC checks expect.
const defaultBaseURL = "http://127.0.0.1:8000"

// chainEnv is a canvas whose "build" stage runs a GitHub workflow (or a
// Semaphore pipeline) that declares outputs VERSION (required) and URL,
// and whose "deploy" stage (noop) takes VERSION from build's outputs and
// reports it as its output DEPLOYED.
type chainEnv struct {
	*env
	gh  *github.Server
	sem *semaphore.Server
	src api.EventSourceResponse
}

// newChainEnv starts the fakes and the engine; polls is how many reads of
// a run complete it (a large number keeps the execution running); opts are
// the env's further options.
func newChainEnv(t *testing.T, executorType string, polls int, opts ...envOption) *chainEnv {
	t.Helper()
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo"})
	gh.AddRepo("acme", "app", "octocat")
	gh.AddWorkflow("acme", "app", "build.yml", "success", polls)
	sem := semaphore.New(t)
	sem.AddToken(goodSemToken)
	sem.AddProject("app")
	sem.SetPipelineResult("PASSED", polls)

	tools := fakeTools(gh.URL(), sem.URL())
	tools.GitHubOIDCIssuer = gh.Issuer().URL()
	tools.SemaphoreOIDCIssuer = sem.Issuer(t).URL()
	e := newEnv(t, append([]envOption{withTools(tools),
		withExecutors(executor.Config{GitHubAPIURL: gh.URL(), SemaphoreAPIURL: sem.URL(), PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed})}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })

	ce := &chainEnv{env: e, gh: gh, sem: sem}
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "tokens", map[string]string{"github": goodGitHubToken, "semaphore": goodSemToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gh", "github", "https://github.com/acme", "tokens", "github")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "sem", "semaphore", "https://acme.semaphoreci.com", "tokens", "semaphore")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &ce.src)

	ex := api.Executor{Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
		Spec: map[string]any{"workflow": "build.yml", "ref": "main"}}
	if executorType == "semaphore" {
		ex = api.Executor{Type: "semaphore", Integration: &api.IntegrationRef{Name: "sem"}, Resource: &api.ResourceRef{Type: "project", Name: "app"},
			Spec: map[string]any{"pipelineFile": ".semaphore/build.yml", "ref": "main"}}
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

// push delivers one event to the canvas's source.
func (ce *chainEnv) push(t *testing.T) {
	t.Helper()
	body := []byte(`{"ref":"refs/heads/main"}`)
	if status, resp := deliver(t, ce.env, "/api/v1/sources/"+ce.src.EventSource.Metadata.ID, body,
		map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(ce.src.Key), body)}); status != 200 {
		t.Fatalf("delivery: %d %s", status, resp)
	}
}

// runningBuild waits until build's execution runs with its run on the tool
// known (a resource with an id), and returns it.
func (ce *chainEnv) runningBuild(t *testing.T) api.Execution {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var out api.ListExecutionsResponse
		ce.do("viewer", "GET", "/api/v1/canvases/prod/stages/build/executions", nil).decode(t, &out)
		for _, ex := range out.Executions {
			if ex.State == api.ExecutionStateStarted && len(ex.Resources) > 0 && ex.Resources[0].ID != "" {
				return ex
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("build's execution did not start its run in time")
	return api.Execution{}
}

// pushOutputs posts body to /api/v1/outputs with bearer ("" for none).
func (ce *chainEnv) pushOutputs(t *testing.T, bearer string, body any) response {
	t.Helper()
	if bearer == "" {
		return ce.do("", "POST", api.OutputsPath, body)
	}
	return ce.do(bearer, "POST", api.OutputsPath, body)
}

func outputsBody(execID string, outputs map[string]string) map[string]any {
	return map[string]any{"executionId": execID, "outputs": outputs}
}

// TestOutputsReachTheNextStage is the chain end to end against the fakes:
// a push starts build's GitHub workflow with the output token as an input;
// the run posts VERSION with it before it completes (the fake's callback);
// build passes with VERSION among its outputs, and deploy receives it as
// its input. The token is never in the log, an API answer or the database.
func TestOutputsReachTheNextStage(t *testing.T) {
	ce := newChainEnv(t, "github", 2)
	ce.gh.SetOutputsCallback("acme", "app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"VERSION": "1.2.3", "URL": "https://app/1.2.3"}})
	ce.push(t)

	build := waitExecution(t, ce.env, "build", 1)[0]
	if build.Result != api.ResultPassed || !hasOutput(build, "VERSION", "1.2.3") || !hasOutput(build, "URL", "https://app/1.2.3") {
		t.Fatalf("build: %+v", build)
	}
	deploy := waitExecution(t, ce.env, "deploy", 1)[0]
	if deploy.Result != api.ResultPassed || !hasOutput(deploy, "DEPLOYED", "1.2.3") {
		t.Fatalf("deploy did not receive build's VERSION: %+v", deploy)
	}
	posts := ce.gh.OutputPosts("acme", "app")
	if len(posts) != 1 || posts[0].Status != http.StatusOK || !strings.Contains(posts[0].Body, `"VERSION"`) || strings.Contains(posts[0].Body, "1.2.3") {
		t.Fatalf("the run's post: %+v (want 200 naming the outputs, not their values)", posts)
	}

	d := ce.gh.Dispatches("acme", "app")
	token, _ := d[0].Inputs[api.GitHubOutputTokenInput].(string)
	if !strings.HasPrefix(token, api.OutputTokenPrefix) || d[0].Inputs[api.GitHubExecutionIDInput] != build.ID {
		t.Fatalf("dispatch inputs: %+v", d[0].Inputs)
	}
	// Once build finished, its token is refused.
	r := ce.pushOutputs(t, token, outputsBody(build.ID, map[string]string{"VERSION": "9"}))
	expectError(t, r, http.StatusConflict, api.CodeAborted, "not running")
	assertNoOutputToken(t, ce.env, token)
}

// assertNoOutputToken checks that token is nowhere in the log, the API's
// answers about executions, or the database files; only its hash is.
func assertNoOutputToken(t *testing.T, e *env, token string) {
	t.Helper()
	if strings.Contains(e.logs.String(), token) {
		t.Error("the output token reached the log")
	}
	for _, stage := range []string{"build", "deploy"} {
		r := e.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+stage+"/executions", nil)
		if bytes.Contains(r.body, []byte(token)) {
			t.Errorf("the executions of %s show the output token", stage)
		}
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
	sum := sha256.Sum256([]byte(token))
	sawHash := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("%s holds the output token in plaintext", filepath.Base(f))
		}
		sawHash = sawHash || bytes.Contains(b, sum[:])
	}
	if !sawHash {
		t.Error("the token's hash is not in the database files: the check above proves nothing")
	}
}

func hasOutput(ex api.Execution, name, value string) bool {
	for _, o := range ex.Outputs {
		if o.Name == name && o.Value == value {
			return true
		}
	}
	return false
}

// TestMissingRequiredOutputsFailTheExecution: a run that passes without
// pushing the required VERSION fails the execution with
// RESULT_REASON_MISSING_OUTPUTS naming it, and deploy does not run.
func TestMissingRequiredOutputsFailTheExecution(t *testing.T) {
	ce := newChainEnv(t, "github", 1)
	ce.gh.SetOutputsCallback("acme", "app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"URL": "https://app"}})
	ce.push(t)
	build := waitExecution(t, ce.env, "build", 1)[0]
	if build.Result != api.ResultFailed || build.ResultReason != api.ResultReasonMissingOutputs ||
		!strings.Contains(build.ResultMessage, "VERSION") || strings.Contains(build.ResultMessage, "URL") || !hasOutput(build, "URL", "https://app") {
		t.Fatalf("build: %+v, want failed for missing VERSION with URL kept", build)
	}
}

// TestSemaphoreOutputsWithOIDC: the Semaphore pipeline posts with its
// SEMAPHORE_OIDC_TOKEN (signed by the fake issuer, audience its
// organization URL, ppl_id its pipeline) instead of the output token.
func TestSemaphoreOutputsWithOIDC(t *testing.T) {
	ce := newChainEnv(t, "semaphore", 2)
	ce.sem.SetOutputsCallback("app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"VERSION": "4.5.6"}, OIDC: true})
	ce.push(t)
	build := waitExecution(t, ce.env, "build", 1)[0]
	if build.Result != api.ResultPassed || !hasOutput(build, "VERSION", "4.5.6") {
		t.Fatalf("build: %+v; posts %+v", build, ce.sem.OutputPosts())
	}
	wfs := ce.sem.Workflows()
	if len(wfs) != 1 || wfs[0].Parameters[api.SemaphoreExecutionIDParameter] != build.ID ||
		!strings.HasPrefix(wfs[0].Parameters[api.SemaphoreOutputTokenParameter], api.OutputTokenPrefix) {
		t.Fatalf("pipeline parameters: %+v", wfs)
	}
	deploy := waitExecution(t, ce.env, "deploy", 1)[0]
	if !hasOutput(deploy, "DEPLOYED", "4.5.6") {
		t.Fatalf("deploy: %+v", deploy)
	}
}

// TestPushOutputsAuthentication holds every way in and out of
// POST /api/v1/outputs against a running GitHub execution: its output
// token and its run's ID token in; another execution's token, a made-up
// one, and ID tokens that are forged, expired, of another issuer,
// audience or run, unsigned or HMAC-signed out (401); bad fields 400
// naming them; a finished execution 409.
func TestPushOutputsAuthentication(t *testing.T) {
	ce := newChainEnv(t, "github", 1_000_000)
	ce.gh.SetWorkflowInputs("acme", "app", "build.yml", []string{api.GitHubExecutionIDInput, api.GitHubOutputTokenInput})
	ce.push(t)
	build := ce.runningBuild(t)
	token, _ := ce.gh.Dispatches("acme", "app")[0].Inputs[api.GitHubOutputTokenInput].(string)
	if token == "" {
		t.Fatal("the dispatch carried no output token")
	}
	runID := build.Resources[0].ID

	var ok api.PushOutputsResponse
	ce.pushOutputs(t, token, outputsBody(build.ID, map[string]string{"VERSION": "1.0.0"})).decode(t, &ok)
	if ok.ExecutionID != build.ID || strings.Join(ok.Outputs, ",") != "VERSION" {
		t.Fatalf("answer: %+v", ok)
	}
	// snake_case is accepted, pushes merge.
	ce.pushOutputs(t, token, map[string]any{"execution_id": build.ID, "outputs": map[string]string{"URL": "u"}}).decode(t, &ok)
	if strings.Join(ok.Outputs, ",") != "URL,VERSION" {
		t.Fatalf("after the second push: %+v", ok)
	}

	is := ce.gh.Issuer()
	claims := func(change func(map[string]any)) map[string]any {
		now := time.Now()
		c := map[string]any{"iss": is.URL(), "aud": defaultBaseURL, "repository": "acme/app", "run_id": runID,
			"sub": "repo:acme/app:ref:refs/heads/main", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	ce.pushOutputs(t, is.Sign(claims(nil)), outputsBody(build.ID, map[string]string{"VERSION": "1.0.1"})).decode(t, &ok)

	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := func(alg string, c map[string]any) string {
		h, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT", "kid": is.JWK()["kid"]})
		b, _ := json.Marshal(c)
		enc := base64.RawURLEncoding.EncodeToString
		s := enc(h) + "." + enc(b)
		if alg == "none" {
			return s + "."
		}
		// HS256 with the public key's modulus as the secret: the classic
		// algorithm-confusion forgery.
		m := hmac.New(sha256.New, []byte(is.JWK()["n"]))
		m.Write([]byte(s))
		return s + "." + enc(m.Sum(nil))
	}
	fetches := is.KeyFetches()
	for _, tc := range []struct{ name, bearer, want string }{
		{"no token", "", "missing bearer token"},
		{"a made-up output token", api.OutputTokenPrefix + "made-up", "not valid for execution"},
		{"an API token", ce.tokens["owner"], "signed JWT"},
		{"forged with another key", oidc.SignWith(forger, is.JWK()["kid"], claims(nil)), "signature does not verify"},
		{"expired", is.Sign(claims(func(c map[string]any) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() })), "expired"},
		{"another issuer", is.Sign(claims(func(c map[string]any) { c["iss"] = "https://token.actions.githubusercontent.com" })), "issuer"},
		{"another audience", is.Sign(claims(func(c map[string]any) { c["aud"] = "https://github.com/acme" })), "audience"},
		{"another run", is.Sign(claims(func(c map[string]any) { c["run_id"] = "1" })), "workflow run 1"},
		{"another repository", is.Sign(claims(func(c map[string]any) { c["repository"] = "evil/app" })), "evil/app"},
		{"no expiry", is.Sign(claims(func(c map[string]any) { delete(c, "exp") })), "no expiry"},
		{"alg none", unsigned("none", claims(nil)), "RS256"},
		{"alg HS256", unsigned("HS256", claims(nil)), "RS256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ce.pushOutputs(t, tc.bearer, outputsBody(build.ID, map[string]string{"VERSION": "6.6.6"}))
			expectError(t, r, http.StatusUnauthorized, api.CodeUnauthenticated, tc.want)
		})
	}
	if got := is.KeyFetches() - fetches; got > 1 {
		t.Errorf("the issuer's keys were fetched %d more times for the refused tokens; the cache allows at most one refetch a minute", got)
	}

	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"no executionId", map[string]any{"outputs": map[string]string{"VERSION": "1"}}, 400, "executionId is required"},
		{"a bad executionId", outputsBody("build", map[string]string{"VERSION": "1"}), 400, "executionId must be"},
		{"no outputs", outputsBody(build.ID, nil), 400, "outputs is required"},
		{"an undeclared output", outputsBody(build.ID, map[string]string{"VERSION": "1", "SECRET_SAUCE": "x"}), 400, "outputs.SECRET_SAUCE is not an output of stage build"},
		{"a value too long", outputsBody(build.ID, map[string]string{"VERSION": strings.Repeat("v", api.MaxOutputValueBytes+1)}), 400, "outputs.VERSION is 4097 bytes"},
		{"a body too large", outputsBody(build.ID, map[string]string{"VERSION": strings.Repeat("v", api.MaxPushOutputsRequest)}), 413, "exceeds"},
		{"an output not a string", `{"executionId":"` + build.ID + `","outputs":{"VERSION":1}}`, 400, "outputs"},
		{"an unknown execution", outputsBody("00000000-0000-4000-8000-000000000000", map[string]string{"VERSION": "1"}), 401, "not valid for execution"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ce.pushOutputs(t, token, tc.body)
			if r.status != tc.status || !strings.Contains(r.err.Message, tc.want) {
				t.Fatalf("got %d %s; want %d with %q", r.status, r.body, tc.status, tc.want)
			}
		})
	}

	// The token is this execution's only: another's is refused for it,
	// and it is refused for another.
	var other api.StageResponse
	ce.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "build2"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Outputs:     []api.OutputDefinition{{Name: "VERSION"}},
		Executor: &api.Executor{Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Spec: map[string]any{"workflow": "build.yml", "ref": "main"}},
	}}}).decode(t, &other)
	ce.push(t)
	var otherToken, otherID string
	deadline := time.Now().Add(60 * time.Second)
	for otherToken == "" && time.Now().Before(deadline) {
		for _, d := range ce.gh.Dispatches("acme", "app") {
			if id, _ := d.Inputs[api.GitHubExecutionIDInput].(string); id != build.ID {
				otherToken, _ = d.Inputs[api.GitHubOutputTokenInput].(string)
				otherID = id
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if otherToken == "" {
		t.Fatal("build2 dispatched no workflow in time")
	}
	expectError(t, ce.pushOutputs(t, otherToken, outputsBody(build.ID, map[string]string{"VERSION": "x"})), 401, api.CodeUnauthenticated, "not valid for execution "+build.ID)
	expectError(t, ce.pushOutputs(t, token, outputsBody(otherID, map[string]string{"VERSION": "x"})), 401, api.CodeUnauthenticated, "not valid for execution "+otherID)

	// Cancelled, the execution finishes: its token and its run's ID token
	// are refused from then on.
	ce.do("owner", "POST", "/api/v1/canvases/prod/stages/build/executions/"+build.ID+"/cancel", nil)
	deadline = time.Now().Add(60 * time.Second)
	for {
		r := ce.pushOutputs(t, token, outputsBody(build.ID, map[string]string{"VERSION": "late"}))
		if r.status == http.StatusConflict {
			expectError(t, r, http.StatusConflict, api.CodeAborted, "is not running")
			break
		}
		if r.status != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("after the cancel: %d %s", r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	expectError(t, ce.pushOutputs(t, is.Sign(claims(nil)), outputsBody(build.ID, map[string]string{"VERSION": "late"})), 409, api.CodeAborted, "is not running")
	assertNoOutputToken(t, ce.env, token)
	if strings.Contains(ce.logs.String(), otherToken) {
		t.Error("build2's output token reached the log")
	}
}

// TestUndeclaredTokenInputIsDropped: a workflow that declares only
// superplane_execution_id refuses a dispatch with superplane_token (422
// Unexpected inputs, as GitHub does); the executor dispatches again
// without it and the run can still post with its ID token.
func TestUndeclaredTokenInputIsDropped(t *testing.T) {
	ce := newChainEnv(t, "github", 2)
	ce.gh.SetWorkflowInputs("acme", "app", "build.yml", []string{api.GitHubExecutionIDInput})
	ce.gh.SetOutputsCallback("acme", "app", callback.Outputs{ServerURL: ce.url, Audience: defaultBaseURL, Values: map[string]string{"VERSION": "7.0.0"}, OIDC: true})
	ce.push(t)
	build := waitExecution(t, ce.env, "build", 1)[0]
	if build.Result != api.ResultPassed || !hasOutput(build, "VERSION", "7.0.0") {
		t.Fatalf("build: %+v; posts %+v", build, ce.gh.OutputPosts("acme", "app"))
	}
	d := ce.gh.Dispatches("acme", "app")
	if len(d) != 1 || d[0].Inputs[api.GitHubOutputTokenInput] != nil {
		t.Fatalf("dispatches: %+v, want one without the token input", d)
	}
	if n := len(ce.gh.WorkflowRuns("acme", "app")); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

// TestPushedOutputsAreData: a pushed value that looks like a template
// reaches the next stage as written; nothing renders it.
func TestPushedOutputsAreData(t *testing.T) {
	ce := newChainEnv(t, "github", 2)
	const value = "${{ inputs.VERSION }} ${{ secrets.TOKEN }}"
	ce.gh.SetOutputsCallback("acme", "app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"VERSION": value}})
	ce.push(t)
	deploy := waitExecution(t, ce.env, "deploy", 1)[0]
	if deploy.Result != api.ResultPassed || !hasOutput(deploy, "DEPLOYED", value) {
		t.Fatalf("deploy: %+v, want DEPLOYED = %q as pushed", deploy, value)
	}
}
