package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const (
	awsAccount   = "123456789012"
	awsKeyID     = "AKIAIOSFODNN7EXAMPLE"
	awsSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	awsOIDCRole  = "arn:aws:iam::123456789012:role/superplane"
)

// awsEnv is a server whose AWS calls go to a fake STS (through the guard,
// with loopback allowed), and whose OIDC issuer is its own URL, which the
// fake fetches the JWKS from.
func awsEnv(t *testing.T) (*env, *fakeaws.Server) {
	t.Helper()
	f := fakeaws.New(t)
	f.AddUser(fakeaws.User{AccessKeyID: awsKeyID, SecretAccessKey: awsSecretKey, Account: awsAccount, Name: "ci"})
	e := newEnv(t, withTools(&integration.Verifier{AWSEndpointURL: f.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}))
	e.services.Issuer.URL = e.url
	createCanvas(t, e, "prod")
	return e, f
}

func awsKeyBody(domainType, domainID, name, secret string) string {
	return `{"domainType":"` + domainType + `","domainId":"` + domainID + `","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"aws",
		"aws":{"region":"eu-west-1","accessKey":{
			"accessKeyId":{"valueFrom":{"secret":{"name":"` + secret + `","key":"id"}}},
			"secretAccessKey":{"valueFrom":{"secret":{"name":"` + secret + `","key":"secret"}}}}}}}}`
}

func awsWebBody(name, role string) string {
	return `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"aws",
		"aws":{"region":"us-east-1","webIdentity":{"roleArn":"` + role + `"}}}}}`
}

// TestAWSIntegrationAccessKey: created from a secret's key pair, verified
// with GetCallerIdentity (signed; the fake checks SigV4), status names the
// account and ARN; the answer names the secret, never a value; rotating
// the secret to a wrong key re-verifies and shows AWS's own error.
func TestAWSIntegrationAccessKey(t *testing.T) {
	e, f := awsEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "aws-keys", map[string]string{"id": awsKeyID, "secret": awsSecretKey})).decode(t, &api.SecretResponse{})

	r := e.do("owner", "POST", "/api/v1/integrations", awsKeyBody("DOMAIN_TYPE_ORGANIZATION", "", "aws", "aws-keys"))
	var out api.IntegrationResponse
	r.decode(t, &out)
	st, spec := out.Integration.Status, out.Integration.Spec
	if st.State != api.IntegrationStateOK || st.Reason != "ok: account 123456789012, arn:aws:iam::123456789012:user/ci" {
		t.Fatalf("status %+v", st)
	}
	if spec.Type != "aws" || spec.URL != "" || spec.Auth == nil || spec.Auth.Use != api.AuthTypeAccessKey || spec.AWS == nil || spec.AWS.Region != "eu-west-1" {
		t.Fatalf("spec %+v", spec)
	}
	sk := spec.AWS.AccessKey.SecretAccessKey.ValueFrom.Secret
	if sk.Name != "aws-keys" || sk.Key != "secret" || sk.DomainType != api.DomainTypeOrganization {
		t.Fatalf("secretAccessKey ref %+v", sk)
	}
	if calls := f.Calls(); len(calls) != 1 || calls[0].Action != "GetCallerIdentity" || calls[0].Error != "" {
		t.Fatalf("fake calls %+v", calls)
	}

	// Dropping either half of the key pair from the secret is refused,
	// naming the integration.
	r2 := e.do("owner", "PATCH", "/api/v1/secrets/aws-keys?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"id":"`+awsKeyID+`"}}}}}`)
	if r2.status != http.StatusConflict || !strings.Contains(r2.err.Message, `key "secret" is used by integration "aws"`) {
		t.Fatalf("dropping the secret access key: %d %s", r2.status, r2.body)
	}

	// Verify on demand.
	e.do("owner", "POST", "/api/v1/integrations/aws/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if out.Integration.Status.State != api.IntegrationStateOK {
		t.Fatalf("verify: %+v", out.Integration.Status)
	}

	// Rotation: a wrong secret access key; the integration is re-verified
	// and says what AWS said.
	e.do("owner", "PATCH", "/api/v1/secrets/aws-keys?domainType=DOMAIN_TYPE_ORGANIZATION",
		`{"secret":{"spec":{"local":{"data":{"id":"`+awsKeyID+`","secret":"not-the-right-secret-access-key-0123456"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/aws?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed ||
		!strings.HasPrefix(st.Reason, "AWS STS GetCallerIdentity: SignatureDoesNotMatch: The request signature we calculated does not match") {
		t.Fatalf("after rotating to a wrong key: %+v", st)
	}

	// No credential anywhere a user or operator reads.
	list := e.do("viewer", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	for _, where := range []string{string(r.body), string(list.body), e.logs.String()} {
		for _, secret := range []string{awsSecretKey, "not-the-right-secret-access-key-0123456"} {
			if strings.Contains(where, secret) {
				t.Fatalf("a secret access key shows in an answer or the log: %s", where)
			}
		}
	}
}

// TestAWSIntegrationWebIdentity: no AWS secret at all. The server signs an
// ID token (sub names organization, canvas and integration; aud
// sts.amazonaws.com); the fake fetches this server's discovery document and
// JWKS, checks the token and the role's trust, and the status shows the
// assumed role.
func TestAWSIntegrationWebIdentity(t *testing.T) {
	e, f := awsEnv(t)
	f.AddRole(fakeaws.Role{ARN: awsOIDCRole, Issuer: e.url, Audience: "sts.amazonaws.com", Subject: "org:acme:canvas:prod:integration:*"})

	var out api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", awsWebBody("aws-oidc", awsOIDCRole)).decode(t, &out)
	st := out.Integration.Status
	if st.State != api.IntegrationStateOK || st.Reason != "ok: account 123456789012, arn:aws:sts::123456789012:assumed-role/superplane/org.acme.canvas.prod.integration.aws-oidc" {
		t.Fatalf("status %+v", st)
	}
	if out.Integration.Spec.Auth.Use != api.AuthTypeWebIdentity || out.Integration.Spec.AWS.WebIdentity.RoleARN != awsOIDCRole {
		t.Fatalf("spec %+v", out.Integration.Spec)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Action != "AssumeRoleWithWebIdentity" || calls[0].Subject != "org:acme:canvas:prod:integration:aws-oidc" || calls[0].Audience != "sts.amazonaws.com" {
		t.Fatalf("calls %+v", calls)
	}

	// A role that trusts another subject: AWS's AccessDenied in status.
	f.AddRole(fakeaws.Role{ARN: "arn:aws:iam::123456789012:role/other", Issuer: e.url, Audience: "sts.amazonaws.com", Subject: "org:other:*"})
	e.do("owner", "POST", "/api/v1/integrations", awsWebBody("aws-denied", "arn:aws:iam::123456789012:role/other")).decode(t, &out)
	if st := out.Integration.Status; st.State != api.IntegrationStateFailed ||
		st.Reason != "AWS STS AssumeRoleWithWebIdentity: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity" {
		t.Fatalf("untrusted subject: %+v", st)
	}
}

// TestOIDCDiscoveryServed: both documents need no token, and go-oidc
// accepts the server's discovery document and verifies a token the server
// minted against the JWKS it serves.
func TestOIDCDiscoveryServed(t *testing.T) {
	e := newEnv(t)
	e.services.Issuer.URL = e.url
	res, err := http.Get(e.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil || res.StatusCode != http.StatusOK || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %d %+v %v", res.StatusCode, set, err)
	}
	if _, private := set.Keys[0]["d"]; private || set.Keys[0]["kty"] != "RSA" || res.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("JWKS key %v, cache %q", set.Keys[0], res.Header.Get("Cache-Control"))
	}
	provider, err := gooidc.NewProvider(t.Context(), e.url)
	if err != nil {
		t.Fatalf("go-oidc refused the discovery document: %v", err)
	}
	tok, err := e.services.Issuer.Mint(t.Context(), "org:acme:canvas:prod:stage:deploy", api.AWSAudience)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&gooidc.Config{ClientID: api.AWSAudience}).Verify(t.Context(), tok.Raw)
	if err != nil || idt.Subject != "org:acme:canvas:prod:stage:deploy" {
		t.Fatalf("go-oidc: %v %v", idt, err)
	}
}

// TestAWSIntegrationBadInput: each mistake is a 400 (or 404 for a missing
// secret) naming the field.
func TestAWSIntegrationBadInput(t *testing.T) {
	e, f := awsEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "aws-keys", map[string]string{"id": awsKeyID, "secret": awsSecretKey})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "other", map[string]string{"secret": awsSecretKey})).decode(t, &api.SecretResponse{})
	body := func(aws string) string {
		return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"aws","aws":` + aws + `}}}`
	}
	key := `"accessKey":{"accessKeyId":{"valueFrom":{"secret":{"name":"aws-keys","key":"id"}}},"secretAccessKey":{"valueFrom":{"secret":{"name":"aws-keys","key":"secret"}}}}`
	for name, c := range map[string]struct {
		body   string
		status int
		msg    string
	}{
		"no aws block":      {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"aws"}}}`, 400, "integration.spec.aws is required"},
		"no region":         {body(`{` + key + `}`), 400, "integration.spec.aws.region is required"},
		"bad region":        {body(`{"region":"EU-West-1",` + key + `}`), 400, "integration.spec.aws.region"},
		"neither":           {body(`{"region":"eu-west-1"}`), 400, "set accessKey"},
		"both":              {body(`{"region":"eu-west-1",` + key + `,"webIdentity":{"roleArn":"` + awsOIDCRole + `"}}`), 400, "not both"},
		"bad role":          {body(`{"region":"eu-west-1","webIdentity":{"roleArn":"arn:aws:iam::12:user/x"}}`), 400, "integration.spec.aws.webIdentity.roleArn"},
		"two secrets":       {body(`{"region":"eu-west-1","accessKey":{"accessKeyId":{"valueFrom":{"secret":{"name":"aws-keys","key":"id"}}},"secretAccessKey":{"valueFrom":{"secret":{"name":"other","key":"secret"}}}}}`), 400, "integration.spec.aws.accessKey.secretAccessKey.valueFrom.secret must name the same secret"},
		"chained too long":  {body(`{"region":"eu-west-1","webIdentity":{"roleArn":"` + awsOIDCRole + `"},"assumeRole":{"roleArn":"` + awsOIDCRole + `","sessionDurationSeconds":7200}}`), 400, "integration.spec.aws.assumeRole.sessionDurationSeconds"},
		"missing secret":    {body(`{"region":"eu-west-1","accessKey":{"accessKeyId":{"valueFrom":{"secret":{"name":"nope","key":"id"}}},"secretAccessKey":{"valueFrom":{"secret":{"name":"nope","key":"secret"}}}}}`), 404, `secret "nope" not found`},
		"missing key":       {body(`{"region":"eu-west-1","accessKey":{"accessKeyId":{"valueFrom":{"secret":{"name":"aws-keys","key":"id"}}},"secretAccessKey":{"valueFrom":{"secret":{"name":"aws-keys","key":"sk"}}}}}`), 404, `key "sk" not found in secret "aws-keys"`},
		"url set":           {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"aws","url":"https://aws.amazon.com","aws":{"region":"eu-west-1",` + key + `}}}}`, 400, "integration.spec.url must be empty"},
		"auth use mismatch": {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"aws","auth":{"use":"AUTH_TYPE_WEB_IDENTITY"},"aws":{"region":"eu-west-1",` + key + `}}}}`, 400, "integration.spec.auth.use"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/integrations", c.body)
			if r.status != c.status || !strings.Contains(r.err.Message, c.msg) {
				t.Fatalf("got %d %s; want %d with %q", r.status, r.body, c.status, c.msg)
			}
		})
	}
	if len(f.Calls()) != 0 {
		t.Fatal("a refused request reached AWS")
	}
}
