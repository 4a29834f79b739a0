package server

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// mongoDBAtlasSpecToAPI puts a mongodb_atlas integration's settings on the
// wire (spec.mongodbAtlas), the secret reference with the secret's current
// name and domain.
func mongoDBAtlasSpecToAPI(in store.Integration, spec *api.IntegrationSpec) {
	var a api.MongoDBAtlasIntegration
	// Settings the service wrote always decode; a damaged column answers
	// what decodes rather than failing the list.
	_ = json.Unmarshal(in.Settings, &a)
	if ref := api.MongoDBAtlasSecretRef(&a); ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		ref.ValueFrom.Secret.Name, ref.ValueFrom.Secret.DomainType = in.SecretName, in.SecretDomainType
	}
	spec.MongoDBAtlas = &a
}
