package gcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	fakegcp "github.com/superplane/terraform-provider-superplane/internal/fake/gcp"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/gcp"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the tests' guarded client: loopback is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 allows it for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

var registry = integration.NewRegistry(gcp.Type{})

const (
	project  = "acme-prod-123"
	deployer = "deployer@acme-prod-123.iam.gserviceaccount.com"
	provider = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/superplane/providers/superplane-oidc"
	pool     = "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/superplane"
)

func newFake(t *testing.T) (*fakegcp.Server, *integration.Verifier) {
	t.Helper()
	f := fakegcp.New(t)
	f.AddProject(project, "987654321", "Acme Prod", deployer, pool+"/subject/org:acme:*")
	return f, &integration.Verifier{GCPEndpointURL: f.URL(), Client: fakes}
}

const keySettings = `{"projectId":"` + project + `","serviceAccountKey":{"valueFrom":{"secret":{"key":"key.json"}}}}`

func keyCreds(key string) integration.CloudCredentials {
	return integration.CloudCredentials{Settings: []byte(keySettings), Secret: map[string]string{"key.json": key}, Subject: "org:acme:integration:gcp"}
}

func privateKey(t *testing.T, keyJSON string) string {
	t.Helper()
	var k struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal([]byte(keyJSON), &k); err != nil || k.PrivateKey == "" {
		t.Fatalf("key file: %v", err)
	}
	return k.PrivateKey
}

// TestVerifyServiceAccountKey: a good key verifies (the fake checked the
// assertion's RS256 signature with the key's public half) and status names
// the project and the service account; a key of another account with the
// same email, a revoked key and a key file that is not one fail with
// Google's own words and never show the key.
func TestVerifyServiceAccountKey(t *testing.T) {
	f, v := newFake(t)
	key := f.AddServiceAccount(t, deployer, project)
	res := registry.VerifyCloud(t.Context(), v, "gcp", keyCreds(key))
	if !res.OK || res.Reason != `ok: project acme-prod-123 (projects/987654321, "Acme Prod") as `+deployer {
		t.Fatalf("verify = %+v", res)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Service != "oauth2" || calls[0].Identity != deployer || calls[0].Error != "" ||
		calls[0].Scopes[0] != "https://www.googleapis.com/auth/cloud-platform" ||
		calls[1].Service != "cloudresourcemanager" || calls[1].Path != "/v3/projects/"+project || calls[1].Identity != deployer {
		t.Fatalf("calls %+v", calls)
	}

	// A key signed by another private key (same email and key id).
	other := fakegcp.New(t).AddServiceAccount(t, deployer, project)
	var forged map[string]string
	_ = json.Unmarshal([]byte(key), &forged)
	forged["private_key"] = privateKey(t, other)
	forgedJSON, _ := json.Marshal(forged)

	var revokedKey map[string]string
	revoked := f.AddServiceAccount(t, "old@acme-prod-123.iam.gserviceaccount.com", project)
	_ = json.Unmarshal([]byte(revoked), &revokedKey)
	f.DeleteKey(revokedKey["private_key_id"])

	for name, c := range map[string]struct {
		key, want string
	}{
		"forged signature": {string(forgedJSON), "Google OAuth token endpoint: invalid_grant: Invalid JWT Signature."},
		"revoked key":      {revoked, "Google OAuth token endpoint: invalid_grant: Invalid JWT Signature."},
		"not a key file":   {`{"type":"authorized_user","client_id":"x"}`, `the service account key in the secret is not a service account key file`},
		"not JSON":         {"-----BEGIN PRIVATE KEY-----", "the service account key in the secret is not a JSON key file"},
	} {
		t.Run(name, func(t *testing.T) {
			res := registry.VerifyCloud(t.Context(), v, "gcp", keyCreds(c.key))
			if res.OK || !strings.HasPrefix(res.Reason, c.want) {
				t.Fatalf("verify = %+v, want a failure starting %q", res, c.want)
			}
			if strings.Contains(res.Reason, "PRIVATE KEY") || strings.Contains(res.Reason, c.key) {
				t.Fatalf("the reason %q shows the key", res.Reason)
			}
		})
	}

	// A project the account may not read: Cloud Resource Manager's status.
	f.AddProject("other-project", "111", "Other")
	res = registry.VerifyCloud(t.Context(), v, "gcp", integration.CloudCredentials{
		Settings: []byte(strings.Replace(keySettings, project, "other-project", 1)), Secret: map[string]string{"key.json": key},
	})
	if res.OK || res.Reason != "Google Cloud Resource Manager (project other-project): PERMISSION_DENIED: The caller does not have permission" {
		t.Fatalf("forbidden project = %+v", res)
	}
}

// TestVerifyUnreachable: the guard applies to the endpoint override: a
// client that does not allow loopback cannot reach the fake.
func TestVerifyUnreachable(t *testing.T) {
	f, _ := newFake(t)
	key := f.AddServiceAccount(t, deployer, project)
	v := &integration.Verifier{GCPEndpointURL: f.URL()}
	res := registry.VerifyCloud(t.Context(), v, "gcp", keyCreds(key))
	if res.OK || !strings.Contains(res.Reason, "cannot reach Google OAuth token endpoint") || !strings.Contains(res.Reason, outbound.Setting) {
		t.Fatalf("verify = %+v: want the guard's refusal naming %s", res, outbound.Setting)
	}
	if len(f.Calls()) != 0 {
		t.Fatal("the fake was reached past the guard")
	}
}

func wifCreds(mint func(sub, aud string) (string, error), settings, subject string) integration.CloudCredentials {
	return integration.CloudCredentials{
		Settings: []byte(settings), Subject: subject,
		IDToken: func(_ context.Context, aud string) (string, error) { return mint(subject, aud) },
	}
}

func wifSettings(serviceAccount string) string {
	s := `{"projectId":"` + project + `","workloadIdentity":{"audience":"` + provider + `"`
	if serviceAccount != "" {
		s += `,"serviceAccount":"` + serviceAccount + `"`
	}
	return s + `}}`
}

// TestVerifyWorkloadIdentity: no Google secret at all. The fake STS checks
// the ID token against the issuer's JWKS (through its discovery document),
// its audience (https: and the provider) and the provider's condition on
// the subject; the federated principal reads the project. With a service
// account to impersonate, generateAccessToken is called with the federated
// token and the project is read as the service account.
func TestVerifyWorkloadIdentity(t *testing.T) {
	f, v := newFake(t)
	iss := fakeaws.NewIssuer(t)
	f.AddProvider(fakegcp.Provider{Name: provider, Issuer: iss.URL(), Subject: "org:acme:*"})
	_ = f.AddServiceAccount(t, deployer, project)
	f.AllowImpersonation(deployer, pool+"/subject/org:acme:canvas:prod:*")

	res := registry.VerifyCloud(t.Context(), v, "gcp", wifCreds(iss.Mint, wifSettings(""), "org:acme:canvas:prod:integration:gcp"))
	if !res.OK || res.Reason != `ok: project acme-prod-123 (projects/987654321, "Acme Prod") as `+pool+"/subject/org:acme:canvas:prod:integration:gcp" {
		t.Fatalf("federated verify = %+v", res)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Service != "sts" || calls[0].Subject != "org:acme:canvas:prod:integration:gcp" ||
		calls[0].Audience != "https:"+provider || calls[0].Error != "" {
		t.Fatalf("calls %+v", calls)
	}

	n := len(f.Calls())
	res = registry.VerifyCloud(t.Context(), v, "gcp", wifCreds(iss.Mint, wifSettings(deployer), "org:acme:canvas:prod:integration:gcp"))
	if !res.OK || !strings.HasSuffix(res.Reason, " as "+deployer) {
		t.Fatalf("impersonating verify = %+v", res)
	}
	calls = f.Calls()[n:]
	if len(calls) != 3 || calls[0].Service != "sts" || calls[1].Service != "iamcredentials" ||
		calls[1].Identity != pool+"/subject/org:acme:canvas:prod:integration:gcp" || calls[1].Path != "/v1/projects/-/serviceAccounts/"+deployer+":generateAccessToken" ||
		calls[2].Identity != deployer {
		t.Fatalf("impersonation calls %+v", calls)
	}

	// A canvas the service account does not trust: IAM's own refusal.
	res = registry.VerifyCloud(t.Context(), v, "gcp", wifCreds(iss.Mint, wifSettings(deployer), "org:acme:canvas:staging:integration:gcp"))
	if res.OK || res.Reason != "Google IAM Credentials generateAccessToken: PERMISSION_DENIED: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)." {
		t.Fatalf("untrusted canvas = %+v", res)
	}

	// A subject the provider's condition rejects.
	res = registry.VerifyCloud(t.Context(), v, "gcp", wifCreds(iss.Mint, wifSettings(""), "org:other:integration:gcp"))
	if res.OK || res.Reason != "Google STS token exchange: unauthorized_client: The given credential is rejected by the attribute condition." {
		t.Fatalf("rejected subject = %+v", res)
	}

	// A provider that does not exist.
	res = registry.VerifyCloud(t.Context(), v, "gcp", wifCreds(iss.Mint, strings.Replace(wifSettings(""), "superplane-oidc", "missing-provider", 1), "org:acme:integration:gcp"))
	if res.OK || !strings.HasPrefix(res.Reason, `Google STS token exchange: invalid_target: The target service indicated by the "audience" parameters is invalid.`) {
		t.Fatalf("missing provider = %+v", res)
	}
}

// TestVerifyWorkloadIdentityForgedToken: a token signed by another key but
// claiming the trusted issuer is refused: the fake really checks the JWKS.
// The token never shows in the reason.
func TestVerifyWorkloadIdentityForgedToken(t *testing.T) {
	f, v := newFake(t)
	ours, theirs := fakeaws.NewIssuer(t), fakeaws.NewIssuer(t)
	f.AddProvider(fakegcp.Provider{Name: provider, Issuer: ours.URL()})
	theirs.Claim = ours.URL()
	var minted string
	mint := func(sub, aud string) (string, error) {
		tok, err := theirs.Mint(sub, aud)
		minted = tok
		return tok, err
	}
	res := registry.VerifyCloud(t.Context(), v, "gcp", wifCreds(mint, wifSettings(""), "org:acme:integration:gcp"))
	if res.OK || res.Reason != "Google STS token exchange: invalid_grant: Invalid JWT signature." {
		t.Fatalf("forged token = %+v", res)
	}
	if minted == "" || strings.Contains(res.Reason, minted) {
		t.Fatal("no token was minted, or the reason shows it")
	}
}

// TestSignRequestBearer: a stage's request gets the access token for the
// scopes it names; the token is reused until shortly before it expires,
// and is never sent to a host outside Google's APIs.
func TestSignRequestBearer(t *testing.T) {
	f, v := newFake(t)
	key := f.AddServiceAccount(t, deployer, project)
	c := keyCreds(key)
	opts := integration.SignOptions{Scopes: []string{"https://www.googleapis.com/auth/cloud-platform.read-only"}}
	signer, _ := registry.CloudSigner("gcp")
	for range 2 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/v1/projects/"+project+"/triggers/deploy:run", strings.NewReader("{}"))
		if err := signer.SignRequest(t.Context(), v, c, req, []byte("{}"), opts); err != nil {
			t.Fatal(err)
		}
		resp, err := fakes.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the service answered %d", resp.StatusCode)
		}
	}
	var grants, service int
	for _, call := range f.Calls() {
		switch call.Service {
		case "oauth2":
			grants++
			if len(call.Scopes) != 1 || call.Scopes[0] != opts.Scopes[0] {
				t.Fatalf("token asked for scopes %v", call.Scopes)
			}
		case "service":
			service++
			if call.Identity != deployer || call.Error != "" {
				t.Fatalf("service call %+v", call)
			}
		}
	}
	if grants != 1 || service != 2 {
		t.Fatalf("%d token grants and %d service calls: want one grant reused by two calls", grants, service)
	}

	for _, u := range []string{"https://example.com/v1/x", "http://cloudbuild.googleapis.com/v1/x", "https://googleapis.com.evil.example/v1"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, u, nil)
		err := signer.SignRequest(t.Context(), v, c, req, nil, opts)
		if err == nil || req.Header.Get("Authorization") != "" || !strings.Contains(err.Error(), "only sent to Google APIs") {
			t.Fatalf("%s: err %v, Authorization %q", u, err, req.Header.Get("Authorization"))
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloudbuild.googleapis.com/v1/projects/p/triggers/t:run", nil)
	if err := signer.SignRequest(t.Context(), v, c, req, nil, opts); err != nil || !strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ya29.") {
		t.Fatalf("googleapis.com: err %v, Authorization %q", err, req.Header.Get("Authorization"))
	}
}
