package api_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestValidateMongoDBAtlasIntegration: an API key and a service account
// pass; each broken rule's message names the field.
func TestValidateMongoDBAtlasIntegration(t *testing.T) {
	const org = "5f0a1b2c3d4e5f6a7b8c9d0e"
	secret := func() *api.AuthToken {
		return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: "atlas", Key: "private-key"}}}
	}
	key := func(mod func(*api.MongoDBAtlasIntegration)) *api.MongoDBAtlasIntegration {
		a := &api.MongoDBAtlasIntegration{OrganizationID: org, APIKey: &api.MongoDBAtlasAPIKey{PublicKey: "abcdefgh", PrivateKey: secret()}}
		mod(a)
		return a
	}
	sa := &api.MongoDBAtlasServiceAccount{ClientID: "mdb_sa_id_0123456789abcdef01234567", ClientSecret: secret()}
	for name, a := range map[string]*api.MongoDBAtlasIntegration{
		"api key":         key(func(*api.MongoDBAtlasIntegration) {}),
		"service account": key(func(a *api.MongoDBAtlasIntegration) { a.APIKey, a.ServiceAccount = nil, sa }),
	} {
		if err := api.ValidateMongoDBAtlasIntegration("spec.mongodbAtlas", a); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for want, a := range map[string]*api.MongoDBAtlasIntegration{
		"spec.mongodbAtlas is required":                                    nil,
		"spec.mongodbAtlas.organizationId is required":                     key(func(a *api.MongoDBAtlasIntegration) { a.OrganizationID = "" }),
		`spec.mongodbAtlas.organizationId "acme" is not`:                   key(func(a *api.MongoDBAtlasIntegration) { a.OrganizationID = "acme" }),
		"spec.mongodbAtlas: set apiKey":                                    key(func(a *api.MongoDBAtlasIntegration) { a.APIKey = nil }),
		"spec.mongodbAtlas: set apiKey or serviceAccount, not both":        key(func(a *api.MongoDBAtlasIntegration) { a.ServiceAccount = sa }),
		"spec.mongodbAtlas.apiKey.publicKey is required":                   key(func(a *api.MongoDBAtlasIntegration) { a.APIKey.PublicKey = "" }),
		`spec.mongodbAtlas.apiKey.publicKey "AB:CD" is not`:                key(func(a *api.MongoDBAtlasIntegration) { a.APIKey.PublicKey = "AB:CD" }),
		"spec.mongodbAtlas.apiKey.privateKey.valueFrom.secret is required": key(func(a *api.MongoDBAtlasIntegration) { a.APIKey.PrivateKey = nil }),
		"spec.mongodbAtlas.serviceAccount.clientId is required": key(func(a *api.MongoDBAtlasIntegration) {
			a.APIKey, a.ServiceAccount = nil, &api.MongoDBAtlasServiceAccount{ClientSecret: secret()}
		}),
		`spec.mongodbAtlas.serviceAccount.clientId "client" is not`: key(func(a *api.MongoDBAtlasIntegration) {
			a.APIKey, a.ServiceAccount = nil, &api.MongoDBAtlasServiceAccount{ClientID: "client", ClientSecret: secret()}
		}),
		"spec.mongodbAtlas.serviceAccount.clientSecret.valueFrom.secret.name is required": key(func(a *api.MongoDBAtlasIntegration) {
			a.APIKey, a.ServiceAccount = nil, &api.MongoDBAtlasServiceAccount{ClientID: sa.ClientID,
				ClientSecret: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Key: "k"}}}}
		}),
	} {
		err := api.ValidateMongoDBAtlasIntegration("spec.mongodbAtlas", a)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %v, want an error starting %q", err, want)
		}
	}
	if err := api.ValidateIntegrationURL("spec.url", api.IntegrationTypeMongoDBAtlas, "https://cloud.mongodb.com"); err == nil || !strings.Contains(err.Error(), "must be empty") {
		t.Errorf("a URL on a mongodb_atlas integration: %v, want must be empty", err)
	}
}
