package server_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// TestAWSSignedHTTPStage: an http stage that names an aws integration (web
// identity, no AWS secret) has its request signed with SigV4. The engine
// mints an ID token with the stage's subject, the fake STS checks it
// against this server's JWKS and issues a session, and the fake Lambda
// endpoint checks the request's signature and session token. Deleting the
// integration while the stage uses it is refused, naming the stage.
func TestAWSSignedHTTPStage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	f := fakeaws.New(t)
	tools := &integration.Verifier{AWSEndpointURL: f.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, envOption{ln: ln}, withBaseURL(base), withTools(tools),
		withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	createCanvas(t, e, "prod")
	f.AddRole(fakeaws.Role{ARN: awsOIDCRole, Issuer: base, Audience: api.AWSAudience, Subject: "org:acme:canvas:prod:*"})

	var in api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", awsWebBody("aws-oidc", awsOIDCRole)).decode(t, &in)
	if in.Integration.Status.State != api.IntegrationStateOK {
		t.Fatalf("integration: %+v", in.Integration.Status)
	}
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	se := &stageEnv{env: e, key: src.Key, sourceID: src.EventSource.Metadata.ID}

	stage := api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "invoke"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: "aws-oidc"}, Spec: map[string]any{
			"url":     f.URL() + "/2015-03-31/functions/deploy/invocations",
			"aws":     map[string]any{"service": "lambda"},
			"payload": map[string]any{"version": "1.2.3"},
		}},
	}}}
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage).decode(t, &api.StageResponse{})
	se.startEngine(t)
	se.post(t, `{"ref":"refs/heads/main"}`)
	ex := waitExecution(t, e, "invoke", 1)[0]
	if ex.Result != api.ResultPassed {
		t.Fatalf("execution %+v", ex)
	}
	var web, invoke *fakeaws.Call
	for _, c := range f.Calls() {
		switch {
		case c.Action == "AssumeRoleWithWebIdentity" && c.Subject == "org:acme:canvas:prod:stage:invoke":
			web = &c
		case c.Action == "service":
			invoke = &c
		}
	}
	if web == nil || web.Error != "" {
		t.Fatalf("no web identity exchange with the stage's subject: %+v", f.Calls())
	}
	if invoke == nil || invoke.Error != "" || invoke.Service != "lambda" || invoke.Region != "us-east-1" ||
		!strings.HasPrefix(invoke.AccessKeyID, "ASIA") || !strings.Contains(invoke.Body, `"version":"1.2.3"`) {
		t.Fatalf("the Lambda call: %+v", invoke)
	}

	// In use: 409 naming the stage.
	r := e.do("owner", "DELETE", "/api/v1/integrations/aws-oidc?domainType=DOMAIN_TYPE_CANVAS&domainId=prod", nil)
	if r.status != 409 || !strings.Contains(r.err.Message, `stage "invoke"`) {
		t.Fatalf("delete in use: %d %s", r.status, r.body)
	}
}
