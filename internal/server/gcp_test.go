package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakegcp "github.com/superplane/terraform-provider-superplane/internal/fake/gcp"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const (
	gcpProject  = "acme-prod-123"
	gcpDeployer = "deployer@acme-prod-123.iam.gserviceaccount.com"
	gcpProvider = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/superplane/providers/superplane-oidc"
	gcpPool     = "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/superplane"
)

func gcpTools(f *fakegcp.Server) *integration.Verifier {
	return &integration.Verifier{GCPEndpointURL: f.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
}

func gcpKeyBody(name, secret string) string {
	return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"gcp",
		"gcp":{"projectId":"` + gcpProject + `","serviceAccountKey":{"valueFrom":{"secret":{"name":"` + secret + `","key":"key.json"}}}}}}}`
}

func gcpWIFBody(name, serviceAccount string) string {
	sa := ""
	if serviceAccount != "" {
		sa = `,"serviceAccount":"` + serviceAccount + `"`
	}
	return `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"gcp",
		"gcp":{"projectId":"` + gcpProject + `","workloadIdentity":{"audience":"` + gcpProvider + `"` + sa + `}}}}}`
}

// TestGCPIntegrationServiceAccountKey: created from a secret's key file,
// verified with the JWT bearer grant (the fake checks the signature) and a
// project read; status names the project and the service account; the
// answer names the secret, never the key; rotating the secret to a revoked
// key re-verifies and shows Google's own error; nothing of the key shows
// in answers or logs.
func TestGCPIntegrationServiceAccountKey(t *testing.T) {
	f := fakegcp.New(t)
	f.AddProject(gcpProject, "987654321", "Acme Prod", gcpDeployer)
	e := newEnv(t, withTools(gcpTools(f)))
	key := f.AddServiceAccount(t, gcpDeployer, gcpProject)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gcp-key", map[string]string{"key.json": key})).decode(t, &api.SecretResponse{})

	r := e.do("owner", "POST", "/api/v1/integrations", gcpKeyBody("gcp", "gcp-key"))
	var out api.IntegrationResponse
	r.decode(t, &out)
	st, spec := out.Integration.Status, out.Integration.Spec
	if st.State != api.IntegrationStateOK || st.Reason != `ok: project acme-prod-123 (projects/987654321, "Acme Prod") as `+gcpDeployer {
		t.Fatalf("status %+v", st)
	}
	if spec.Type != "gcp" || spec.URL != "" || spec.Auth == nil || spec.Auth.Use != api.AuthTypeServiceAccountKey || spec.GCP == nil || spec.GCP.ProjectID != gcpProject {
		t.Fatalf("spec %+v", spec)
	}
	if ref := spec.GCP.ServiceAccountKey.ValueFrom.Secret; ref.Name != "gcp-key" || ref.Key != "key.json" || ref.DomainType != api.DomainTypeOrganization {
		t.Fatalf("serviceAccountKey ref %+v", ref)
	}

	// Dropping the key file from the secret is refused, naming the
	// integration.
	r2 := e.do("owner", "PATCH", "/api/v1/secrets/gcp-key?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"other":"x"}}}}}`)
	if r2.status != http.StatusConflict || !strings.Contains(r2.err.Message, `key "key.json" is used by integration "gcp"`) {
		t.Fatalf("dropping the key file: %d %s", r2.status, r2.body)
	}

	// Rotation to a key Google has revoked: re-verified, Google's words.
	revoked := f.AddServiceAccount(t, gcpDeployer, gcpProject)
	var rk map[string]string
	_ = json.Unmarshal([]byte(revoked), &rk)
	f.DeleteKey(rk["private_key_id"])
	data, _ := json.Marshal(map[string]any{"secret": map[string]any{"spec": map[string]any{"local": map[string]any{"data": map[string]string{"key.json": revoked}}}}})
	e.do("owner", "PATCH", "/api/v1/secrets/gcp-key?domainType=DOMAIN_TYPE_ORGANIZATION", string(data)).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/gcp?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed || st.Reason != "Google OAuth token endpoint: invalid_grant: Invalid JWT Signature." {
		t.Fatalf("after rotating to a revoked key: %+v", st)
	}

	// Rotation back to the good key: verified again.
	data, _ = json.Marshal(map[string]any{"secret": map[string]any{"spec": map[string]any{"local": map[string]any{"data": map[string]string{"key.json": key}}}}})
	e.do("owner", "PATCH", "/api/v1/secrets/gcp-key?domainType=DOMAIN_TYPE_ORGANIZATION", string(data)).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations/gcp/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if out.Integration.Status.State != api.IntegrationStateOK {
		t.Fatalf("verify after rotating back: %+v", out.Integration.Status)
	}

	list := e.do("viewer", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	for _, where := range []string{string(r.body), string(list.body), e.logs.String()} {
		for _, k := range []string{key, revoked} {
			var kf map[string]string
			_ = json.Unmarshal([]byte(k), &kf)
			pemBody := strings.Split(kf["private_key"], "\n")[1]
			if strings.Contains(where, pemBody) || strings.Contains(where, "PRIVATE KEY") {
				t.Fatalf("a private key shows in an answer or the log: %s", where)
			}
		}
	}
}

// TestGCPIntegrationBadInput: each mistake is a 400 (or 404 for a missing
// secret) naming the field, and nothing reaches Google.
func TestGCPIntegrationBadInput(t *testing.T) {
	f := fakegcp.New(t)
	e := newEnv(t, withTools(gcpTools(f)))
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gcp-key", map[string]string{"key.json": "{}"})).decode(t, &api.SecretResponse{})
	body := func(gcp string) string {
		return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"gcp","gcp":` + gcp + `}}}`
	}
	key := `"serviceAccountKey":{"valueFrom":{"secret":{"name":"gcp-key","key":"key.json"}}}`
	for name, c := range map[string]struct {
		body   string
		status int
		msg    string
	}{
		"no gcp block":   {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"gcp"}}}`, 400, "integration.spec.gcp is required"},
		"no project":     {body(`{` + key + `}`), 400, "integration.spec.gcp.projectId is required"},
		"bad project":    {body(`{"projectId":"Acme_Prod",` + key + `}`), 400, "integration.spec.gcp.projectId"},
		"neither":        {body(`{"projectId":"acme-prod"}`), 400, "set serviceAccountKey"},
		"both":           {body(`{"projectId":"acme-prod",` + key + `,"workloadIdentity":{"audience":"` + gcpProvider + `"}}`), 400, "not both"},
		"bad audience":   {body(`{"projectId":"acme-prod","workloadIdentity":{"audience":"https://iam.googleapis.com/projects/1/pools/x"}}`), 400, "integration.spec.gcp.workloadIdentity.audience"},
		"bad account":    {body(`{"projectId":"acme-prod","workloadIdentity":{"audience":"` + gcpProvider + `","serviceAccount":"me@example.com"}}`), 400, "integration.spec.gcp.workloadIdentity.serviceAccount"},
		"no secret key":  {body(`{"projectId":"acme-prod","serviceAccountKey":{"valueFrom":{"secret":{"name":"gcp-key"}}}}`), 400, "integration.spec.gcp.serviceAccountKey.valueFrom.secret.key is required"},
		"missing secret": {body(`{"projectId":"acme-prod","serviceAccountKey":{"valueFrom":{"secret":{"name":"nope","key":"key.json"}}}}`), 404, `secret "nope" not found`},
		"missing key":    {body(`{"projectId":"acme-prod","serviceAccountKey":{"valueFrom":{"secret":{"name":"gcp-key","key":"sa.json"}}}}`), 404, `key "sa.json" not found in secret "gcp-key"`},
		"url set":        {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"gcp","url":"https://cloud.google.com","gcp":{"projectId":"acme-prod",` + key + `}}}}`, 400, "integration.spec.url must be empty"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/integrations", c.body)
			if r.status != c.status || !strings.Contains(r.err.Message, c.msg) {
				t.Fatalf("got %d %s; want %d with %q", r.status, r.body, c.status, c.msg)
			}
		})
	}
	if len(f.Calls()) != 0 {
		t.Fatal("a refused request reached Google")
	}
}

// TestGCPWorkloadIdentityStage: no Google secret at all. The integration
// verifies with this server's ID token (the fake STS fetches the server's
// discovery document and JWKS) impersonating a service account; an http
// stage that names it calls a Cloud Build trigger with a bearer token the
// fake service checks, minted for the stage's subject and the scopes the
// stage names. Deleting the integration while the stage uses it is
// refused, naming the stage.
func TestGCPWorkloadIdentityStage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	f := fakegcp.New(t)
	f.AddProvider(fakegcp.Provider{Name: gcpProvider, Issuer: base, Subject: "org:acme:canvas:prod:*"})
	_ = f.AddServiceAccount(t, gcpDeployer, gcpProject)
	f.AllowImpersonation(gcpDeployer, gcpPool+"/subject/org:acme:canvas:prod:*")
	f.AddProject(gcpProject, "987654321", "Acme Prod", gcpDeployer)
	e := newEnv(t, envOption{ln: ln}, withBaseURL(base), withTools(gcpTools(f)),
		withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	createCanvas(t, e, "prod")

	var in api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", gcpWIFBody("gcp-wif", gcpDeployer)).decode(t, &in)
	if st := in.Integration.Status; st.State != api.IntegrationStateOK || !strings.HasSuffix(st.Reason, " as "+gcpDeployer) {
		t.Fatalf("integration: %+v", st)
	}
	if in.Integration.Spec.Auth.Use != api.AuthTypeWebIdentity || in.Integration.Spec.GCP.WorkloadIdentity.ServiceAccount != gcpDeployer {
		t.Fatalf("spec %+v", in.Integration.Spec)
	}
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	se := &stageEnv{env: e, key: src.Key, sourceID: src.EventSource.Metadata.ID}

	const buildScope = "https://www.googleapis.com/auth/cloud-platform.read-only"
	stage := api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "build"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: "gcp-wif"}, Spec: map[string]any{
			"url":     f.URL() + "/v1/projects/" + gcpProject + "/locations/global/triggers/deploy:run",
			"gcp":     map[string]any{"scopes": []any{buildScope}},
			"payload": map[string]any{"branchName": "main"},
		}},
	}}}
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage).decode(t, &api.StageResponse{})
	se.startEngine(t)
	se.post(t, `{"ref":"refs/heads/main"}`)
	ex := waitExecution(t, e, "build", 1)[0]
	if ex.Result != api.ResultPassed {
		t.Fatalf("execution %+v", ex)
	}
	var exchange, run *fakegcp.Call
	for _, c := range f.Calls() {
		switch {
		case c.Service == "sts" && c.Subject == "org:acme:canvas:prod:stage:build":
			exchange = &c
		case c.Service == "service":
			run = &c
		}
	}
	if exchange == nil || exchange.Error != "" || exchange.Audience != "https:"+gcpProvider {
		t.Fatalf("no token exchange with the stage's subject: %+v", f.Calls())
	}
	if run == nil || run.Error != "" || run.Identity != gcpDeployer || len(run.Scopes) != 1 || run.Scopes[0] != buildScope ||
		!strings.Contains(run.Body, `"branchName":"main"`) {
		t.Fatalf("the Cloud Build call: %+v", run)
	}

	// A bad scope in the stage is a 400 naming it.
	bad := e.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "bad"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: "gcp-wif"}, Spec: map[string]any{
			"url": f.URL() + "/v1/x", "gcp": map[string]any{"scopes": []any{"cloud-platform"}},
		}},
	}}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.err.Message, "spec.gcp.scopes[0]") {
		t.Fatalf("bad scope: %d %s", bad.status, bad.body)
	}

	r := e.do("owner", "DELETE", "/api/v1/integrations/gcp-wif?domainType=DOMAIN_TYPE_CANVAS&domainId=prod", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.err.Message, `stage "build"`) {
		t.Fatalf("delete in use: %d %s", r.status, r.body)
	}
}
