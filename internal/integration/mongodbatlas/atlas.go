// Package mongodbatlas is the MongoDB Atlas integration type: an Atlas
// organization and either a programmatic API key (a public key, and a
// private key kept in a secret, sent with HTTP Digest authentication as
// Atlas requires) or a service account (a client id, and a client secret
// kept in a secret, exchanged at Atlas's OAuth token endpoint for a bearer
// token with the client credentials grant). Verification reads the
// organization (GET /api/atlas/v2/orgs/{orgId}); its name is what status
// shows. An http stage naming a mongodb_atlas integration has its request
// authenticated the same way, and only when it goes to the Atlas Admin API
// host. It has no event source.
//
// It speaks Digest (RFC 7616, MD5 or SHA-256, qop=auth) itself, in a
// hundred lines, through the guarded outbound client: no maintained module
// for it is on the proxy this project uses, and the official Atlas SDK
// would bring a generated client of the whole Admin API for one read.
package mongodbatlas

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// DefaultEndpointURL is the Atlas Admin API's host (and its OAuth token
// endpoint's).
const DefaultEndpointURL = "https://cloud.mongodb.com"

// Type is the MongoDB Atlas integration type.
type Type struct{}

var (
	_ integration.Type        = Type{}
	_ integration.Cloud       = Type{}
	_ integration.CloudSigner = Type{}
)

// Name is "mongodb_atlas".
func (Type) Name() string { return api.IntegrationTypeMongoDBAtlas }

// ValidateURL accepts only an empty URL: Atlas is at one host.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeMongoDBAtlas, rawURL)
}

// Verify fails: a mongodb_atlas integration has settings, not one token,
// and is verified through VerifyCloud.
func (Type) Verify(context.Context, *integration.Verifier, string, string) integration.Result {
	return integration.Fail("a mongodb_atlas integration is verified with its spec.mongodbAtlas settings, not a token")
}

// Authenticate does nothing: a stage's request is authenticated by
// SignRequest, which can answer Atlas's digest challenge or fetch a token.
func (Type) Authenticate(*http.Request, string) {}

// Settings decodes an integration's settings (api.MongoDBAtlasIntegration
// as JSON) and checks them with the API's rules.
func Settings(raw []byte) (api.MongoDBAtlasIntegration, error) {
	var s api.MongoDBAtlasIntegration
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, errors.New("the mongodb_atlas settings cannot be read")
	}
	// Stored settings name the secret's key only (the secret is the
	// integration's, by id); give the rule a name to check.
	check := s
	named := func(ref *api.AuthToken) *api.AuthToken {
		if ref == nil || ref.ValueFrom == nil || ref.ValueFrom.Secret == nil {
			return ref
		}
		cp := *ref.ValueFrom.Secret
		cp.Name, cp.DomainType = "secret", ""
		return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &cp}}
	}
	if k := s.APIKey; k != nil {
		check.APIKey = &api.MongoDBAtlasAPIKey{PublicKey: k.PublicKey, PrivateKey: named(k.PrivateKey)}
	}
	if sa := s.ServiceAccount; sa != nil {
		check.ServiceAccount = &api.MongoDBAtlasServiceAccount{ClientID: sa.ClientID, ClientSecret: named(sa.ClientSecret)}
	}
	if err := api.ValidateMongoDBAtlasIntegration("spec.mongodbAtlas", &check); err != nil {
		return s, err
	}
	return s, nil
}

// SecretKey is the key of the integration's secret holding the private
// key or the client secret.
func SecretKey(s api.MongoDBAtlasIntegration) string {
	if ref := api.MongoDBAtlasSecretRef(&s); ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		return ref.ValueFrom.Secret.Key
	}
	return ""
}

// atlasError is a failed call, in words a user can act on: Atlas's own
// error code and detail, or why it could not be reached. It holds no
// credential.
type atlasError struct{ reason string }

func (e *atlasError) Error() string { return e.reason }

// failed is an error whose text is reason.
func failed(reason string) error { return &atlasError{reason: reason} }
