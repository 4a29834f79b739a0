package engine

import (
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// azureSecretKeys is the key of an azure integration's secret that holds
// its client secret, if it uses one.
func azureSecretKeys(in store.Integration) []string {
	a, err := store.DecodeJSON[api.AzureIntegration]("integration", in.ID, "settings", in.Settings)
	if err != nil || a.ClientSecret == nil || a.ClientSecret.ValueFrom == nil || a.ClientSecret.ValueFrom.Secret == nil {
		return nil
	}
	return []string{a.ClientSecret.ValueFrom.Secret.Key}
}
