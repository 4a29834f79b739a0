package mongodbatlas_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	fakeatlas "github.com/superplane/terraform-provider-superplane/internal/fake/mongodbatlas"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/mongodbatlas"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the tests' guarded client: loopback is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 allows it for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

var registry = integration.NewRegistry(mongodbatlas.Type{})

const (
	org          = "5f0a1b2c3d4e5f6a7b8c9d0e"
	otherOrg     = "60aabbccddeeff0011223344"
	group        = "6123456789abcdef01234567"
	publicKey    = "qwertyui"
	privateKey   = "8a7c6e5d-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
	clientID     = "mdb_sa_id_0123456789abcdef01234567"
	clientSecret = "mdb_sa_sk_s3cretValueOfTheServiceAccount0123"
)

func newFake(t *testing.T) (*fakeatlas.Server, *integration.Verifier) {
	t.Helper()
	f := fakeatlas.New(t)
	f.AddOrganization(org, "Acme")
	f.AddOrganization(otherOrg, "Other")
	f.AddAPIKey(publicKey, privateKey, org)
	f.AddAPIKey("otherkey", "other-private-key-0000", otherOrg)
	f.AddServiceAccount(clientID, clientSecret, org)
	f.AddCluster(org, group, "prod")
	return f, &integration.Verifier{MongoDBAtlasEndpointURL: f.URL(), Client: fakes}
}

func keyCreds(orgID, public, private string) integration.CloudCredentials {
	settings := `{"organizationId":"` + orgID + `","apiKey":{"publicKey":"` + public + `","privateKey":{"valueFrom":{"secret":{"key":"private-key"}}}}}`
	return integration.CloudCredentials{Settings: []byte(settings), Secret: map[string]string{"private-key": private}}
}

func accountCreds(secret string) integration.CloudCredentials {
	settings := `{"organizationId":"` + org + `","serviceAccount":{"clientId":"` + clientID + `","clientSecret":{"valueFrom":{"secret":{"key":"client-secret"}}}}}`
	return integration.CloudCredentials{Settings: []byte(settings), Secret: map[string]string{"client-secret": secret}}
}

// TestVerifyAPIKey: a good key pair verifies and status names the
// organization; the fake accepted a digest answer (its challenge was
// asked for first). A wrong private key, or a key of another
// organization, fails with Atlas's errorCode and detail, never the key.
func TestVerifyAPIKey(t *testing.T) {
	f, v := newFake(t)
	res := registry.VerifyCloud(context.Background(), v, "mongodb_atlas", keyCreds(org, publicKey, privateKey))
	if !res.OK || res.Reason != "ok: organization Acme ("+org+")" {
		t.Fatalf("good key: %+v", res)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Status != http.StatusUnauthorized || calls[1].Auth != "digest" || calls[1].Identity != publicKey || calls[1].Status != http.StatusOK {
		t.Fatalf("calls = %+v, want a challenge then a digest-authenticated read", calls)
	}

	const wrong = "00000000-wrong-private-key-0000000000"
	res = registry.VerifyCloud(context.Background(), v, "mongodb_atlas", keyCreds(org, publicKey, wrong))
	if res.OK || !strings.Contains(res.Reason, "UNAUTHORIZED: You are not authorized") || !strings.Contains(res.Reason, "API key "+publicKey) || strings.Contains(res.Reason, wrong) {
		t.Errorf("wrong private key: %+v", res)
	}
	res = registry.VerifyCloud(context.Background(), v, "mongodb_atlas", keyCreds(org, "otherkey", "other-private-key-0000"))
	if res.OK || !strings.Contains(res.Reason, "USER_CANNOT_ACCESS_ORG") || strings.Contains(res.Reason, "other-private-key") {
		t.Errorf("key of another organization: %+v", res)
	}
	res = registry.VerifyCloud(context.Background(), v, "mongodb_atlas", keyCreds(org, publicKey, "  "))
	if res.OK || !strings.Contains(res.Reason, "private key in the secret is empty") {
		t.Errorf("empty private key: %+v", res)
	}
}

// TestVerifyServiceAccount: a good client secret gets a bearer token
// (client credentials, HTTP Basic) with which the organization is read; a
// wrong one fails with the token endpoint's error, never the secret.
func TestVerifyServiceAccount(t *testing.T) {
	f, v := newFake(t)
	res := registry.VerifyCloud(context.Background(), v, "mongodb_atlas", accountCreds(clientSecret))
	if !res.OK || res.Reason != "ok: organization Acme ("+org+")" {
		t.Fatalf("good service account: %+v", res)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Path != "/api/oauth/token" || calls[0].Status != http.StatusOK || calls[1].Auth != "bearer" || calls[1].Identity != clientID {
		t.Fatalf("calls = %+v, want a token then a bearer read", calls)
	}
	const wrong = "mdb_sa_sk_wrongSecretValue000000000000000"
	res = registry.VerifyCloud(context.Background(), v, "mongodb_atlas", accountCreds(wrong))
	if res.OK || !strings.Contains(res.Reason, "invalid_client: Invalid client credentials.") || !strings.Contains(res.Reason, clientID) || strings.Contains(res.Reason, wrong) {
		t.Errorf("wrong client secret: %+v", res)
	}
}

// TestSignRequestReachesTheAdminAPI: a stage's PATCH (pause a cluster) is
// authenticated for both credential kinds and Atlas carries it out; a
// plain application/json Accept becomes the versioned one Atlas needs.
// Another host never gets the credentials, and a digest answer cannot be
// replayed.
func TestSignRequestReachesTheAdminAPI(t *testing.T) {
	f, v := newFake(t)
	url := f.URL() + "/api/atlas/v2/groups/" + group + "/clusters/prod"
	send := func(c integration.CloudCredentials, paused string) (*http.Request, int, string) {
		t.Helper()
		body := []byte(`{"paused":` + paused + `}`)
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPatch, url, bytes.NewReader(body))
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		if err := (mongodbatlas.Type{}).SignRequest(context.Background(), v, c, req, body, integration.SignOptions{}); err != nil {
			t.Fatalf("SignRequest: %v", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return req, resp.StatusCode, string(b)
	}
	req, status, body := send(keyCreds(org, publicKey, privateKey), "true")
	if status != http.StatusOK || !f.Cluster(group, "prod").Paused {
		t.Fatalf("digest PATCH: %d %s", status, body)
	}
	if got := req.Header.Get("Accept"); got != "application/vnd.atlas.2023-01-01+json" {
		t.Errorf("Accept = %q", got)
	}
	// The same answer again (a replay) is refused.
	replay, _ := http.NewRequestWithContext(context.Background(), http.MethodPatch, url, strings.NewReader(`{"paused":false}`))
	replay.Header = req.Header.Clone()
	if resp, err := http.DefaultClient.Do(replay); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed digest answer: %v %v, want 401", resp, err)
	} else {
		_ = resp.Body.Close()
	}

	if _, status, body = send(accountCreds(clientSecret), "false"); status != http.StatusOK || f.Cluster(group, "prod").Paused {
		t.Fatalf("bearer PATCH: %d %s", status, body)
	}
	if _, status, body = send(accountCreds(clientSecret), "true"); status != http.StatusOK {
		t.Fatalf("second bearer PATCH: %d %s", status, body)
	}
	tokens := 0
	for _, c := range f.Calls() {
		if c.Path == "/api/oauth/token" {
			tokens++
		}
	}
	if tokens != 1 {
		t.Errorf("%d token requests for two stage requests, want 1 (the token is reused)", tokens)
	}

	other, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://example.com/api/atlas/v2/orgs/"+org, nil)
	err := (mongodbatlas.Type{}).SignRequest(context.Background(), v, keyCreds(org, publicKey, privateKey), other, nil, integration.SignOptions{})
	if err == nil || !strings.Contains(err.Error(), "only sent to the Atlas Admin API") || other.Header.Get("Authorization") != "" {
		t.Errorf("request to another host: %v, Authorization %q", err, other.Header.Get("Authorization"))
	}
}
