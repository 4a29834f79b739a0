package service

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// mongoDBAtlasCloudSpec checks spec.mongodbAtlas: the stored settings name
// the secret's key only (the secret is the integration's, by id). An API
// key and a service account each take one value from the secret: the
// private key or the client secret; the public key and client id are not
// secrets and are stored as they are.
func mongoDBAtlasCloudSpec(spec *api.IntegrationSpec) (cloudSpec, error) {
	if err := api.ValidateMongoDBAtlasIntegration("integration.spec.mongodbAtlas", spec.MongoDBAtlas); err != nil {
		return cloudSpec{}, Invalid("%s", err.Error())
	}
	stored := *spec.MongoDBAtlas
	if k := spec.MongoDBAtlas.APIKey; k != nil {
		ref := k.PrivateKey.ValueFrom.Secret
		stored.APIKey = &api.MongoDBAtlasAPIKey{PublicKey: k.PublicKey, PrivateKey: keyRef(ref.Key)}
		return cloudSpec{settings: stored, secret: ref, field: "integration.spec.mongodbAtlas.apiKey.privateKey.valueFrom.secret",
			keys: []string{ref.Key}, authType: api.AuthTypeAtlasAPIKey}, nil
	}
	sa := spec.MongoDBAtlas.ServiceAccount
	ref := sa.ClientSecret.ValueFrom.Secret
	stored.ServiceAccount = &api.MongoDBAtlasServiceAccount{ClientID: sa.ClientID, ClientSecret: keyRef(ref.Key)}
	return cloudSpec{settings: stored, secret: ref, field: "integration.spec.mongodbAtlas.serviceAccount.clientSecret.valueFrom.secret",
		keys: []string{ref.Key}, authType: api.AuthTypeClientSecret}, nil
}

// mongoDBAtlasSecretKeys is the key of a mongodb_atlas integration's
// secret its stored settings name.
func mongoDBAtlasSecretKeys(in store.Integration) []string {
	var a api.MongoDBAtlasIntegration
	if json.Unmarshal(in.Settings, &a) != nil {
		return nil
	}
	if ref := api.MongoDBAtlasSecretRef(&a); ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		return []string{ref.ValueFrom.Secret.Key}
	}
	return nil
}
