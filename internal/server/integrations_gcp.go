package server

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// gcpSpecToAPI puts a gcp integration's settings on the wire (spec.gcp),
// the secret's current name and domain filled into the key file's
// reference, which the store keeps by key.
func gcpSpecToAPI(in store.Integration, spec *api.IntegrationSpec) {
	var g api.GCPIntegration
	// Settings the service wrote always decode; a damaged column answers
	// what decodes (at worst an empty block) rather than failing the list.
	_ = json.Unmarshal(in.Settings, &g)
	if ref := g.ServiceAccountKey; ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		ref.ValueFrom.Secret.Name, ref.ValueFrom.Secret.DomainType = in.SecretName, in.SecretDomainType
	}
	spec.GCP = &g
}
