package bitbucket_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// TestVerifyCredentials: each kind of credential Bitbucket Cloud has is
// verified against the workspace of the URL, and every failure says why in
// Bitbucket's words or ours, never with the credential.
func TestVerifyCredentials(t *testing.T) {
	_, v := newFake(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, url, cred string
		ok              bool
		reason          []string
	}{
		{"app password of a workspace member", workspaceURL, aliceCred, true, nil},
		{"plain member", workspaceURL, bobCred, true, nil},
		{"workspace access token", workspaceURL, wsToken, true, nil},
		{"repository access token", workspaceURL, repoToken, true, nil},
		{"trailing newline from a file", workspaceURL, aliceCred + "\n", true, nil},
		{"wrong password", workspaceURL, "alice:not-the-password", false, []string{"Bitbucket: unauthorized", "Unauthorized"}},
		{"unknown access token", workspaceURL, "ATCTT3xFfGN0-made-up", false, []string{"Bitbucket: unauthorized"}},
		{"user of another workspace", workspaceURL, carolCred, false, []string{"carol is not a member of workspace acme"}},
		{"token of another workspace", workspaceURL, otherToken, false, []string{"reaches no repository of Bitbucket workspace acme"}},
		{"unknown workspace", "https://bitbucket.org/nowhere", wsToken, false, []string{"Bitbucket workspace nowhere not found"}},
		{"user without a secret", workspaceURL, "alice:", false, []string{`"<user>:<API token or app password>"`}},
		{"secret without a user", workspaceURL, ":" + aliceSecret, false, []string{`"<user>:<API token or app password>"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := registry.Verify(ctx, v, "bitbucket", c.url, c.cred)
			if c.ok {
				wantOK(t, res)
				return
			}
			wantFailure(t, res, c.reason...)
			secret := c.cred
			if _, s, ok := strings.Cut(c.cred, ":"); ok {
				secret = s
			}
			if len(secret) > 3 && strings.Contains(res.Reason, secret) {
				t.Errorf("reason %q shows the credential", res.Reason)
			}
		})
	}
}

// TestVerifyAuthentication: the header each credential is sent in, as
// Bitbucket documents: basic for user and secret, Bearer for an access
// token.
func TestVerifyAuthentication(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "https://api.bitbucket.org/2.0/user", nil)
	bb.Authenticate(req, aliceCred)
	if got, want := req.Header.Get("Authorization"), "Basic "+base64.StdEncoding.EncodeToString([]byte(aliceCred)); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	bb.Authenticate(req, wsToken)
	if got := req.Header.Get("Authorization"); got != "Bearer "+wsToken {
		t.Errorf("Authorization = %q, want the Bearer token", got)
	}
}

// TestVerifyShowsBitbucketReasonWithoutTheSecret: a tool that echoes the
// credential back (in its message, or its secret alone) has it masked, and
// its own words are kept.
func TestVerifyShowsBitbucketReasonWithoutTheSecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":"secret ` + aliceSecret + ` needs account:read"}}`))
	}))
	t.Cleanup(srv.Close)
	v := &integration.Verifier{BitbucketAPIURL: srv.URL, Client: fakes}
	res := registry.Verify(context.Background(), v, "bitbucket", workspaceURL, aliceCred)
	wantFailure(t, res, "forbidden for workspace acme", "lack one or more required privilege scopes", "***")
	if strings.Contains(res.Reason, aliceSecret) {
		t.Errorf("reason %q shows the secret", res.Reason)
	}
}

// TestVerifyRefusesMalformedInput: a URL that is not a Bitbucket workspace
// fails without a request.
func TestVerifyRefusesMalformedInput(t *testing.T) {
	fake, v := newFake(t)
	for _, u := range []string{"https://github.com/acme", "https://bitbucket.org/", "https://bitbucket.org/acme/app", "https://bitbucket.org/Acme", "http://bitbucket.org/acme"} {
		res := registry.Verify(context.Background(), v, "bitbucket", u, aliceCred)
		wantFailure(t, res, "integration URL")
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests for malformed input: %v", n, fake.Requests())
	}
}
