package all_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// TestRegistryListsEveryAPIType: every integration type the API accepts has
// a registered package, so no accepted spec reaches "not supported".
func TestRegistryListsEveryAPIType(t *testing.T) {
	r := all.Registry()
	want := []string{api.IntegrationTypeAWS, api.IntegrationTypeAzure, api.IntegrationTypeAzureDevOps, api.IntegrationTypeBitbucket, api.IntegrationTypeDatadog, api.IntegrationTypeGCP, api.IntegrationTypeGitHub, api.IntegrationTypeGitLab, api.IntegrationTypeMongoDBAtlas, api.IntegrationTypeSemaphore}
	if got := r.Names(); !slices.Equal(got, want) {
		t.Fatalf("registered types = %v, want %v", got, want)
	}
	// aws is a cloud: typed settings and credentials, no webhooks and no
	// executor of its own (its credentials sign http requests).
	if _, ok := r.Cloud(api.IntegrationTypeAWS); !ok {
		t.Error("aws is not a cloud type")
	}
	// datadog is a cloud type too (a site and two keys), whose keys go on
	// http requests to its site, and whose sources get a webhook.
	if _, ok := r.CloudSigner(api.IntegrationTypeDatadog); !ok {
		t.Error("datadog is not a cloud type whose keys authenticate http requests")
	}
	if h, ok := r.Hooks(api.IntegrationTypeDatadog); !ok || len(h.DefaultEvents()) != 0 {
		t.Error("datadog: its sources get no webhook, or events of their own")
	}
	if _, ok := r.CloudSigner(api.IntegrationTypeGCP); !ok {
		t.Error("gcp is not a cloud type whose credentials authenticate http requests")
	}
	for _, name := range []string{api.IntegrationTypeGitHub, api.IntegrationTypeSemaphore} {
		typ, ok := r.Lookup(name)
		if !ok || typ.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, typ, ok)
		}
		if _, ok := r.Hooks(name); !ok {
			t.Errorf("type %q provisions no webhooks; its event sources need them", name)
		}
		if _, ok := r.Runner(name); !ok {
			t.Errorf("type %q runs no executor; its stages need one", name)
		}
	}
	if h, _ := r.Hooks("github"); h == nil || !slices.Equal(h.DefaultEvents(), []string{"push"}) {
		t.Error(`github: a source naming no events does not hear "push"`)
	}
	if h, _ := r.Hooks("gitlab"); h == nil || !slices.Equal(h.DefaultEvents(), []string{"push"}) {
		t.Error(`gitlab: a source naming no events does not hear "push"`)
	}
	if h, _ := r.Hooks("bitbucket"); h == nil || !slices.Equal(h.DefaultEvents(), []string{"repo:push"}) {
		t.Error(`bitbucket: a source naming no events does not hear "repo:push"`)
	}
	if h, _ := r.Hooks("azure_devops"); h == nil || !slices.Equal(h.DefaultEvents(), []string{"git.push"}) {
		t.Error(`azure_devops: a source naming no events does not hear "git.push"`)
	}
	if h, _ := r.Hooks("semaphore"); h == nil || len(h.DefaultEvents()) != 0 {
		t.Error("semaphore: a source naming no events gets events of its own")
	}
	// A tool without delivery ids has its deliveries deduplicated by body.
	for name, ids := range map[string]bool{"github": true, "semaphore": false, "gitlab": false, "bitbucket": true, "azure_devops": true, "datadog": false} {
		if h, _ := r.Hooks(name); h == nil || h.DeliveryIDs() != ids {
			t.Errorf("%s: DeliveryIDs is not %v", name, ids)
		}
	}
	// The resource kinds are part of the API: spec.resource.type of a source.
	for name, kind := range map[string]string{"github": "repository", "semaphore": "project", "gitlab": "project", "bitbucket": "repository", "azure_devops": "project", "datadog": "webhook"} {
		if h, _ := r.Hooks(name); h == nil || h.ResourceKind() != kind {
			t.Errorf("%s: resource kind is not %q", name, kind)
		}
	}
	if _, ok := r.Lookup("nope"); ok {
		t.Error(`Lookup("nope") found a type`)
	}
	if _, ok := r.Runner("nope"); ok {
		t.Error(`Runner("nope") found a type`)
	}
}

// TestAPIListsMatchTheRegistry: the API's lists of type names, which the
// server's messages and the provider's validators and docs use, name
// exactly the registered types, in their places: a type registered but
// missing from a list (or listed but not registered) fails here, so the
// two cannot drift.
func TestAPIListsMatchTheRegistry(t *testing.T) {
	r := all.Registry()
	if got, want := r.Names(), slices.Sorted(slices.Values(api.IntegrationTypes())); !slices.Equal(got, want) {
		t.Errorf("registered types = %v, api.IntegrationTypes = %v", got, want)
	}
	var runners, hooks []string
	for _, name := range r.Names() {
		if _, ok := r.Runner(name); ok {
			runners = append(runners, name)
		}
		if _, ok := r.Hooks(name); ok {
			hooks = append(hooks, name)
		}
	}

	// Executor types: http, the types with a Runner, noop.
	ex := api.ExecutorTypes()
	if len(ex) < 2 || ex[0] != api.ExecutorHTTP || ex[len(ex)-1] != api.ExecutorNoop {
		t.Fatalf("api.ExecutorTypes = %v, want http first and noop last", ex)
	}
	if got := slices.Sorted(slices.Values(ex[1 : len(ex)-1])); !slices.Equal(got, runners) {
		t.Errorf("api.ExecutorTypes names %v between http and noop, want the types with a Runner %v", got, runners)
	}

	// Event source types: webhook, the types with Hooks, manual, scheduled.
	es := api.EventSourceTypes()
	builtin := []string{api.EventSourceTypeWebhook, api.EventSourceTypeManual, api.EventSourceTypeScheduled}
	var fromTypes []string
	for _, typ := range es {
		if !slices.Contains(builtin, typ) {
			fromTypes = append(fromTypes, typ)
		}
	}
	if got := slices.Sorted(slices.Values(fromTypes)); !slices.Equal(got, hooks) {
		t.Errorf("api.EventSourceTypes names %v besides webhook, manual and scheduled, want the types with Hooks %v", got, hooks)
	}
	if len(es) != len(builtin)+len(hooks) {
		t.Errorf("api.EventSourceTypes = %v, want each type once", es)
	}
	// What a source of each such type watches: the provider validates
	// resource.type with the API's map.
	kinds := api.EventSourceResourceKinds()
	if len(kinds) != len(hooks) {
		t.Errorf("api.EventSourceResourceKinds = %v, want one kind for each of %v", kinds, hooks)
	}
	for _, name := range hooks {
		if h, _ := r.Hooks(name); kinds[name] != h.ResourceKind() {
			t.Errorf("api.EventSourceResourceKinds[%q] = %q, want the type's %q", name, kinds[name], h.ResourceKind())
		}
	}
}

// TestRegistryValidatesURLsAsTheAPI: each type's URL check is the API's,
// with the field named.
func TestRegistryValidatesURLsAsTheAPI(t *testing.T) {
	r := all.Registry()
	for _, c := range []struct{ typ, url string }{
		{api.IntegrationTypeGitHub, "https://github.com/acme"},
		{api.IntegrationTypeGitHub, "https://github.com/"},
		{api.IntegrationTypeSemaphore, "https://acme.semaphoreci.com"},
		{api.IntegrationTypeSemaphore, "http://acme.semaphoreci.com"},
		{api.IntegrationTypeGitLab, "https://gitlab.com"},
		{api.IntegrationTypeGitLab, "https://gitlab.com/acme"},
		{api.IntegrationTypeGitLab, "https://git.example.com/gitlab"},
		{api.IntegrationTypeBitbucket, "https://bitbucket.org/acme"},
		{api.IntegrationTypeBitbucket, "https://bitbucket.org/acme/app"},
	} {
		typ, _ := r.Lookup(c.typ)
		got, want := typ.ValidateURL("spec.url", c.url), api.ValidateIntegrationURL("spec.url", c.typ, c.url)
		if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
			t.Errorf("%s %q: ValidateURL = %v, want %v", c.typ, c.url, got, want)
		}
	}
}

// TestRegistryVerify: verification through the registry checks the input
// before any request (type, URL shape, token), reaches the type's own check,
// and never shows the token.
func TestRegistryVerify(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	v := &integration.Verifier{SemaphoreAPIURL: fake.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})}
	r := all.Registry()
	ctx := context.Background()
	for _, c := range []struct {
		typ, url, token string
		ok              bool
		reason          string
		requests        int
	}{
		{"semaphore", "https://acme.semaphoreci.com", "sem-token", true, "ok", 1},
		{"semaphore", "https://acme.semaphoreci.com", "wrong-token", false, "unauthorized (token is not valid for organization acme)", 1},
		{"semaphore", "https://acme.semaphoreci.com", "", false, "token is empty", 0},
		// A blank token fails without a request too (its spaces are masked
		// in the Reason like any token, so the words are not checked here).
		{"semaphore", "https://acme.semaphoreci.com", " ", false, "", 0},
		{"semaphore", "https://github.com/acme", "sem-token", false, api.ValidateIntegrationURL("integration URL", "semaphore", "https://github.com/acme").Error(), 0},
		{"nope", "https://nope.example.com", "sem-token", false, api.ValidateIntegrationType("integration type", "nope").Error(), 0},
	} {
		before := len(fake.Requests())
		got := r.Verify(ctx, v, c.typ, c.url, c.token)
		if got.OK != c.ok || !strings.Contains(got.Reason, c.reason) {
			t.Errorf("%s %q %q: %+v, want OK=%v with %q", c.typ, c.url, c.token, got, c.ok, c.reason)
		}
		if n := len(fake.Requests()) - before; n != c.requests {
			t.Errorf("%s %q %q: %d requests, want %d", c.typ, c.url, c.token, n, c.requests)
		}
		if strings.Contains(got.Reason, c.token) && strings.TrimSpace(c.token) != "" {
			t.Errorf("reason %q shows the token", got.Reason)
		}
	}
}

// TestSemaphoreAuthenticate: the header the Semaphore API accepts.
func TestSemaphoreAuthenticate(t *testing.T) {
	typ, _ := all.Registry().Lookup("semaphore")
	req := httptest.NewRequest(http.MethodGet, "https://acme.semaphoreci.com/api/v1alpha/projects", nil)
	typ.Authenticate(req, "t0k")
	if got := req.Header.Get("Authorization"); got != "Token t0k" {
		t.Errorf("Authorization = %q", got)
	}
}

// TestNewRegistryRefusesDuplicates: two packages claiming one name is a
// wiring mistake caught at start.
func TestNewRegistryRefusesDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a type registered twice")
		}
	}()
	typ, _ := all.Registry().Lookup("github")
	integration.NewRegistry(typ, typ)
}
