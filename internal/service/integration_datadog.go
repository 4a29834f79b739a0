package service

import (
	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// datadogCloudSpec checks spec.datadog: the stored settings name the two
// keys of the secret only (the secret is the integration's, by id).
func datadogCloudSpec(spec *api.IntegrationSpec) (cloudSpec, error) {
	if err := api.ValidateDatadogIntegration("integration.spec.datadog", spec.Datadog); err != nil {
		return cloudSpec{}, Invalid("%s", err.Error())
	}
	stored := *spec.Datadog
	apiRef, appRef := spec.Datadog.APIKey.ValueFrom.Secret, spec.Datadog.ApplicationKey.ValueFrom.Secret
	stored.APIKey, stored.ApplicationKey = keyRef(apiRef.Key), keyRef(appRef.Key)
	return cloudSpec{settings: stored, secret: apiRef, field: "integration.spec.datadog.apiKey.valueFrom.secret",
		keys: []string{apiRef.Key, appRef.Key}, authType: api.AuthTypeAPIKey}, nil
}
