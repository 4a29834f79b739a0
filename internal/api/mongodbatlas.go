package api

import (
	"fmt"
)

// IntegrationTypeMongoDBAtlas is the spec.type of a MongoDB Atlas
// integration. It has no URL: spec.mongodbAtlas holds its organization and
// credentials, and every call goes to Atlas's Admin API host.
const IntegrationTypeMongoDBAtlas = "mongodb_atlas"

// AuthTypeAtlasAPIKey is the auth type of a mongodb_atlas integration
// whose credentials are a programmatic API key: a public key and a private
// key kept in a secret, sent with HTTP Digest authentication. A service
// account (OAuth client credentials) is AuthTypeClientSecret.
const AuthTypeAtlasAPIKey = "AUTH_TYPE_API_KEY_PAIR"

// MongoDBAtlasAcceptHeader is the versioned media type of the Atlas Admin
// API v2 that verification asks for, and that a stage's request asks for
// when its headers ask for plain application/json.
const MongoDBAtlasAcceptHeader = "application/vnd.atlas.2023-01-01+json"

// MongoDBAtlasIntegration is spec.mongodbAtlas (extension): which Atlas
// organization an integration is for and how it authenticates. Exactly
// one of APIKey and ServiceAccount is set.
type MongoDBAtlasIntegration struct {
	// OrganizationID is the Atlas organization id (24 hexadecimal
	// digits), read on verification.
	OrganizationID string `json:"organizationId"`
	// APIKey is a programmatic API key (HTTP Digest).
	APIKey *MongoDBAtlasAPIKey `json:"apiKey,omitempty"`
	// ServiceAccount is an Atlas service account (OAuth 2.0 client
	// credentials for a bearer token).
	ServiceAccount *MongoDBAtlasServiceAccount `json:"serviceAccount,omitempty"`
}

// MongoDBAtlasAPIKey is a programmatic API key: the public key is its
// user name (shown in Atlas, not a secret), the private key its password.
type MongoDBAtlasAPIKey struct {
	PublicKey  string     `json:"publicKey"`
	PrivateKey *AuthToken `json:"privateKey,omitempty"`
}

// MongoDBAtlasServiceAccount is a service account: its client id (not a
// secret) and its client secret, from a secret.
type MongoDBAtlasServiceAccount struct {
	ClientID     string     `json:"clientId"`
	ClientSecret *AuthToken `json:"clientSecret,omitempty"`
}

var (
	atlasOrgPattern       = lazy(`^[0-9a-f]{24}$`)
	atlasPublicKeyPattern = lazy(`^[a-z0-9]{8,64}$`)
	atlasClientIDPattern  = lazy(`^mdb_sa_id_[A-Za-z0-9]{1,64}$`)
)

// ValidateMongoDBAtlasIntegration returns an error naming the field (below
// field, "integration.spec.mongodbAtlas") of the first rule a breaks. It
// checks shapes only: whether the secret exists is the server's to say.
func ValidateMongoDBAtlasIntegration(field string, a *MongoDBAtlasIntegration) error {
	if a == nil {
		return fmt.Errorf("%s is required for a mongodb_atlas integration: organizationId and apiKey or serviceAccount", field)
	}
	if a.OrganizationID == "" {
		return fmt.Errorf("%s.organizationId is required: the Atlas organization id, 24 hexadecimal digits", field)
	}
	if !atlasOrgPattern.MatchString(a.OrganizationID) {
		return fmt.Errorf("%s.organizationId %q is not an Atlas organization id: 24 lowercase hexadecimal digits", field, clipInput(a.OrganizationID))
	}
	switch {
	case a.APIKey == nil && a.ServiceAccount == nil:
		return fmt.Errorf("%s: set apiKey (a programmatic API key: publicKey and privateKey from a secret) or serviceAccount (clientId and clientSecret from a secret)", field)
	case a.APIKey != nil && a.ServiceAccount != nil:
		return fmt.Errorf("%s: set apiKey or serviceAccount, not both", field)
	case a.APIKey != nil:
		if a.APIKey.PublicKey == "" {
			return fmt.Errorf("%s.apiKey.publicKey is required: the API key's public key", field)
		}
		if !atlasPublicKeyPattern.MatchString(a.APIKey.PublicKey) {
			return fmt.Errorf("%s.apiKey.publicKey %q is not an Atlas public key: 8 or more lowercase letters and digits", field, clipInput(a.APIKey.PublicKey))
		}
		_, err := secretRef(field+".apiKey.privateKey", a.APIKey.PrivateKey)
		return err
	}
	if a.ServiceAccount.ClientID == "" {
		return fmt.Errorf("%s.serviceAccount.clientId is required: the service account's client id (mdb_sa_id_...)", field)
	}
	if !atlasClientIDPattern.MatchString(a.ServiceAccount.ClientID) {
		return fmt.Errorf("%s.serviceAccount.clientId %q is not a service account client id: mdb_sa_id_ and letters or digits", field, clipInput(a.ServiceAccount.ClientID))
	}
	_, err := secretRef(field+".serviceAccount.clientSecret", a.ServiceAccount.ClientSecret)
	return err
}

// MongoDBAtlasSecretRef is the secret reference a's credentials take their
// secret value from (the private key or the client secret), nil when it
// names none.
func MongoDBAtlasSecretRef(a *MongoDBAtlasIntegration) *AuthToken {
	switch {
	case a == nil:
		return nil
	case a.APIKey != nil:
		return a.APIKey.PrivateKey
	case a.ServiceAccount != nil:
		return a.ServiceAccount.ClientSecret
	}
	return nil
}
