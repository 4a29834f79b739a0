package engine

import (
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// mongoDBAtlasSecretKeys is the key of a mongodb_atlas integration's secret
// holding its private key or client secret.
func mongoDBAtlasSecretKeys(in store.Integration) []string {
	a, err := store.DecodeJSON[api.MongoDBAtlasIntegration]("integration", in.ID, "settings", in.Settings)
	if err != nil {
		return nil
	}
	if ref := api.MongoDBAtlasSecretRef(&a); ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		return []string{ref.ValueFrom.Secret.Key}
	}
	return nil
}
