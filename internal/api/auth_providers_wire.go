package api

import "time"

// AuthProvidersPath is the collection of an organization's auth providers
// (our extension; v1 has no such object).
const AuthProvidersPath = "/api/v1/auth-providers"

// CLISignInTokenPath is where the CLI trades the one-time code of a
// browser sign-in (and its PKCE verifier) for an API token.
const CLISignInTokenPath = "/api/v1/cli-sign-in/token"

// Auth provider types.
const (
	AuthProviderGitHub    = "github"
	AuthProviderEntra     = "entra"
	AuthProviderGoogle    = "google"
	AuthProviderBackstage = "backstage"
	AuthProviderGuest     = "guest"
)

// AuthProviderTypes lists the auth provider types in documentation order.
var AuthProviderTypes = []string{AuthProviderGitHub, AuthProviderEntra, AuthProviderGoogle, AuthProviderBackstage, AuthProviderGuest}

// AuthProvider is a way to sign in to the organization: metadata and a
// spec of its type's settings.
type AuthProvider struct {
	Metadata *AuthProviderMetadata `json:"metadata,omitempty"`
	Spec     *AuthProviderSpec     `json:"spec,omitempty"`
}

// AuthProviderMetadata is an auth provider's identity.
type AuthProviderMetadata struct {
	ID        string     `json:"id,omitempty"`
	Name      string     `json:"name,omitempty"`
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// AuthProviderSpec is an auth provider's settings. Which fields apply
// depends on Type: clientId and clientSecret for github, entra and google;
// tenant for entra; hostedDomain for google; allowedOrganization for
// github; url for backstage (its base URL), and for the others an override
// of the provider's public address (GitHub Enterprise, tests).
type AuthProviderSpec struct {
	Type                string              `json:"type,omitempty"`
	DisplayName         string              `json:"displayName,omitempty"`
	ClientID            string              `json:"clientId,omitempty"`
	ClientSecret        *AuthProviderSecret `json:"clientSecret,omitempty"`
	DefaultRole         string              `json:"defaultRole,omitempty"`
	AllowedEmailDomains []string            `json:"allowedEmailDomains,omitempty"`
	Tenant              string              `json:"tenant,omitempty"`
	HostedDomain        string              `json:"hostedDomain,omitempty"`
	AllowedOrganization string              `json:"allowedOrganization,omitempty"`
	URL                 string              `json:"url,omitempty"`
}

// AuthProviderSecret is where a client secret comes from: a key of an
// organization secret (secretName, key), or a value sent once and stored
// sealed. The value is write-only: answers leave it out and say valueSet.
type AuthProviderSecret struct {
	SecretName string `json:"secretName,omitempty"`
	Key        string `json:"key,omitempty"`
	Value      string `json:"value,omitempty"`
	ValueSet   bool   `json:"valueSet,omitempty"`
}

// AuthProviderRequest is the body of a create or update.
type AuthProviderRequest struct {
	AuthProvider *AuthProvider `json:"authProvider,omitempty"`
}

// AuthProviderResponse answers a create, describe or update.
type AuthProviderResponse struct {
	AuthProvider *AuthProvider `json:"authProvider,omitempty"`
}

// ListAuthProvidersResponse answers a list.
type ListAuthProvidersResponse struct {
	AuthProviders []AuthProvider `json:"authProviders"`
}

// CLISignInTokenRequest trades a browser sign-in's one-time code for an API
// token: the code came to the CLI's loopback listener, the verifier is the
// PKCE verifier whose S256 challenge the CLI put in the sign-in URL.
type CLISignInTokenRequest struct {
	Code     string `json:"code"`
	Verifier string `json:"verifier"`
}

// CLISignInTokenResponse is the API token of a CLI's browser sign-in,
// shown once.
type CLISignInTokenResponse struct {
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}
