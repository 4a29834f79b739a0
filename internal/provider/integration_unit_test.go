package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// integrationState builds a resource state for unit tests of the CRUD
// methods.
func integrationState(t *testing.T, r resource.Resource, m IntegrationResourceModel) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if diags := state.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building state: %v", diags)
	}
	return state
}

func TestIntegrationDeleteUnsupported(t *testing.T) {
	// A real v1 server has no DELETE for integrations: 501.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		_, _ = w.Write([]byte(`{"code":12,"message":"Not Implemented","details":[]}`))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	r := &IntegrationResource{client: c}
	m := IntegrationResourceModel{
		ID:           types.StringValue("55555555-5555-5555-5555-555555555555"),
		Canvas:       types.StringValue("33333333-3333-3333-3333-333333333333"),
		Name:         types.StringValue("github"),
		Description:  types.StringValue(""),
		Type:         types.StringValue("github"),
		URL:          types.StringValue("https://github.com/acme"),
		Auth:         types.ObjectNull(integrationAuthAttrTypes),
		AWS:          types.ObjectNull(integrationAWSAttrTypes),
		Azure:        types.ObjectNull(integrationAzureAttrTypes),
		GCP:          types.ObjectNull(integrationGCPAttrTypes),
		Datadog:      types.ObjectNull(integrationDatadogAttrTypes),
		MongoDBAtlas: types.ObjectNull(integrationAtlasAttrTypes),
		Verify:       types.BoolValue(true),
		Status:       types.ObjectNull(integrationStatusAttrTypes),
		CreatedAt:    types.StringNull(),
	}
	resp := &resource.DeleteResponse{State: integrationState(t, r, m)}
	r.Delete(context.Background(), resource.DeleteRequest{State: integrationState(t, r, m)}, resp)
	if !resp.Diagnostics.HasError() {
		t.Fatal("want an error: the integration is still on the server")
	}
	d := resp.Diagnostics[0]
	if d.Summary() != "The server cannot delete integrations" ||
		!strings.Contains(d.Detail(), `integration "github" is still there`) ||
		!strings.Contains(d.Detail(), "terraform state rm") {
		t.Errorf("diagnostic = %q: %q", d.Summary(), d.Detail())
	}
}

func TestIntegrationModelFrom(t *testing.T) {
	ctx := context.Background()
	prior := &IntegrationResourceModel{
		Canvas: types.StringValue("prod"),
		Type:   types.StringValue("github"),
		URL:    types.StringValue("https://github.com/acme/"),
		Auth:   types.ObjectNull(integrationAuthAttrTypes),
		Verify: types.BoolValue(false),
	}
	in := &api.Integration{
		Metadata: &api.IntegrationMetadata{ID: "id-1", Name: "github"},
		Spec: &api.IntegrationSpec{Type: "github", URL: "https://github.com/acme", Auth: &api.IntegrationAuth{
			Use:   api.AuthTypeToken,
			Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: "gh", Key: "token"}}},
		}},
	}
	m, diags := integrationModelFrom(ctx, in, prior)
	if diags.HasError() {
		t.Fatal(diags)
	}
	// The server drops the trailing slash: the configured form stays, or
	// every apply would report an inconsistent result.
	if m.URL.ValueString() != "https://github.com/acme/" {
		t.Errorf("url = %s", m.URL)
	}
	// No status (a v1 server): null, not a failure.
	if !m.Status.IsNull() || verificationFailed(in.Status) {
		t.Errorf("status = %s", m.Status)
	}
	// No secret domain from the server: the integration's own scope.
	tok := integrationToken(ctx, m.Auth, new(diag.Diagnostics))
	if tok == nil || tok.Scope.ValueString() != scopeCanvas || tok.Secret.ValueString() != "gh" {
		t.Errorf("auth = %s", m.Auth)
	}
	if m.Verify.ValueBool() || m.Canvas.ValueString() != "prod" {
		t.Errorf("verify = %s, canvas = %s: not kept from prior", m.Verify, m.Canvas)
	}

	in.Spec.URL = "https://github.com/other"
	in.Spec.Auth.Token.ValueFrom.Secret.DomainType = api.DomainTypeOrganization
	m, _ = integrationModelFrom(ctx, in, prior)
	if m.URL.ValueString() != "https://github.com/other" {
		t.Errorf("a URL changed on the server must show: %s", m.URL)
	}
	if tok := integrationToken(ctx, m.Auth, new(diag.Diagnostics)); tok == nil || tok.Scope.ValueString() != scopeOrganization {
		t.Errorf("auth = %s, want the server's organization scope", m.Auth)
	}
}

func TestParseScopedImportID(t *testing.T) {
	canvas, name, err := parseScopedImportID("integration", "canvas/prod/github")
	if err != nil || canvas != "prod" || name != "github" {
		t.Errorf("canvas form: %q %q %v", canvas, name, err)
	}
	canvas, name, err = parseScopedImportID("integration", "organization/github")
	if err != nil || canvas != "" || name != "github" {
		t.Errorf("organization form: %q %q %v", canvas, name, err)
	}
	// Secrets import the same way.
	for _, id := range []string{"organization/db", "canvas/prod/db", "canvas/prod", "db"} {
		c1, n1, err1 := parseScopedImportID("secret", id)
		c2, n2, err2 := parseScopedImportID("secret", id)
		if c1 != c2 || n1 != n2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("%q: (%q, %q, %v) differs from the secret parser's (%q, %q, %v)", id, c1, n1, err1, c2, n2, err2)
		}
	}
	for _, id := range []string{"github", "organization/", "canvas/prod", "canvas//github", "canvas/prod/github/x"} {
		_, _, err := parseScopedImportID("integration", id)
		if err == nil || !strings.Contains(err.Error(), `"organization/<integration name>" or "canvas/<canvas id or name>/<integration name>"`) {
			t.Errorf("%q: err = %v", id, err)
		}
	}
}
