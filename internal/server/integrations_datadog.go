package server

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// datadogSpecToAPI puts a datadog integration's settings on the wire
// (spec.datadog), the secret's current name and domain filled into both
// key references, which the store keeps by key.
func datadogSpecToAPI(in store.Integration, spec *api.IntegrationSpec) {
	var d api.DatadogIntegration
	// Settings the service wrote always decode; a damaged column answers
	// what decodes (at worst an empty block) rather than failing the list.
	_ = json.Unmarshal(in.Settings, &d)
	for _, ref := range []*api.AuthToken{d.APIKey, d.ApplicationKey} {
		if ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
			ref.ValueFrom.Secret.Name, ref.ValueFrom.Secret.DomainType = in.SecretName, in.SecretDomainType
		}
	}
	spec.Datadog = &d
}
