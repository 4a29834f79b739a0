package service

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// gcpCloudSpec checks spec.gcp: the stored settings name the key file's
// key of the secret only (the secret is the integration's, by id).
func gcpCloudSpec(spec *api.IntegrationSpec) (cloudSpec, error) {
	if err := api.ValidateGCPIntegration("integration.spec.gcp", spec.GCP); err != nil {
		return cloudSpec{}, Invalid("%s", err.Error())
	}
	stored := *spec.GCP
	if k := spec.GCP.ServiceAccountKey; k != nil {
		ref := k.ValueFrom.Secret
		stored.ServiceAccountKey = keyRef(ref.Key)
		return cloudSpec{settings: stored, secret: ref, field: "integration.spec.gcp.serviceAccountKey.valueFrom.secret",
			keys: []string{ref.Key}, authType: api.AuthTypeServiceAccountKey}, nil
	}
	return cloudSpec{settings: stored, authType: api.AuthTypeWebIdentity}, nil
}

// gcpSecretKeys is the key of the integration's secret holding the service
// account's key file, when it uses one.
func gcpSecretKeys(in store.Integration) []string {
	var g api.GCPIntegration
	if json.Unmarshal(in.Settings, &g) != nil || g.ServiceAccountKey == nil || g.ServiceAccountKey.ValueFrom == nil || g.ServiceAccountKey.ValueFrom.Secret == nil {
		return nil
	}
	return []string{g.ServiceAccountKey.ValueFrom.Secret.Key}
}
