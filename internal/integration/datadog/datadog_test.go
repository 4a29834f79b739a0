package datadog_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakedatadog "github.com/superplane/terraform-provider-superplane/internal/fake/datadog"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/datadog"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// The fixture's keys: Datadog's API keys are 32 hexadecimal digits, its
// application keys 40.
const (
	apiKey = "0123456789abcdef0123456789abcdef"
	appKey = "fedcba9876543210fedcba9876543210fedcba98"
)

var dd = datadog.Type{}

type fixture struct {
	fake *fakedatadog.Server
	v    *integration.Verifier
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	fake := fakedatadog.New(t)
	fake.AddKeys(apiKey, appKey)
	return fixture{fake: fake, v: &integration.Verifier{DatadogAPIURL: fake.URL(), Client: loopbackClient()}}
}

func loopbackClient() *outbound.Client {
	return outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second})
}

// settings is a stored spec.datadog naming the secret keys "api" and "app".
func settings(t *testing.T, site string) []byte {
	t.Helper()
	ref := func(k string) *api.AuthToken {
		return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Key: k}}}
	}
	b, err := json.Marshal(api.DatadogIntegration{Site: site, APIKey: ref("api"), ApplicationKey: ref("app")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func creds(t *testing.T, api, app string) integration.CloudCredentials {
	return integration.CloudCredentials{Settings: settings(t, "datadoghq.eu"), Secret: map[string]string{"api": api, "app": app}}
}

// TestVerifyKeys: good keys verify; a bad API key or a bad application key
// fails with Datadog's words and without either key; a missing key fails
// before any request.
func TestVerifyKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := integration.NewRegistry(dd)
	if got := r.VerifyCloud(ctx, f.v, "datadog", creds(t, apiKey, appKey)); !got.OK {
		t.Fatalf("good keys: %+v", got)
	}
	badAPI := "ffffffffffffffffffffffffffffffff"
	got := r.VerifyCloud(ctx, f.v, "datadog", creds(t, badAPI, appKey))
	if got.OK || !strings.Contains(got.Reason, "refused the API key: Forbidden") || strings.Contains(got.Reason, badAPI) || strings.Contains(got.Reason, appKey) {
		t.Errorf("bad API key: %+v", got)
	}
	badApp := "0000000000000000000000000000000000000000"
	got = r.VerifyCloud(ctx, f.v, "datadog", creds(t, apiKey, badApp))
	if got.OK || !strings.Contains(got.Reason, "refused the application key: Forbidden") || strings.Contains(got.Reason, badApp) || strings.Contains(got.Reason, apiKey) {
		t.Errorf("bad application key: %+v", got)
	}
	// The validation call carries the API key alone, as Datadog documents.
	for _, req := range f.fake.Requests() {
		if req.Path == "/api/v1/validate" && req.AppKey {
			t.Error("GET /api/v1/validate was sent the application key")
		}
	}
	before := len(f.fake.Requests())
	got = r.VerifyCloud(ctx, f.v, "datadog", creds(t, apiKey, ""))
	if got.OK || !strings.Contains(got.Reason, "spec.datadog.applicationKey") {
		t.Errorf("missing application key: %+v", got)
	}
	if n := len(f.fake.Requests()) - before; n != 0 {
		t.Errorf("a missing key made %d requests", n)
	}
	// The site decides the host when no override is set: an unreachable
	// site (the guard refuses it) is named, and no key is shown.
	got = r.VerifyCloud(ctx, &integration.Verifier{Client: loopbackClient()}, "datadog", creds(t, apiKey, appKey))
	if got.OK || !strings.Contains(got.Reason, "cannot reach Datadog") {
		t.Errorf("real site from a test: %+v", got)
	}
}

// TestSignRequestOnlyToTheSite: the keys reach the integration's site (its
// API host and the other hosts under its domain, https) and the override
// origin; any other host, plain http or another port is refused and sends
// nothing.
func TestSignRequestOnlyToTheSite(t *testing.T) {
	f := newFixture(t)
	c := creds(t, apiKey, appKey)
	ctx := context.Background()
	for _, c2 := range []struct {
		url string
		ok  bool
	}{
		{"https://api.datadoghq.eu/api/v1/events", true},
		{"https://http-intake.logs.datadoghq.eu/api/v2/logs", true},
		{"https://datadoghq.eu/x", true},
		{f.fake.URL() + "/api/v1/events", true},
		{"https://api.datadoghq.com/api/v1/events", false},
		{"https://api.datadoghq.eu.evil.example/api/v1/events", false},
		{"https://evildatadoghq.eu/api", false},
		{"http://api.datadoghq.eu/api/v1/events", false},
		{"https://api.datadoghq.eu:8443/api/v1/events", false},
		{"http://127.0.0.1:9/hook", false},
	} {
		req := httptest.NewRequest(http.MethodPost, c2.url, nil)
		err := dd.SignRequest(ctx, f.v, c, req, nil, integration.SignOptions{})
		gotKeys := req.Header.Get(datadog.HeaderAPIKey) == apiKey && req.Header.Get(datadog.HeaderAppKey) == appKey
		if c2.ok && (err != nil || !gotKeys) {
			t.Errorf("%s: err %v, keys set %v; want both keys", c2.url, err, gotKeys)
		}
		if !c2.ok {
			if err == nil || req.Header.Get(datadog.HeaderAPIKey) != "" || req.Header.Get(datadog.HeaderAppKey) != "" {
				t.Errorf("%s: err %v, headers %v; want a refusal without keys", c2.url, err, req.Header)
			}
			if err != nil && (strings.Contains(err.Error(), apiKey) || strings.Contains(err.Error(), appKey)) {
				t.Errorf("%s: the refusal shows a key: %v", c2.url, err)
			}
		}
	}
}
