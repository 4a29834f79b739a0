package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakeatlas "github.com/superplane/terraform-provider-superplane/internal/fake/mongodbatlas"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const (
	atlasOrg        = "5f0a1b2c3d4e5f6a7b8c9d0e"
	atlasGroup      = "6123456789abcdef01234567"
	atlasPublicKey  = "qwertyui"
	atlasPrivateKey = "8a7c6e5d-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
	atlasRotatedKey = "1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b"
	atlasWrongKey   = "00000000-0bad-4bad-8bad-000000000000"
	atlasClientID   = "mdb_sa_id_0123456789abcdef01234567"
	atlasClientSec  = "mdb_sa_sk_s3cretValueOfTheServiceAccount0123"
)

// atlasEnv is a server whose tools and engine call a fake Atlas with
// organization Acme, an API key and a service account of it, and a
// running cluster prod.
func atlasEnv(t *testing.T) (*env, *fakeatlas.Server) {
	t.Helper()
	f := fakeatlas.New(t)
	f.AddOrganization(atlasOrg, "Acme")
	f.AddAPIKey(atlasPublicKey, atlasPrivateKey, atlasOrg)
	f.AddServiceAccount(atlasClientID, atlasClientSec, atlasOrg)
	f.AddCluster(atlasOrg, atlasGroup, "prod")
	tools := &integration.Verifier{MongoDBAtlasEndpointURL: f.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, withTools(tools), withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "atlas",
		map[string]string{"private-key": atlasPrivateKey, "client-secret": atlasClientSec})).decode(t, &api.SecretResponse{})
	return e, f
}

func atlasKeyBody(name string) string {
	return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"mongodb_atlas",
		"mongodbAtlas":{"organizationId":"` + atlasOrg + `","apiKey":{"publicKey":"` + atlasPublicKey + `",
		"privateKey":{"valueFrom":{"secret":{"name":"atlas","key":"private-key"}}}}}}}}`
}

func atlasAccountBody(name string) string {
	return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"mongodb_atlas",
		"mongodbAtlas":{"organizationId":"` + atlasOrg + `","serviceAccount":{"clientId":"` + atlasClientID + `",
		"clientSecret":{"valueFrom":{"secret":{"name":"atlas","key":"client-secret"}}}}}}}}`
}

// TestMongoDBAtlasIntegrationAPIKey: an API key pair verifies (digest) and
// status names the organization; the answer names the secret, never a
// value. Rotating the private key in the secret re-verifies: a wrong one
// fails with Atlas's errorCode and detail, the right one is ok again; the
// private key's value shows nowhere.
func TestMongoDBAtlasIntegrationAPIKey(t *testing.T) {
	e, f := atlasEnv(t)
	r := e.do("owner", "POST", "/api/v1/integrations", atlasKeyBody("atlas"))
	var out api.IntegrationResponse
	r.decode(t, &out)
	st, spec := out.Integration.Status, out.Integration.Spec
	if want := "ok: organization Acme (" + atlasOrg + ")"; st.State != api.IntegrationStateOK || st.Reason != want {
		t.Fatalf("status %+v, want ok %q", st, want)
	}
	if spec.Type != "mongodb_atlas" || spec.URL != "" || spec.Auth.Use != api.AuthTypeAtlasAPIKey || spec.MongoDBAtlas == nil ||
		spec.MongoDBAtlas.OrganizationID != atlasOrg || spec.MongoDBAtlas.APIKey == nil || spec.MongoDBAtlas.APIKey.PublicKey != atlasPublicKey {
		t.Fatalf("spec %+v", spec)
	}
	if ref := spec.MongoDBAtlas.APIKey.PrivateKey.ValueFrom.Secret; ref.Name != "atlas" || ref.Key != "private-key" || ref.DomainType != api.DomainTypeOrganization {
		t.Fatalf("privateKey ref %+v", ref)
	}
	sawDigest := false
	for _, c := range f.Calls() {
		sawDigest = sawDigest || (c.Auth == "digest" && c.Identity == atlasPublicKey && c.Status == http.StatusOK)
	}
	if !sawDigest {
		t.Fatalf("no digest-authenticated read: %+v", f.Calls())
	}

	e.do("owner", "PATCH", "/api/v1/secrets/atlas?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"private-key":"`+atlasWrongKey+`","client-secret":"`+atlasClientSec+`"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/atlas?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed ||
		st.Reason != "MongoDB Atlas, reading organization "+atlasOrg+" as API key "+atlasPublicKey+": UNAUTHORIZED: You are not authorized for this resource." {
		t.Fatalf("after rotating to a wrong private key: %+v", st)
	}

	// The key is rotated in Atlas and in the secret: ok again, the
	// integration untouched.
	f.AddAPIKey(atlasPublicKey, atlasRotatedKey, atlasOrg)
	e.do("owner", "PATCH", "/api/v1/secrets/atlas?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"private-key":"`+atlasRotatedKey+`","client-secret":"`+atlasClientSec+`"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/atlas?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateOK {
		t.Fatalf("after rotating the key: %+v", st)
	}

	list := e.do("viewer", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	for _, where := range []string{string(r.body), string(list.body), e.logs.String()} {
		for _, secret := range []string{atlasPrivateKey, atlasRotatedKey, atlasWrongKey} {
			if strings.Contains(where, secret) {
				t.Fatalf("a private key shows in an answer or the log: %s", where)
			}
		}
	}
}

// TestMongoDBAtlasIntegrationServiceAccount: a service account verifies
// with a bearer token; a wrong client secret fails with the token
// endpoint's invalid_client and no secret; bad input is a 400 naming the
// field, and reaches no Atlas.
func TestMongoDBAtlasIntegrationServiceAccount(t *testing.T) {
	e, f := atlasEnv(t)
	var out api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", atlasAccountBody("atlas-sa")).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateOK || st.Reason != "ok: organization Acme ("+atlasOrg+")" ||
		out.Integration.Spec.Auth.Use != api.AuthTypeClientSecret || out.Integration.Spec.MongoDBAtlas.ServiceAccount.ClientID != atlasClientID {
		t.Fatalf("integration %+v", out.Integration)
	}
	e.do("owner", "PATCH", "/api/v1/secrets/atlas?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"private-key":"`+atlasPrivateKey+`","client-secret":"mdb_sa_sk_wrong000000000000"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/atlas-sa?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed ||
		!strings.Contains(st.Reason, "invalid_client: Invalid client credentials.") || strings.Contains(st.Reason, "mdb_sa_sk_wrong") {
		t.Fatalf("after rotating to a wrong client secret: %+v", st)
	}

	calls := len(f.Calls())
	body := func(a string) string {
		return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"mongodb_atlas","mongodbAtlas":` + a + `}}}`
	}
	for name, c := range map[string]struct {
		body   string
		status int
		msg    string
	}{
		"no block":    {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"mongodb_atlas"}}}`, 400, "integration.spec.mongodbAtlas is required"},
		"bad org":     {body(`{"organizationId":"acme","apiKey":{"publicKey":"qwertyui","privateKey":{"valueFrom":{"secret":{"name":"atlas","key":"private-key"}}}}}`), 400, "integration.spec.mongodbAtlas.organizationId"},
		"both":        {body(`{"organizationId":"` + atlasOrg + `","apiKey":{"publicKey":"qwertyui"},"serviceAccount":{"clientId":"` + atlasClientID + `"}}`), 400, "not both"},
		"missing key": {body(`{"organizationId":"` + atlasOrg + `","apiKey":{"publicKey":"qwertyui","privateKey":{"valueFrom":{"secret":{"name":"atlas","key":"nope"}}}}}`), 404, `key "nope" not found in secret "atlas"`},
		"url set":     {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"mongodb_atlas","url":"https://cloud.mongodb.com"}}}`, 400, "integration.spec.url must be empty"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/integrations", c.body)
			if r.status != c.status || !strings.Contains(r.err.Message, c.msg) {
				t.Fatalf("got %d %s; want %d with %q", r.status, r.body, c.status, c.msg)
			}
		})
	}
	if len(f.Calls()) != calls {
		t.Fatal("a refused request reached Atlas")
	}
}

// TestMongoDBAtlasHTTPStage: an http stage naming the API-key integration
// PATCHes a cluster to pause it; the engine answers Atlas's digest
// challenge, the payload goes as written (Atlas refuses unknown
// attributes), and the cluster is paused. A stage of the service account
// resumes it with a bearer token. A stage whose URL is not Atlas's fails
// without sending the credentials. Deleting the integration while a stage
// names it is refused, naming the stage.
func TestMongoDBAtlasHTTPStage(t *testing.T) {
	e, f := atlasEnv(t)
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/integrations", atlasKeyBody("atlas")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", atlasAccountBody("atlas-sa")).decode(t, &api.IntegrationResponse{})
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	se := &stageEnv{env: e, key: src.Key, sourceID: src.EventSource.Metadata.ID}
	clusterURL := f.URL() + "/api/atlas/v2/groups/" + atlasGroup + "/clusters/prod"
	stage := func(name, integrationName, url string, paused bool) api.StageRequest {
		return api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: name}, Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
			Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: integrationName}, Spec: map[string]any{
				"url": url, "method": "PATCH", "payload": map[string]any{"paused": paused},
				"headers": map[string]any{"Accept": "application/vnd.atlas.2024-08-05+json"},
			}},
		}}}
	}
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage("pause", "atlas", clusterURL, true)).decode(t, &api.StageResponse{})
	se.startEngine(t)
	se.post(t, `{"ref":"refs/heads/main"}`)
	if ex := waitExecution(t, e, "pause", 1)[0]; ex.Result != api.ResultPassed {
		t.Fatalf("pause: %+v", ex)
	}
	if !f.Cluster(atlasGroup, "prod").Paused {
		t.Fatal("the cluster was not paused")
	}
	var patch *fakeatlas.Call
	for _, c := range f.Calls() {
		if c.Method == http.MethodPatch && c.Status == http.StatusOK {
			patch = &c
		}
	}
	if patch == nil || patch.Auth != "digest" || patch.Identity != atlasPublicKey || patch.Body != `{"paused":true}` {
		t.Fatalf("the PATCH: %+v", patch)
	}

	e.do("owner", "DELETE", "/api/v1/canvases/prod/stages/pause", nil)
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage("resume", "atlas-sa", clusterURL, false)).decode(t, &api.StageResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage("elsewhere", "atlas", "https://example.com/api/atlas/v2/groups/"+atlasGroup+"/clusters/prod", false)).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main"}`)
	if ex := waitExecution(t, e, "resume", 1)[0]; ex.Result != api.ResultPassed || f.Cluster(atlasGroup, "prod").Paused {
		t.Fatalf("resume: %+v, paused %v", ex, f.Cluster(atlasGroup, "prod").Paused)
	}
	if ex := waitExecution(t, e, "elsewhere", 1)[0]; ex.Result != api.ResultFailed || !strings.Contains(ex.ResultMessage, "only sent to the Atlas Admin API") {
		t.Fatalf("elsewhere: %+v", ex)
	}

	r := e.do("owner", "DELETE", "/api/v1/integrations/atlas-sa?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.err.Message, `stage "resume"`) {
		t.Fatalf("delete in use: %d %s", r.status, r.body)
	}
	for _, ex := range append(waitExecution(t, e, "resume", 1), waitExecution(t, e, "elsewhere", 1)...) {
		if strings.Contains(ex.ResultMessage, atlasPrivateKey) || strings.Contains(ex.ResultMessage, atlasClientSec) {
			t.Fatalf("a credential in an execution: %+v", ex)
		}
	}
	if strings.Contains(e.logs.String(), atlasPrivateKey) || strings.Contains(e.logs.String(), atlasClientSec) {
		t.Fatal("a credential in the log")
	}
}
