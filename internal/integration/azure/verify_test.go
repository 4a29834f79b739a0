package azure_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	fakeazure "github.com/superplane/terraform-provider-superplane/internal/fake/azure"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/azure"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the tests' guarded client: loopback is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 allows it for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

var registry = integration.NewRegistry(azure.Type{})

const (
	tenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID = "11111111-2222-3333-4444-555555555555"
	fedID    = "66666666-7777-8888-9999-000000000000"
	subID    = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	secret   = "Qx8Q~c1ientSecretValue.abcdefghijklmnopq"
	subject  = "org:acme:integration:azure"
)

func newFake(t *testing.T, issuer string) (*fakeazure.Server, *integration.Verifier) {
	t.Helper()
	f := fakeazure.New(t)
	f.AddSubscription(fakeazure.Subscription{ID: subID, TenantID: tenant, DisplayName: "Production"})
	f.AddApp(fakeazure.App{TenantID: tenant, ClientID: clientID, Secret: secret, Subscriptions: []string{subID}})
	f.AddApp(fakeazure.App{TenantID: tenant, ClientID: fedID, Subscriptions: []string{subID},
		Federated: []fakeazure.Federated{{Issuer: issuer, Subject: subject, Audience: "api://AzureADTokenExchange"}}})
	return f, &integration.Verifier{AzureAuthorityHost: f.URL(), AzureEndpointURL: f.URL(), Client: fakes}
}

const secretSettings = `{"tenantId":"` + tenant + `","clientId":"` + clientID + `","subscriptionId":"` + subID +
	`","clientSecret":{"valueFrom":{"secret":{"key":"client-secret"}}}}`

const federatedSettings = `{"tenantId":"` + tenant + `","clientId":"` + fedID + `","subscriptionId":"` + subID + `","federated":{}}`

func secretCreds(value string) integration.CloudCredentials {
	return integration.CloudCredentials{Settings: []byte(secretSettings), Secret: map[string]string{"client-secret": value}, Subject: subject}
}

func fedCreds(mint func(sub, aud string) (string, error)) integration.CloudCredentials {
	return integration.CloudCredentials{Settings: []byte(federatedSettings), Subject: subject,
		IDToken: func(_ context.Context, aud string) (string, error) { return mint(subject, aud) }}
}

// TestVerifyClientSecret: a good client secret verifies, and status names
// the subscription, its id and the tenant; the fake got a client
// credentials request for ARM's scope and a subscription read with the
// token it issued.
func TestVerifyClientSecret(t *testing.T) {
	f, v := newFake(t, "https://unused.example")
	res := registry.VerifyCloud(t.Context(), v, "azure", secretCreds(secret))
	want := "ok: subscription Production (" + subID + "), tenant " + tenant
	if !res.OK || res.Reason != want {
		t.Fatalf("verify = %+v, want ok %q", res, want)
	}
	tok, sub := f.CallsOf("token"), f.CallsOf("subscription")
	if len(tok) != 1 || tok[0].Credential != "secret" || tok[0].Scope != "https://management.azure.com/.default" || tok[0].ClientID != clientID || tok[0].Error != "" {
		t.Fatalf("token calls %+v", tok)
	}
	if len(sub) != 1 || sub[0].ClientID != clientID || sub[0].Error != "" {
		t.Fatalf("subscription calls %+v", sub)
	}
}

// TestVerifyFailures: Entra's and ARM's own codes and messages, never the
// secret.
func TestVerifyFailures(t *testing.T) {
	issuer := fakeaws.NewIssuer(t)
	_, v := newFake(t, issuer.URL())
	other := fakeaws.NewIssuer(t) // a forger: same claims, its own key
	other.Claim = issuer.URL()
	noSub := strings.Replace(secretSettings, subID, "99999999-9999-9999-9999-999999999999", 1)
	for name, c := range map[string]struct {
		creds integration.CloudCredentials
		want  string
	}{
		"wrong secret": {secretCreds("wrong~secret-value-0123456789abcdefghijkl"),
			"Microsoft Entra ID token request: invalid_client: AADSTS7000215: Invalid client secret provided."},
		"missing key": {integration.CloudCredentials{Settings: []byte(secretSettings), Secret: map[string]string{}},
			"key client-secret (the client secret) is missing from the secret"},
		"unknown app": {integration.CloudCredentials{Settings: []byte(strings.Replace(secretSettings, clientID, "00000000-0000-0000-0000-000000000001", 1)),
			Secret: map[string]string{"client-secret": secret}}, "Microsoft Entra ID token request: unauthorized_client: AADSTS700016: Application with identifier"},
		"unknown subscription": {integration.CloudCredentials{Settings: []byte(noSub), Secret: map[string]string{"client-secret": secret}},
			"Azure Resource Manager, reading subscription 99999999-9999-9999-9999-999999999999: SubscriptionNotFound: The subscription"},
		"forged token": {fedCreds(other.Mint), "Microsoft Entra ID token request: invalid_client: AADSTS50013: Assertion failed signature validation."},
		"wrong subject": {fedCreds(func(_, aud string) (string, error) { return issuer.Mint("org:acme:integration:other", aud) }),
			"Microsoft Entra ID token request: invalid_client: AADSTS700213: No matching federated identity record found for presented assertion subject 'org:acme:integration:other'."},
		"wrong audience": {fedCreds(func(sub, _ string) (string, error) { return issuer.Mint(sub, "api://other") }),
			"Microsoft Entra ID token request: invalid_client: AADSTS700212:"},
	} {
		t.Run(name, func(t *testing.T) {
			res := registry.VerifyCloud(t.Context(), v, "azure", c.creds)
			if res.OK || !strings.HasPrefix(res.Reason, c.want) {
				t.Fatalf("verify = %+v, want a failure starting %q", res, c.want)
			}
			if strings.Contains(res.Reason, secret) || strings.Contains(res.Reason, "Trace ID") {
				t.Fatalf("reason %q holds the secret or Entra's trace ids", res.Reason)
			}
		})
	}
}

// TestVerifyFederated: an ID token of the trusted issuer, for the
// application's subject and api://AzureADTokenExchange, is the client
// assertion; no secret is involved.
func TestVerifyFederated(t *testing.T) {
	issuer := fakeaws.NewIssuer(t)
	f, v := newFake(t, issuer.URL())
	var audiences []string
	creds := fedCreds(func(sub, aud string) (string, error) {
		audiences = append(audiences, aud)
		return issuer.Mint(sub, aud)
	})
	res := registry.VerifyCloud(t.Context(), v, "azure", creds)
	if !res.OK || !strings.HasPrefix(res.Reason, "ok: subscription Production") {
		t.Fatalf("verify = %+v", res)
	}
	if len(audiences) != 1 || audiences[0] != "api://AzureADTokenExchange" {
		t.Fatalf("minted for audiences %v", audiences)
	}
	tok := f.CallsOf("token")
	if len(tok) != 1 || tok[0].Credential != "assertion" || tok[0].Subject != subject || tok[0].ClientID != fedID {
		t.Fatalf("token calls %+v", tok)
	}
}

// TestSignRequestBearer: a stage's request gets a bearer token for the
// scope it names (ARM's by default), and a second request reuses the
// token instead of asking Entra again.
func TestSignRequestBearer(t *testing.T) {
	f, v := newFake(t, "https://unused.example")
	typ := azure.Type{}
	creds := secretCreds(secret)
	creds.Subject = "org:acme:canvas:prod:stage:deploy-" + t.Name()
	for i := range 2 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/subscriptions/"+subID+"/providers/Microsoft.Web/sites/app/restart?api-version=2022-03-01", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := typ.SignRequest(t.Context(), v, creds, req, nil, integration.SignOptions{}); err != nil {
			t.Fatalf("sign %d: %v", i, err)
		}
		resp, err := fakes.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %s", i, resp.Status)
		}
	}
	if tok := f.CallsOf("token"); len(tok) != 1 {
		t.Fatalf("%d token requests for two signed requests, want 1 (the token is reused)", len(tok))
	}
	svc := f.CallsOf("service")
	if len(svc) != 2 || svc[0].Scope != "https://management.azure.com/.default" || svc[0].ClientID != clientID {
		t.Fatalf("service calls %+v", svc)
	}
	// Another scope is another token.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.URL()+"/api/run", nil)
	if err := typ.SignRequest(t.Context(), v, creds, req, nil, integration.SignOptions{Scope: "api://my-function/.default"}); err != nil {
		t.Fatal(err)
	}
	if tok := f.CallsOf("token"); len(tok) != 2 || tok[1].Scope != "api://my-function/.default" {
		t.Fatalf("token calls %+v", tok)
	}
	// A wrong secret fails with Entra's reason.
	bad := secretCreds("wrong~secret-value-0123456789abcdefghijkl")
	err := typ.SignRequest(t.Context(), v, bad, req, nil, integration.SignOptions{})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "wrong~secret") {
		t.Fatalf("sign with a wrong secret: %v", err)
	}
}
