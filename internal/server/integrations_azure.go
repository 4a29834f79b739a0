package server

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// azureSpecToAPI puts an azure integration's settings on the wire
// (spec.azure), the client secret's reference with the secret's current
// name and domain.
func azureSpecToAPI(in store.Integration, spec *api.IntegrationSpec) {
	var a api.AzureIntegration
	// Settings the service wrote always decode; a damaged column answers
	// what decodes rather than failing the list.
	_ = json.Unmarshal(in.Settings, &a)
	if ref := a.ClientSecret; ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		ref.ValueFrom.Secret.Name, ref.ValueFrom.Secret.DomainType = in.SecretName, in.SecretDomainType
	}
	spec.Azure = &a
}
