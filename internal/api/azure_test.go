package api_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestValidateAzureIntegration: each rule's message names the field, and
// a GUID tenant, a domain tenant and a sovereign cloud's audience pass.
func TestValidateAzureIntegration(t *testing.T) {
	const g = "11111111-2222-3333-4444-555555555555"
	secret := &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: "azure", Key: "client-secret"}}}
	ok := func(mod func(*api.AzureIntegration)) *api.AzureIntegration {
		a := &api.AzureIntegration{TenantID: g, ClientID: g, SubscriptionID: g, ClientSecret: secret}
		mod(a)
		return a
	}
	for name, a := range map[string]*api.AzureIntegration{
		"guid tenant":   ok(func(*api.AzureIntegration) {}),
		"domain tenant": ok(func(a *api.AzureIntegration) { a.TenantID = "contoso.onmicrosoft.com" }),
		"federated":     ok(func(a *api.AzureIntegration) { a.ClientSecret, a.Federated = nil, &api.AzureFederated{} }),
		"usgov": ok(func(a *api.AzureIntegration) {
			a.ClientSecret, a.Federated = nil, &api.AzureFederated{Audience: "api://AzureADTokenExchangeUSGov"}
		}),
	} {
		if err := api.ValidateAzureIntegration("spec.azure", a); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for want, a := range map[string]*api.AzureIntegration{
		"spec.azure is required":                              nil,
		"spec.azure.tenantId is required":                     ok(func(a *api.AzureIntegration) { a.TenantID = "" }),
		`spec.azure.tenantId "../x" is neither a GUID`:        ok(func(a *api.AzureIntegration) { a.TenantID = "../x" }),
		`spec.azure.clientId "abc" is not a GUID`:             ok(func(a *api.AzureIntegration) { a.ClientID = "abc" }),
		"spec.azure.subscriptionId is required":               ok(func(a *api.AzureIntegration) { a.SubscriptionID = "" }),
		"spec.azure: set clientSecret":                        ok(func(a *api.AzureIntegration) { a.ClientSecret = nil }),
		"spec.azure: set clientSecret or federated, not both": ok(func(a *api.AzureIntegration) { a.Federated = &api.AzureFederated{} }),
		"spec.azure.clientSecret.valueFrom.secret.key is required": ok(func(a *api.AzureIntegration) {
			a.ClientSecret = &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: "azure"}}}
		}),
		`spec.azure.federated.audience "sts.amazonaws.com"`: ok(func(a *api.AzureIntegration) {
			a.ClientSecret, a.Federated = nil, &api.AzureFederated{Audience: "sts.amazonaws.com"}
		}),
	} {
		err := api.ValidateAzureIntegration("spec.azure", a)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %v, want an error starting %q", err, want)
		}
	}
}
