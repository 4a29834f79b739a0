// Package azure is the Azure integration type: a Microsoft Entra tenant, an
// application (client) id and a subscription, with either the
// application's client secret kept in a secret, or a federated credential
// (workload identity federation: an ID token of this server's OIDC issuer,
// audience api://AzureADTokenExchange, sent as the client assertion; no
// Azure secret stored at all). Verification is a token for Azure Resource
// Manager and a read of the subscription; its name, id and tenant are what
// status shows. An http stage naming an azure integration gets a bearer
// token for the scope its spec names.
//
// It speaks Entra's OAuth 2.0 client credentials grant (v2.0 token
// endpoint) itself, through the guarded outbound client, rather than
// through azidentity: that module's MSAL core accepts only an https
// authority and first discovers the tenant's metadata from it, so a
// loopback fake could be reached only by also teaching the guarded client
// to trust a test CA; and for one documented form POST it would bring MSAL,
// a JWT library and more into the server. The server's own Azure identity
// (environment, managed identity, CLI login) is never consulted.
package azure

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Azure integration type.
type Type struct{}

var (
	_ integration.Type        = Type{}
	_ integration.Cloud       = Type{}
	_ integration.CloudSigner = Type{}
)

// Name is "azure".
func (Type) Name() string { return api.IntegrationTypeAzure }

// ValidateURL accepts only an empty URL: spec.azure says where Azure is.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeAzure, rawURL)
}

// Verify fails: an azure integration has settings, not one token, and is
// verified through VerifyCloud.
func (Type) Verify(context.Context, *integration.Verifier, string, string) integration.Result {
	return integration.Fail("an azure integration is verified with its spec.azure settings, not a token")
}

// Authenticate does nothing: a stage's request gets its bearer token from
// SignRequest, which can fetch one.
func (Type) Authenticate(*http.Request, string) {}

// Settings decodes an integration's settings (api.AzureIntegration as
// JSON) and checks them with the API's rules.
func Settings(raw []byte) (api.AzureIntegration, error) {
	var s api.AzureIntegration
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, errors.New("the azure settings cannot be read")
	}
	// Stored settings name the secret's key only (the secret is the
	// integration's, by id); give the rule a name to check.
	check := s
	if ref := s.ClientSecret; ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		cp := *ref.ValueFrom.Secret
		cp.Name, cp.DomainType = "secret", ""
		check.ClientSecret = &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &cp}}
	}
	if err := api.ValidateAzureIntegration("spec.azure", &check); err != nil {
		return s, err
	}
	return s, nil
}

// SecretKey is the key of the integration's secret that holds the client
// secret, "" when it uses a federated credential.
func SecretKey(s api.AzureIntegration) string {
	if ref := s.ClientSecret; ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		return ref.ValueFrom.Secret.Key
	}
	return ""
}
