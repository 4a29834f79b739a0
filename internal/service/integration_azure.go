package service

import (
	"encoding/json"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// azureCloudSpec checks spec.azure: the settings to store keep the client
// secret's key only (the secret itself is the integration's, by id).
func azureCloudSpec(spec *api.IntegrationSpec) (cloudSpec, error) {
	if err := api.ValidateAzureIntegration("integration.spec.azure", spec.Azure); err != nil {
		return cloudSpec{}, Invalid("%s", err.Error())
	}
	stored := *spec.Azure
	if ref := spec.Azure.ClientSecret; ref != nil {
		sec := ref.ValueFrom.Secret
		stored.ClientSecret = keyRef(sec.Key)
		return cloudSpec{settings: stored, secret: sec, field: "integration.spec.azure.clientSecret.valueFrom.secret",
			keys: []string{sec.Key}, authType: api.AuthTypeClientSecret}, nil
	}
	if stored.Federated != nil {
		fed := *stored.Federated
		stored.Federated = &fed
	}
	return cloudSpec{settings: stored, authType: api.AuthTypeWebIdentity}, nil
}

// azureSecretKeys is the key of an azure integration's secret its stored
// settings name (the client secret), if any.
func azureSecretKeys(in store.Integration) []string {
	var a api.AzureIntegration
	if json.Unmarshal(in.Settings, &a) != nil || a.ClientSecret == nil || a.ClientSecret.ValueFrom == nil || a.ClientSecret.ValueFrom.Secret == nil {
		return nil
	}
	return []string{a.ClientSecret.ValueFrom.Secret.Key}
}
