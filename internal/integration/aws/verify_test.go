package aws_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/aws"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the tests' guarded client: loopback is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 allows it for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

var registry = integration.NewRegistry(aws.Type{})

const (
	account   = "123456789012"
	keyID     = "AKIAIOSFODNN7EXAMPLE"
	secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	deployARN = "arn:aws:iam::123456789012:role/deploy"
	oidcARN   = "arn:aws:iam::123456789012:role/superplane"
)

func newFake(t *testing.T) (*fakeaws.Server, *integration.Verifier) {
	t.Helper()
	f := fakeaws.New(t)
	f.AddUser(fakeaws.User{AccessKeyID: keyID, SecretAccessKey: secretKey, Account: account, Name: "ci"})
	return f, &integration.Verifier{AWSEndpointURL: f.URL(), Client: fakes}
}

const keySettings = `{"region":"eu-west-1","accessKey":{"accessKeyId":{"valueFrom":{"secret":{"key":"id"}}},"secretAccessKey":{"valueFrom":{"secret":{"key":"secret"}}}}}`

func keyCreds(id, secret string) integration.CloudCredentials {
	return integration.CloudCredentials{
		Settings: []byte(keySettings), Secret: map[string]string{"id": id, "secret": secret},
		Subject: "org:acme:integration:aws",
	}
}

// TestVerifyAccessKey: a good key pair verifies, and status names the
// account and the user's ARN; the fake checked its SigV4 signature.
func TestVerifyAccessKey(t *testing.T) {
	f, v := newFake(t)
	res := registry.VerifyCloud(t.Context(), v, "aws", keyCreds(keyID, secretKey))
	if !res.OK || res.Reason != "ok: account 123456789012, arn:aws:iam::123456789012:user/ci" {
		t.Fatalf("verify = %+v", res)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].Action != "GetCallerIdentity" || calls[0].AccessKeyID != keyID || calls[0].Region != "eu-west-1" || calls[0].Service != "sts" {
		t.Fatalf("calls %+v: want one signed GetCallerIdentity in eu-west-1", calls)
	}
}

// TestVerifyBadKeys: AWS's own error code and message, never the secret.
func TestVerifyBadKeys(t *testing.T) {
	_, v := newFake(t)
	for name, c := range map[string]struct {
		creds integration.CloudCredentials
		want  string
	}{
		"wrong secret": {keyCreds(keyID, "not-the-secret-key-0123456789abcdefghijkl"),
			"AWS STS GetCallerIdentity: SignatureDoesNotMatch: The request signature we calculated does not match"},
		"unknown key": {keyCreds("AKIAUNKNOWNKEY000000", secretKey),
			"AWS STS GetCallerIdentity: InvalidClientTokenId: The security token included in the request is invalid."},
		"missing key": {integration.CloudCredentials{Settings: []byte(keySettings), Secret: map[string]string{"id": keyID}},
			"key secret (the secret access key) is missing from the secret"},
	} {
		t.Run(name, func(t *testing.T) {
			res := registry.VerifyCloud(t.Context(), v, "aws", c.creds)
			if res.OK || !strings.HasPrefix(res.Reason, c.want) {
				t.Fatalf("verify = %+v, want a failure starting %q", res, c.want)
			}
			for _, val := range c.creds.Secret {
				if strings.Contains(res.Reason, val) {
					t.Fatalf("the reason %q shows a credential", res.Reason)
				}
			}
		})
	}
}

// TestVerifyUnreachable: the guard applies to the endpoint override too: a
// client that does not allow loopback cannot reach the fake.
func TestVerifyUnreachable(t *testing.T) {
	f, _ := newFake(t)
	v := &integration.Verifier{AWSEndpointURL: f.URL()}
	res := registry.VerifyCloud(t.Context(), v, "aws", keyCreds(keyID, secretKey))
	if res.OK || !strings.Contains(res.Reason, "cannot reach AWS STS") || !strings.Contains(res.Reason, outbound.Setting) {
		t.Fatalf("verify = %+v: want the guard's refusal naming %s", res, outbound.Setting)
	}
	if len(f.Calls()) != 0 {
		t.Fatal("the fake was reached past the guard")
	}
}

func webCreds(iss *fakeaws.Issuer, s string, subject string) integration.CloudCredentials {
	return integration.CloudCredentials{
		Settings: []byte(s), Subject: subject,
		IDToken: func(_ context.Context, aud string) (string, error) {
			return iss.Mint(subject, aud)
		},
	}
}

// TestVerifyWebIdentity: no AWS secret at all. The fake verifies the ID
// token against the issuer's JWKS (fetched through its discovery
// document), its audience and the role's subject condition, and the
// chained AssumeRole carries the external id.
func TestVerifyWebIdentity(t *testing.T) {
	f, v := newFake(t)
	iss := fakeaws.NewIssuer(t)
	f.AddRole(fakeaws.Role{ARN: oidcARN, Issuer: iss.URL(), Audience: "sts.amazonaws.com", Subject: "org:acme:*"})
	f.AddRole(fakeaws.Role{ARN: deployARN, ExternalID: "ext-123", Principals: []string{"arn:aws:sts::123456789012:assumed-role/superplane/org.acme.canvas.prod.integration.aws"}})

	web := `{"region":"us-east-1","webIdentity":{"roleArn":"` + oidcARN + `"}}`
	res := registry.VerifyCloud(t.Context(), v, "aws", webCreds(iss, web, "org:acme:canvas:prod:integration:aws"))
	if !res.OK || res.Reason != "ok: account 123456789012, arn:aws:sts::123456789012:assumed-role/superplane/org.acme.canvas.prod.integration.aws" {
		t.Fatalf("web identity verify = %+v", res)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Action != "AssumeRoleWithWebIdentity" || calls[0].Subject != "org:acme:canvas:prod:integration:aws" ||
		calls[0].Audience != "sts.amazonaws.com" || calls[1].Action != "GetCallerIdentity" || !strings.HasPrefix(calls[1].AccessKeyID, "ASIA") {
		t.Fatalf("calls %+v", calls)
	}

	chained := `{"region":"us-east-1","webIdentity":{"roleArn":"` + oidcARN + `"},"assumeRole":{"roleArn":"` + deployARN + `","externalId":"ext-123","sessionDurationSeconds":900}}`
	res = registry.VerifyCloud(t.Context(), v, "aws", webCreds(iss, chained, "org:acme:canvas:prod:integration:aws"))
	if !res.OK || !strings.HasSuffix(res.Reason, "assumed-role/deploy/org.acme.canvas.prod.integration.aws") {
		t.Fatalf("chained verify = %+v", res)
	}
	calls = f.Calls()
	if last := calls[len(calls)-2]; last.Action != "AssumeRole" || last.ExternalID != "ext-123" || last.Duration != 900 {
		t.Fatalf("AssumeRole call %+v: want the external id and 900 s", last)
	}

	// A wrong external id: AWS's AccessDenied, as AWS words it.
	wrongExt := strings.Replace(chained, "ext-123", "ext-999", 1)
	res = registry.VerifyCloud(t.Context(), v, "aws", webCreds(iss, wrongExt, "org:acme:canvas:prod:integration:aws"))
	if res.OK || !strings.HasPrefix(res.Reason, "AWS STS AssumeRole: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/superplane/") {
		t.Fatalf("wrong external id = %+v", res)
	}

	// A subject the role does not trust.
	res = registry.VerifyCloud(t.Context(), v, "aws", webCreds(iss, web, "org:other:integration:aws"))
	if res.OK || res.Reason != "AWS STS AssumeRoleWithWebIdentity: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity" {
		t.Fatalf("untrusted subject = %+v", res)
	}
}

// TestVerifyWebIdentityForgedToken: a token signed by another issuer's key
// but claiming ours does not verify: the fake really checks the JWKS. The
// token never shows in the reason.
func TestVerifyWebIdentityForgedToken(t *testing.T) {
	f, v := newFake(t)
	ours, theirs := fakeaws.NewIssuer(t), fakeaws.NewIssuer(t)
	f.AddRole(fakeaws.Role{ARN: oidcARN, Issuer: ours.URL(), Audience: "sts.amazonaws.com", Subject: "*"})
	theirs.Claim = ours.URL() // signs claiming our issuer, with its own key
	var minted string
	c := integration.CloudCredentials{
		Settings: []byte(`{"region":"us-east-1","webIdentity":{"roleArn":"` + oidcARN + `"}}`),
		IDToken: func(_ context.Context, aud string) (string, error) {
			tok, err := theirs.Mint("org:acme:integration:aws", aud)
			minted = tok
			return tok, err
		},
	}
	res := registry.VerifyCloud(t.Context(), v, "aws", c)
	if res.OK || res.Reason != "AWS STS AssumeRoleWithWebIdentity: InvalidIdentityToken: The ID token provided has an invalid signature" {
		t.Fatalf("forged token = %+v", res)
	}
	if minted == "" || strings.Contains(res.Reason, minted) {
		t.Fatal("no token was minted, or the reason shows it")
	}
}

// TestSignReusesSession: two requests a stage signs with web identity share
// one STS exchange (the session is cached until shortly before it
// expires), and both signatures check at the fake; a verification always
// asks STS again.
func TestSignReusesSession(t *testing.T) {
	f, v := newFake(t)
	iss := fakeaws.NewIssuer(t)
	f.AddRole(fakeaws.Role{ARN: oidcARN, Issuer: iss.URL(), Audience: "sts.amazonaws.com", Subject: "*"})
	c := webCreds(iss, `{"region":"eu-west-1","webIdentity":{"roleArn":"`+oidcARN+`"}}`, "org:acme:canvas:prod:stage:cache-"+t.Name())
	for range 2 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/2015-03-31/functions/f/invocations", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := (aws.Type{}).SignRequest(t.Context(), v, c, req, []byte(`{}`), integration.SignOptions{Service: "lambda"}); err != nil {
			t.Fatal(err)
		}
		resp, err := fakes.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("signed request: %s", resp.Status)
		}
	}
	exchanges := 0
	for _, call := range f.Calls() {
		if call.Action == "AssumeRoleWithWebIdentity" {
			exchanges++
		}
		if call.Action == "service" && (call.Error != "" || call.Region != "eu-west-1" || call.Service != "lambda") {
			t.Fatalf("service call %+v", call)
		}
	}
	if exchanges != 1 {
		t.Fatalf("%d STS exchanges for two signed requests, want 1", exchanges)
	}
	if res := registry.VerifyCloud(t.Context(), v, "aws", c); !res.OK {
		t.Fatal(res.Reason)
	}
	exchanges = 0
	for _, call := range f.Calls() {
		if call.Action == "AssumeRoleWithWebIdentity" {
			exchanges++
		}
	}
	if exchanges != 2 {
		t.Fatalf("verification did not ask STS: %d exchanges", exchanges)
	}
}
