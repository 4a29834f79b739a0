package engine

import (
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// gcpSecretKeys is the key of a gcp integration's secret holding the
// service account's key file (none for workload identity).
func gcpSecretKeys(in store.Integration) []string {
	g, err := store.DecodeJSON[api.GCPIntegration]("integration", in.ID, "settings", in.Settings)
	if err != nil || g.ServiceAccountKey == nil || g.ServiceAccountKey.ValueFrom == nil || g.ServiceAccountKey.ValueFrom.Secret == nil {
		return nil
	}
	return []string{g.ServiceAccountKey.ValueFrom.Secret.Key}
}
