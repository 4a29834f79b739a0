package server_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakeazure "github.com/superplane/terraform-provider-superplane/internal/fake/azure"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const (
	azTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	azClient   = "11111111-2222-3333-4444-555555555555"
	azFedApp   = "66666666-7777-8888-9999-000000000000"
	azSub      = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	azSecret   = "Qx8Q~c1ientSecretValue.abcdefghijklmnopq"
	azSecret2  = "Rz9R~rotatedSecretValue.0123456789abcdef"
	azWrongSec = "Wr0ng~secretValue.abcdefghijklmnopqrstuv"
)

// azureFake is a fake Entra ID and ARM with an application that has a
// client secret and one that trusts issuer for fedSubject.
func azureFake(t *testing.T, issuer, fedSubject string) (*fakeazure.Server, *integration.Verifier) {
	t.Helper()
	f := fakeazure.New(t)
	f.AddSubscription(fakeazure.Subscription{ID: azSub, TenantID: azTenant, DisplayName: "Production"})
	f.AddApp(fakeazure.App{TenantID: azTenant, ClientID: azClient, Secret: azSecret, Subscriptions: []string{azSub}})
	f.AddApp(fakeazure.App{TenantID: azTenant, ClientID: azFedApp, Subscriptions: []string{azSub},
		Federated: []fakeazure.Federated{{Issuer: issuer, Subject: fedSubject, Audience: api.AzureAudience}}})
	return f, &integration.Verifier{AzureAuthorityHost: f.URL(), AzureEndpointURL: f.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
}

func azureSecretBody(domainType, domainID, name, secret string) string {
	return `{"domainType":"` + domainType + `","domainId":"` + domainID + `","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"azure",
		"azure":{"tenantId":"` + azTenant + `","clientId":"` + azClient + `","subscriptionId":"` + azSub + `",
		"clientSecret":{"valueFrom":{"secret":{"name":"` + secret + `","key":"client-secret"}}}}}}}`
}

func azureFedBody(name, clientID string) string {
	return `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"azure",
		"azure":{"tenantId":"` + azTenant + `","clientId":"` + clientID + `","subscriptionId":"` + azSub + `","federated":{}}}}}`
}

// TestAzureIntegrationClientSecret: created from a secret's client secret,
// verified with a token and a read of the subscription; status names the
// subscription and tenant; the answer names the secret, never its value;
// rotating the secret re-verifies (a wrong value shows Entra's AADSTS
// code, the application's new secret verifies again); dropping the key is
// refused.
func TestAzureIntegrationClientSecret(t *testing.T) {
	f, tools := azureFake(t, "https://unused.example", "none")
	e := newEnv(t, withTools(tools))
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "azure-app", map[string]string{"client-secret": azSecret, "other": "x"})).decode(t, &api.SecretResponse{})

	r := e.do("owner", "POST", "/api/v1/integrations", azureSecretBody("DOMAIN_TYPE_ORGANIZATION", "", "azure", "azure-app"))
	var out api.IntegrationResponse
	r.decode(t, &out)
	st, spec := out.Integration.Status, out.Integration.Spec
	if want := "ok: subscription Production (" + azSub + "), tenant " + azTenant; st.State != api.IntegrationStateOK || st.Reason != want {
		t.Fatalf("status %+v, want ok %q", st, want)
	}
	if spec.Type != "azure" || spec.URL != "" || spec.Auth == nil || spec.Auth.Use != api.AuthTypeClientSecret || spec.Azure == nil ||
		spec.Azure.TenantID != azTenant || spec.Azure.ClientID != azClient || spec.Azure.SubscriptionID != azSub {
		t.Fatalf("spec %+v", spec)
	}
	if ref := spec.Azure.ClientSecret.ValueFrom.Secret; ref.Name != "azure-app" || ref.Key != "client-secret" || ref.DomainType != api.DomainTypeOrganization {
		t.Fatalf("clientSecret ref %+v", ref)
	}
	if tok := f.CallsOf("token"); len(tok) != 1 || tok[0].Credential != "secret" || tok[0].Error != "" {
		t.Fatalf("token calls %+v", tok)
	}

	// Dropping the client secret's key is refused, naming the integration.
	r2 := e.do("owner", "PATCH", "/api/v1/secrets/azure-app?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"other":"x"}}}}}`)
	if r2.status != http.StatusConflict || !strings.Contains(r2.err.Message, `key "client-secret" is used by integration "azure"`) {
		t.Fatalf("dropping the client secret: %d %s", r2.status, r2.body)
	}

	// Rotation to a wrong value: re-verified, Entra's own reason.
	e.do("owner", "PATCH", "/api/v1/secrets/azure-app?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"client-secret":"`+azWrongSec+`","other":"x"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/azure?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed ||
		!strings.HasPrefix(st.Reason, "Microsoft Entra ID token request: invalid_client: AADSTS7000215: Invalid client secret provided.") {
		t.Fatalf("after rotating to a wrong secret: %+v", st)
	}

	// The application's secret is rotated in Entra and in the secret: ok
	// again, with nothing else touched.
	f.SetSecret(azTenant, azClient, azSecret2)
	e.do("owner", "PATCH", "/api/v1/secrets/azure-app?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"client-secret":"`+azSecret2+`","other":"x"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations/azure/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateOK {
		t.Fatalf("after rotating the application's secret: %+v", st)
	}

	list := e.do("viewer", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	for _, where := range []string{string(r.body), string(list.body), e.logs.String()} {
		for _, secret := range []string{azSecret, azSecret2, azWrongSec} {
			if strings.Contains(where, secret) {
				t.Fatalf("a client secret shows in an answer or the log: %s", where)
			}
		}
	}
}

// TestAzureIntegrationFederated: no Azure secret at all. The server signs
// an ID token (sub names organization, canvas and integration; aud
// api://AzureADTokenExchange) as the client assertion; the fake fetches
// this server's discovery document and JWKS and checks the federated
// credential. An application that trusts another subject fails with
// Entra's AADSTS700213.
func TestAzureIntegrationFederated(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	f, tools := azureFake(t, base, "org:acme:canvas:prod:integration:azure-fed")
	e := newEnv(t, envOption{ln: ln}, withBaseURL(base), withTools(tools))
	e.services.Issuer.URL = base
	createCanvas(t, e, "prod")

	var out api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", azureFedBody("azure-fed", azFedApp)).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateOK || !strings.HasPrefix(st.Reason, "ok: subscription Production") {
		t.Fatalf("status %+v", st)
	}
	if spec := out.Integration.Spec; spec.Auth.Use != api.AuthTypeWebIdentity || spec.Azure.Federated == nil || spec.Azure.ClientSecret != nil {
		t.Fatalf("spec %+v", spec)
	}
	tok := f.CallsOf("token")
	if len(tok) != 1 || tok[0].Credential != "assertion" || tok[0].Subject != "org:acme:canvas:prod:integration:azure-fed" || tok[0].Audience != api.AzureAudience || tok[0].Error != "" {
		t.Fatalf("token calls %+v", tok)
	}

	e.do("owner", "POST", "/api/v1/integrations", azureFedBody("azure-other", azFedApp)).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed ||
		!strings.HasPrefix(st.Reason, "Microsoft Entra ID token request: invalid_client: AADSTS700213: No matching federated identity record found for presented assertion subject 'org:acme:canvas:prod:integration:azure-other'.") {
		t.Fatalf("untrusted subject: %+v", st)
	}
}

// TestAzureIntegrationBadInput: each mistake is a 400 (or 404 for a
// missing secret) naming the field, and nothing reaches Azure.
func TestAzureIntegrationBadInput(t *testing.T) {
	f, tools := azureFake(t, "https://unused.example", "none")
	e := newEnv(t, withTools(tools))
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "azure-app", map[string]string{"client-secret": azSecret})).decode(t, &api.SecretResponse{})
	body := func(az string) string {
		return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"azure","azure":` + az + `}}}`
	}
	ids := `"tenantId":"` + azTenant + `","clientId":"` + azClient + `","subscriptionId":"` + azSub + `"`
	cs := `"clientSecret":{"valueFrom":{"secret":{"name":"azure-app","key":"client-secret"}}}`
	for name, c := range map[string]struct {
		body   string
		status int
		msg    string
	}{
		"no azure block":  {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"azure"}}}`, 400, "integration.spec.azure is required"},
		"no tenant":       {body(`{"clientId":"` + azClient + `","subscriptionId":"` + azSub + `",` + cs + `}`), 400, "integration.spec.azure.tenantId is required"},
		"bad tenant":      {body(`{"tenantId":"not a tenant","clientId":"` + azClient + `","subscriptionId":"` + azSub + `",` + cs + `}`), 400, "integration.spec.azure.tenantId"},
		"bad client id":   {body(`{"tenantId":"contoso.onmicrosoft.com","clientId":"app","subscriptionId":"` + azSub + `",` + cs + `}`), 400, "integration.spec.azure.clientId \"app\" is not a GUID"},
		"bad sub":         {body(`{"tenantId":"` + azTenant + `","clientId":"` + azClient + `","subscriptionId":"prod",` + cs + `}`), 400, "integration.spec.azure.subscriptionId"},
		"neither":         {body(`{` + ids + `}`), 400, "set clientSecret"},
		"both":            {body(`{` + ids + `,` + cs + `,"federated":{}}`), 400, "not both"},
		"bad audience":    {body(`{` + ids + `,"federated":{"audience":"sts.amazonaws.com"}}`), 400, "integration.spec.azure.federated.audience"},
		"no secret name":  {body(`{` + ids + `,"clientSecret":{"valueFrom":{"secret":{"key":"client-secret"}}}}`), 400, "integration.spec.azure.clientSecret.valueFrom.secret.name is required"},
		"missing secret":  {body(`{` + ids + `,"clientSecret":{"valueFrom":{"secret":{"name":"nope","key":"client-secret"}}}}`), 404, `secret "nope" not found`},
		"missing key":     {body(`{` + ids + `,"clientSecret":{"valueFrom":{"secret":{"name":"azure-app","key":"nope"}}}}`), 404, `key "nope" not found in secret "azure-app"`},
		"url set":         {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"azure","url":"https://portal.azure.com","azure":{` + ids + `,` + cs + `}}}}`, 400, "integration.spec.url must be empty"},
		"auth mismatched": {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"azure","auth":{"use":"AUTH_TYPE_WEB_IDENTITY"},"azure":{` + ids + `,` + cs + `}}}}`, 400, "integration.spec.auth.use"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/integrations", c.body)
			if r.status != c.status || !strings.Contains(r.err.Message, c.msg) {
				t.Fatalf("got %d %s; want %d with %q", r.status, r.body, c.status, c.msg)
			}
		})
	}
	if len(f.Calls()) != 0 {
		t.Fatal("a refused request reached Azure")
	}
}

// TestAzureBearerHTTPStage: an http stage that names an azure integration
// (federated, no Azure secret) gets a bearer token for the scope it names.
// The engine mints an ID token with the stage's subject, the fake Entra
// checks it against this server's JWKS, and the fake service endpoint
// checks the token it receives. Deleting the integration while the stage
// uses it is refused, naming the stage.
func TestAzureBearerHTTPStage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	f := fakeazure.New(t)
	f.AddSubscription(fakeazure.Subscription{ID: azSub, TenantID: azTenant, DisplayName: "Production"})
	f.AddApp(fakeazure.App{TenantID: azTenant, ClientID: azFedApp, Subscriptions: []string{azSub}, Federated: []fakeazure.Federated{
		{Issuer: base, Subject: "org:acme:canvas:prod:integration:azure-fed", Audience: api.AzureAudience},
		{Issuer: base, Subject: "org:acme:canvas:prod:stage:restart", Audience: api.AzureAudience},
	}})
	tools := &integration.Verifier{AzureAuthorityHost: f.URL(), AzureEndpointURL: f.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, envOption{ln: ln}, withBaseURL(base), withTools(tools),
		withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	createCanvas(t, e, "prod")

	var in api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", azureFedBody("azure-fed", azFedApp)).decode(t, &in)
	if in.Integration.Status.State != api.IntegrationStateOK {
		t.Fatalf("integration: %+v", in.Integration.Status)
	}
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	se := &stageEnv{env: e, key: src.Key, sourceID: src.EventSource.Metadata.ID}

	stage := api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "restart"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: "azure-fed"}, Spec: map[string]any{
			"url":     f.URL() + "/subscriptions/" + azSub + "/resourceGroups/web/providers/Microsoft.Web/sites/app/restart?api-version=2022-03-01",
			"azure":   map[string]any{"scope": "https://management.azure.com/.default"},
			"payload": map[string]any{"version": "1.2.3"},
		}},
	}}}
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", stage).decode(t, &api.StageResponse{})

	// A scope that is not <resource>/.default is refused, naming the field.
	bad := stage
	bad.Stage = &api.Stage{Metadata: &api.StageMetadata{Name: "bad-scope"}, Spec: &api.StageSpec{
		Connections: stage.Stage.Spec.Connections,
		Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: "azure-fed"}, Spec: map[string]any{
			"url": f.URL() + "/x", "azure": map[string]any{"scope": "user.read"},
		}},
	}}
	if r := e.do("owner", "POST", "/api/v1/canvases/prod/stages", bad); r.status != 400 || !strings.Contains(r.err.Message, "spec.azure.scope") {
		t.Fatalf("bad scope: %d %s", r.status, r.body)
	}

	se.startEngine(t)
	se.post(t, `{"ref":"refs/heads/main"}`)
	ex := waitExecution(t, e, "restart", 1)[0]
	if ex.Result != api.ResultPassed {
		t.Fatalf("execution %+v", ex)
	}
	var exchange, call *fakeazure.Call
	for _, c := range f.Calls() {
		switch {
		case c.Kind == "token" && c.Subject == "org:acme:canvas:prod:stage:restart":
			exchange = &c
		case c.Kind == "service":
			call = &c
		}
	}
	if exchange == nil || exchange.Error != "" || exchange.Credential != "assertion" {
		t.Fatalf("no token request with the stage's subject: %+v", f.Calls())
	}
	if call == nil || call.Error != "" || call.Method != http.MethodPost || call.ClientID != azFedApp || call.Scope != "https://management.azure.com/.default" {
		t.Fatalf("the ARM call: %+v", call)
	}

	r := e.do("owner", "DELETE", "/api/v1/integrations/azure-fed?domainType=DOMAIN_TYPE_CANVAS&domainId=prod", nil)
	if r.status != 409 || !strings.Contains(r.err.Message, `stage "restart"`) {
		t.Fatalf("delete in use: %d %s", r.status, r.body)
	}
}
