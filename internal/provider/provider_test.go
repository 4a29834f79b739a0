package provider

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// testAccProtoV6ProviderFactories runs the provider in-process for
// acceptance tests.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"superplane": providerserver.NewProtocol6WithError(New("test")()),
}

func TestSchemasAreValid(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, newR := range p.Resources(ctx) {
		r := newR()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "superplane"}, &md)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		diags := resp.Schema.ValidateImplementation(ctx)
		if diags.HasError() {
			t.Errorf("%s: %v", md.TypeName, diags)
		}
		for name, a := range resp.Schema.Attributes {
			if a.GetMarkdownDescription() == "" {
				t.Errorf("%s.%s has no description", md.TypeName, name)
			}
		}
	}
	for _, newD := range p.DataSources(ctx) {
		d := newD()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "superplane"}, &md)
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%s: %v", md.TypeName, diags)
		}
	}
}

// configure runs the provider's Configure with the given endpoint and token
// (nil means left out of the provider block; unknown means not yet known).
func configure(t *testing.T, endpoint, token tftypes.Value) *provider.ConfigureResponse {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	var sresp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sresp)
	raw := tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), map[string]tftypes.Value{
		"endpoint": endpoint,
		"token":    token,
	})
	resp := &provider.ConfigureResponse{}
	p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: raw}}, resp)
	return resp
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

var (
	nullStr    = tftypes.NewValue(tftypes.String, nil)
	unknownStr = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
)

// meServer answers /api/v1/me: 200 for token "good", 401 otherwise.
func meServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(401)
			_ = json.NewEncoder(w).Encode(api.Error{Code: api.CodeUnauthenticated, Message: "unauthenticated"})
			return
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "terraform-provider-superplane/test") {
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(api.Error{Code: api.CodeInvalidArgument, Message: "bad user agent " + r.Header.Get("User-Agent")})
			return
		}
		_ = json.NewEncoder(w).Encode(api.Me{ID: "u1", OrganizationID: "o1"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// summaries flattens diagnostics into "path: summary: detail" lines.
func summaries(resp *provider.ConfigureResponse) string {
	var b strings.Builder
	for _, d := range resp.Diagnostics {
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			b.WriteString(dp.Path().String() + ": ")
		}
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestConfigure(t *testing.T) {
	srv := meServer(t)
	t.Setenv(EnvEndpoint, "")
	t.Setenv(EnvToken, "")

	t.Run("OK", func(t *testing.T) {
		resp := configure(t, str(srv.URL), str("good"))
		if resp.Diagnostics.HasError() {
			t.Fatal(summaries(resp))
		}
		if _, ok := resp.ResourceData.(*client.Client); !ok {
			t.Errorf("ResourceData = %T", resp.ResourceData)
		}
		if _, ok := resp.DataSourceData.(*client.Client); !ok {
			t.Errorf("DataSourceData = %T", resp.DataSourceData)
		}
	})
	t.Run("FromEnvironment", func(t *testing.T) {
		t.Setenv(EnvEndpoint, srv.URL)
		t.Setenv(EnvToken, "good")
		resp := configure(t, nullStr, nullStr)
		if resp.Diagnostics.HasError() {
			t.Fatal(summaries(resp))
		}
	})
	cases := map[string]struct {
		endpoint, token tftypes.Value
		want            []string // substrings of the diagnostics
	}{
		"MissingEndpoint": {nullStr, str("good"), []string{"endpoint: Missing SuperPlane API endpoint", EnvEndpoint}},
		"MissingToken":    {str(srv.URL), nullStr, []string{"token: Missing SuperPlane API token", EnvToken}},
		"UnknownEndpoint": {unknownStr, str("good"), []string{"endpoint: Unknown SuperPlane API endpoint", "must be known"}},
		"UnknownToken":    {str(srv.URL), unknownStr, []string{"token: Unknown SuperPlane API token", "must be known"}},
		"RelativeURL":     {str("localhost:1"), str("good"), []string{"endpoint: Invalid SuperPlane API endpoint"}},
		"BadToken":        {str(srv.URL), str("bad-token-value"), []string{"token: SuperPlane rejected the API token", "401"}},
		"Unreachable":     {str("http://" + closedAddr(t)), str("good"), []string{"endpoint: Cannot use the SuperPlane API", "refused"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := configure(t, tc.endpoint, tc.token)
			if !resp.Diagnostics.HasError() {
				t.Fatal("want an error")
			}
			got := summaries(resp)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("diagnostics %q do not mention %q", got, w)
				}
			}
			if strings.Contains(got, "bad-token-value") {
				t.Errorf("diagnostics leak the token: %q", got)
			}
			if resp.ResourceData != nil {
				t.Error("a failed Configure must not hand out a client")
			}
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestParseSecretImportID(t *testing.T) {
	cases := []struct {
		id, canvas, name string
		ok               bool
	}{
		{"organization/db", "", "db", true},
		{"canvas/prod/db", "prod", "db", true},
		{"canvas/33333333-3333-3333-3333-333333333333/db.password", "33333333-3333-3333-3333-333333333333", "db.password", true},
		{"db", "", "", false},
		{"organization/", "", "", false},
		{"organization/a/b", "", "", false},
		{"canvas/prod", "", "", false},
		{"canvas//db", "", "", false},
		{"workspace/x/db", "", "", false},
	}
	for _, tc := range cases {
		canvas, name, err := parseScopedImportID("secret", tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v", tc.id, err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "organization/<secret name>") || !strings.Contains(err.Error(), "canvas/<canvas id or name>/<secret name>") {
				t.Errorf("%q: error %q does not name the expected formats", tc.id, err)
			}
			continue
		}
		if canvas != tc.canvas || name != tc.name {
			t.Errorf("%q: got (%q, %q)", tc.id, canvas, name)
		}
	}
}
