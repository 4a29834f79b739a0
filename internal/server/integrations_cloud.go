package server

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// cloudSpecToAPI puts a cloud integration's settings on the wire: its
// typed block (spec.aws) with the secret's current name and domain filled
// into the references the store keeps by key, and auth with its use only
// (a cloud integration has no token).
func cloudSpecToAPI(in store.Integration, spec *api.IntegrationSpec) {
	spec.Auth = &api.IntegrationAuth{Use: in.AuthType}
	if in.Type == api.IntegrationTypeAzure {
		azureSpecToAPI(in, spec)
		return
	}
	if in.Type == api.IntegrationTypeGCP {
		gcpSpecToAPI(in, spec)
		return
	}
	if in.Type == api.IntegrationTypeDatadog {
		datadogSpecToAPI(in, spec)
		return
	}
	if in.Type == api.IntegrationTypeMongoDBAtlas {
		mongoDBAtlasSpecToAPI(in, spec)
		return
	}
	if in.Type != api.IntegrationTypeAWS {
		return
	}
	var a api.AWSIntegration
	// Settings the service wrote always decode; a damaged column answers
	// what decodes (at worst an empty block) rather than failing the list.
	_ = json.Unmarshal(in.Settings, &a)
	if k := a.AccessKey; k != nil {
		for _, ref := range []*api.AuthToken{k.AccessKeyID, k.SecretAccessKey} {
			if ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
				ref.ValueFrom.Secret.Name, ref.ValueFrom.Secret.DomainType = in.SecretName, in.SecretDomainType
			}
		}
	}
	spec.AWS = &a
}
