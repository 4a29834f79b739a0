package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/authprovider"
)

// The auth providers' wire types and matrix rows, added here so that the
// shared tables are not realigned.
func init() {
	for name, v := range map[string]any{
		"AuthProvider":              api.AuthProvider{},
		"AuthProviderMetadata":      api.AuthProviderMetadata{},
		"AuthProviderSpec":          api.AuthProviderSpec{},
		"AuthProviderSecret":        api.AuthProviderSecret{},
		"AuthProviderRequest":       api.AuthProviderRequest{},
		"AuthProviderResponse":      api.AuthProviderResponse{},
		"ListAuthProvidersResponse": api.ListAuthProvidersResponse{},
		"CLISignInTokenRequest":     api.CLISignInTokenRequest{},
		"CLISignInTokenResponse":    api.CLISignInTokenResponse{},
	} {
		wireSchemas[name] = v
	}
	for pattern, rt := range authProviderMatrixRoutes {
		matrixRoutes[pattern] = rt
	}
}

var authProviderMatrixRoutes = map[string]matrixRoute{
	"GET /api/v1/auth-providers": {path: func(matrixFixture) string { return "/api/v1/auth-providers" }},
	"POST /api/v1/auth-providers": {
		path: func(matrixFixture) string { return "/api/v1/auth-providers" },
		body: func(_ matrixFixture, n int) string {
			return fmt.Sprintf(`{"authProvider":{"metadata":{"name":"ap-new-%d"},"spec":{"type":"github","clientId":"c","clientSecret":{"value":"s"}}}}`, n)
		},
	},
	"GET /api/v1/auth-providers/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/auth-providers/" + f.provider }},
	"PATCH /api/v1/auth-providers/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/auth-providers/" + f.provider },
		body: func(matrixFixture, int) string {
			return `{"authProvider":{"spec":{"type":"github","clientId":"changed","displayName":"Changed"}}}`
		},
	},
	"DELETE /api/v1/auth-providers/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/auth-providers/" + f.provider }},
}

// addMatrixAuthProvider gives a matrix fixture a github auth provider of
// its own and returns its id.
func addMatrixAuthProvider(t *testing.T, e *env, name string) string {
	t.Helper()
	var out api.AuthProviderResponse
	e.do("owner", "POST", "/api/v1/auth-providers", fmt.Sprintf(
		`{"authProvider":{"metadata":{"name":"ap-%s"},"spec":{"type":"github","clientId":"c","clientSecret":{"value":"s"}}}}`, name)).decode(t, &out)
	return out.AuthProvider.Metadata.ID
}

// TestAuthProvidersAPI: providers are created, described, listed, updated
// and deleted through the API; bad input is a 400 naming the field; an
// admin may not configure a provider that makes people owners; the client
// secret's value is never answered, logged or stored in plaintext, and an
// update that leaves it out keeps it (the sign-in still works).
func TestAuthProvidersAPI(t *testing.T) {
	se := newSignInEnv(t)
	const secret = testClientSecret

	for _, tc := range []struct{ spec, field string }{
		{`{"type":"okta"}`, "authProvider.spec.type"},
		{`{"type":"github","clientSecret":{"value":"x"}}`, "authProvider.spec.clientId"},
		{`{"type":"github","clientId":"c"}`, "authProvider.spec.clientSecret"},
		{`{"type":"github","clientId":"c","clientSecret":{"value":"x","secretName":"s","key":"k"}}`, "authProvider.spec.clientSecret"},
		{`{"type":"entra","clientId":"c","clientSecret":{"value":"x"},"tenant":"contoso.com"}`, "authProvider.spec.tenant"},
		{`{"type":"backstage"}`, "authProvider.spec.url"},
		{`{"type":"google","clientId":"c","clientSecret":{"value":"x"},"defaultRole":"root"}`, "authProvider.spec.defaultRole"},
		{`{"type":"google","clientId":"c","clientSecret":{"value":"x"},"allowedEmailDomains":["@x"]}`, "authProvider.spec.allowedEmailDomains[0]"},
		{`{"type":"github","clientId":"c","clientSecret":{"value":"x"},"url":"ftp://x"}`, "authProvider.spec.url"},
		{`{"type":"guest","clientId":"c"}`, "authProvider.spec.clientId"},
	} {
		r := se.do("owner", "POST", "/api/v1/auth-providers", `{"authProvider":{"metadata":{"name":"bad"},"spec":`+tc.spec+`}}`)
		if r.status != http.StatusBadRequest || !strings.Contains(r.err.Message, tc.field) {
			t.Errorf("%s: got %d %s; want 400 naming %s", tc.spec, r.status, r.body, tc.field)
		}
	}
	if r := se.do("admin", "POST", "/api/v1/auth-providers", `{"authProvider":{"metadata":{"name":"owners"},"spec":`+se.githubSpec(`,"defaultRole":"owner"`)+`}}`); r.status != http.StatusForbidden {
		t.Fatalf("an admin configured a provider giving the owner role: %d %s", r.status, r.body)
	}

	created := se.addProvider(t, "gh", se.githubSpec(`,"displayName":"Acme GitHub"`))
	if s := created.Spec; s.ClientSecret == nil || !s.ClientSecret.ValueSet || s.ClientSecret.Value != "" || s.DefaultRole != "viewer" {
		t.Fatalf("the answer should say a secret is set, without it, and the default role viewer: %+v", s)
	}
	var one api.AuthProviderResponse
	se.do("viewer", "GET", "/api/v1/auth-providers/gh", nil).decode(t, &one)
	var list api.ListAuthProvidersResponse
	se.do("viewer", "GET", "/api/v1/auth-providers", nil).decode(t, &list)
	if len(list.AuthProviders) != 1 || one.AuthProvider.Metadata.ID != created.Metadata.ID {
		t.Fatalf("describe/list: %+v %+v", one, list)
	}
	if r := se.do("other", "GET", "/api/v1/auth-providers/gh", nil); r.status != http.StatusNotFound {
		t.Fatalf("another organization sees acme's provider: %d", r.status)
	}
	if r := se.do("owner", "PATCH", "/api/v1/auth-providers/gh", `{"authProvider":{"spec":{"type":"google","clientId":"x"}}}`); r.status != http.StatusBadRequest || !strings.Contains(r.err.Message, "authProvider.spec.type") {
		t.Fatalf("a type change: %d %s", r.status, r.body)
	}
	// An update without clientSecret keeps the sealed one: signing in
	// still exchanges the code with it.
	var upd api.AuthProviderResponse
	se.do("owner", "PATCH", "/api/v1/auth-providers/gh", `{"authProvider":{"spec":{"type":"github","clientId":"superplane-app","url":"`+se.fake.URL()+`","displayName":"GitHub (Acme)"}}}`).decode(t, &upd)
	if upd.AuthProvider.Spec.DisplayName != "GitHub (Acme)" || upd.AuthProvider.Spec.ClientSecret == nil || !upd.AuthProvider.Spec.ClientSecret.ValueSet {
		t.Fatalf("update: %+v", upd.AuthProvider.Spec)
	}
	se.fake.SignInAs(authprovider.User{GitHubID: 9, Login: "nine", Email: "nine@example.com", EmailVerified: true})
	b := newBrowser(t)
	signedIn(t, b.get(se.url+"/sign-in/acme/gh"), "nine@example.com", "viewer")

	// A secret reference: the key of an organization secret.
	se.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "sso", map[string]string{"github": secret})).decode(t, &api.SecretResponse{})
	ref := se.addProvider(t, "gh-ref", `{"type":"github","clientId":"superplane-app","clientSecret":{"secretName":"sso","key":"github"},"url":"`+se.fake.URL()+`"}`)
	if c := ref.Spec.ClientSecret; c == nil || c.SecretName != "sso" || c.Key != "github" || c.ValueSet {
		t.Fatalf("the reference is not answered as sent: %+v", c)
	}
	b = newBrowser(t)
	signedIn(t, b.get(se.url+"/sign-in/acme/gh-ref"), "nine@example.com", "viewer")

	// Never in an answer, a log line or the database file in plaintext.
	for _, who := range []string{"owner", "viewer"} {
		if r := se.do(who, "GET", "/api/v1/auth-providers", nil); bytes.Contains(r.body, []byte(secret)) {
			t.Fatalf("a list as %s shows the client secret", who)
		}
	}
	if strings.Contains(se.logs.String(), secret) {
		t.Fatal("the logs hold the client secret")
	}
	db, err := os.ReadFile(filepath.Join(se.dir, "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	if wal, err := os.ReadFile(filepath.Join(se.dir, "superplane.db-wal")); err == nil {
		db = append(db, wal...)
	}
	if bytes.Contains(db, []byte(secret)) {
		t.Fatal("the database holds the client secret in plaintext")
	}

	if r := se.do("viewer", "DELETE", "/api/v1/auth-providers/gh", nil); r.status != http.StatusForbidden {
		t.Fatalf("a viewer deleted a provider: %d", r.status)
	}
	se.do("owner", "DELETE", "/api/v1/auth-providers/gh", nil).decode(t, &api.Empty{})
	if r := se.do("owner", "GET", "/api/v1/auth-providers/gh", nil); r.status != http.StatusNotFound {
		t.Fatalf("a deleted provider is still described: %d", r.status)
	}
	if p := newBrowser(t).get(se.url + "/sign-in/acme/gh"); p.status != http.StatusNotFound {
		t.Fatalf("sign-in through a deleted provider: %d", p.status)
	}
}
