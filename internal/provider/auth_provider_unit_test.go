package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestAuthProviderNoDomainsReadsNull: a server answering allowedEmailDomains
// as [] (any domain) reads back as the attribute left out, null, as one
// leaving it out does; domains read back as they are.
func TestAuthProviderNoDomainsReadsNull(t *testing.T) {
	for name, domains := range map[string][]string{"absent": nil, "[]": {}, "one": {"example.com"}} {
		var d diag.Diagnostics
		m := authProviderModelFrom(&api.AuthProvider{
			Metadata: &api.AuthProviderMetadata{ID: "id", Name: "sso"},
			Spec:     &api.AuthProviderSpec{Type: "google", AllowedEmailDomains: domains},
		}, types.Int64Null(), &d)
		if d.HasError() {
			t.Fatal(d)
		}
		got := m.AllowedEmailDomains
		if len(domains) == 0 && !got.IsNull() || len(domains) > 0 && len(got.Elements()) != len(domains) {
			t.Errorf("%s: allowed_email_domains = %s", name, got)
		}
	}
}
