package api

import (
	"fmt"
	"strings"
)

// IntegrationTypeAzure is the spec.type of an Azure integration. An Azure
// integration has no URL: spec.azure holds its tenant, application and
// subscription.
const IntegrationTypeAzure = "azure"

// AuthTypeClientSecret is the auth type of an Azure integration whose
// application authenticates with a client secret kept in a secret.
const AuthTypeClientSecret = "AUTH_TYPE_CLIENT_SECRET"

// AzureAudience is the audience (aud) of the ID tokens this server mints
// for Microsoft Entra ID's workload identity federation, the value a user
// registers as the federated credential's audience in the public cloud.
const AzureAudience = "api://AzureADTokenExchange"

// AzureManagementScope is the scope of the tokens that verify an Azure
// integration (Azure Resource Manager), and the scope an http stage's token
// has when its spec names none.
const AzureManagementScope = "https://management.azure.com/.default"

// AzureIntegration is spec.azure (extension): as which application of
// which Microsoft Entra tenant an Azure integration calls Azure, and the
// subscription it is for. Exactly one of ClientSecret and Federated is set.
type AzureIntegration struct {
	// TenantID is the Entra tenant (directory) id: a GUID, or a verified
	// domain such as contoso.onmicrosoft.com.
	TenantID string `json:"tenantId"`
	// ClientID is the application (client) id of the app registration or
	// user-assigned managed identity: a GUID.
	ClientID string `json:"clientId"`
	// SubscriptionID is the subscription verification reads: a GUID.
	SubscriptionID string `json:"subscriptionId"`
	// ClientSecret is the application's client secret, from a secret.
	ClientSecret *AuthToken `json:"clientSecret,omitempty"`
	// Federated authenticates with an ID token of this server as the
	// client assertion: no Azure secret stored at all.
	Federated *AzureFederated `json:"federated,omitempty"`
}

// AzureFederated is a federated credential: the application trusts this
// server's issuer for the integration's (or stage's) subject.
type AzureFederated struct {
	// Audience is the ID token's audience, as the federated credential
	// names it; "" means api://AzureADTokenExchange (the public cloud;
	// sovereign clouds use api://AzureADTokenExchangeUSGov and the like).
	Audience string `json:"audience,omitempty"`
}

var (
	guidPattern        = lazy(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tenantDomain       = lazy(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)
	azureAudiencePfx   = "api://AzureADTokenExchange"
	azureAudienceChars = lazy(`^[A-Za-z0-9:/._-]{1,200}$`)
)

// AudienceOf returns the ID token audience of a federated credential.
func (f *AzureFederated) AudienceOf() string {
	if f == nil || f.Audience == "" {
		return AzureAudience
	}
	return f.Audience
}

// validateGUID returns an error naming field unless s is a GUID.
func validateGUID(field, what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is required: the %s, a GUID such as 00000000-0000-0000-0000-000000000000", field, what)
	}
	if !guidPattern.MatchString(s) {
		return fmt.Errorf("%s %q is not a GUID: the %s looks like 00000000-0000-0000-0000-000000000000", field, clipInput(s), what)
	}
	return nil
}

// ValidateAzureIntegration returns an error naming the field (below field,
// "integration.spec.azure") of the first rule a breaks. It checks shapes
// only: whether the secret exists is the server's to say.
func ValidateAzureIntegration(field string, a *AzureIntegration) error {
	if a == nil {
		return fmt.Errorf("%s is required for an azure integration: tenantId, clientId, subscriptionId and clientSecret or federated", field)
	}
	if a.TenantID == "" {
		return fmt.Errorf("%s.tenantId is required: the Microsoft Entra tenant id (a GUID) or a verified domain", field)
	}
	if !guidPattern.MatchString(a.TenantID) && (len(a.TenantID) > 253 || !tenantDomain.MatchString(a.TenantID)) {
		return fmt.Errorf("%s.tenantId %q is neither a GUID nor a domain such as contoso.onmicrosoft.com", field, clipInput(a.TenantID))
	}
	if err := validateGUID(field+".clientId", "application (client) id", a.ClientID); err != nil {
		return err
	}
	if err := validateGUID(field+".subscriptionId", "subscription id", a.SubscriptionID); err != nil {
		return err
	}
	switch {
	case a.ClientSecret == nil && a.Federated == nil:
		return fmt.Errorf("%s: set clientSecret (the application's secret, from a secret) or federated (this server's ID token as the client assertion)", field)
	case a.ClientSecret != nil && a.Federated != nil:
		return fmt.Errorf("%s: set clientSecret or federated, not both", field)
	case a.ClientSecret != nil:
		if _, err := secretRef(field+".clientSecret", a.ClientSecret); err != nil {
			return err
		}
	default:
		if aud := a.Federated.Audience; aud != "" && (!strings.HasPrefix(aud, azureAudiencePfx) || !azureAudienceChars.MatchString(aud)) {
			return fmt.Errorf("%s.federated.audience %q is not an Entra token exchange audience: expected %s (or a sovereign cloud's, such as api://AzureADTokenExchangeUSGov)", field, clipInput(aud), AzureAudience)
		}
	}
	return nil
}
