package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// IntegrationTypeDatadog is the spec.type of a Datadog integration. A
// datadog integration has no URL: spec.datadog names its site and keys.
const IntegrationTypeDatadog = "datadog"

// EventSourceTypeDatadog is the spec.type of an event source fed by a
// webhook of Datadog's Webhooks integration (a monitor's @webhook-<name>).
const EventSourceTypeDatadog = "datadog"

// AuthTypeAPIKey is the auth type of a datadog integration: an API key and
// an application key, two keys of one secret.
const AuthTypeAPIKey = "AUTH_TYPE_API_KEY"

// DatadogResourceKind is what a datadog event source watches: the webhook
// of that name in Datadog's Webhooks integration (spec.resource.name).
const DatadogResourceKind = "webhook"

// DatadogSites are the Datadog sites an integration may name, in the order
// messages list them: US1, EU, US3, US5, AP1 and US1-FED (government).
func DatadogSites() []string {
	return []string{"datadoghq.com", "datadoghq.eu", "us3.datadoghq.com", "us5.datadoghq.com", "ap1.datadoghq.com", "ddog-gov.com"}
}

// DatadogAPIURL is the API base of a site: https://api.<site>.
func DatadogAPIURL(site string) string { return "https://api." + site }

// DatadogIntegration is spec.datadog (extension): the site and the two
// keys Datadog's API takes, DD-API-KEY and DD-APPLICATION-KEY. Both keys
// are keys of one secret.
type DatadogIntegration struct {
	// Site is the Datadog site the organization lives on (datadoghq.com,
	// datadoghq.eu, us3.datadoghq.com, ...): its API is at https://api.<site>.
	Site string `json:"site"`
	// APIKey names the secret key holding the API key.
	APIKey *AuthToken `json:"apiKey,omitempty"`
	// ApplicationKey names the secret key holding the application key.
	ApplicationKey *AuthToken `json:"applicationKey,omitempty"`
}

// datadogWebhookName is the shape of a webhook name in Datadog's Webhooks
// integration, which monitors mention as @webhook-<name>.
var datadogWebhookName = lazy(`^[A-Za-z0-9_-]{1,100}$`)

// ValidateDatadogWebhookName returns an error naming field unless name can
// be a webhook's name in Datadog (letters, digits, _ and -).
func ValidateDatadogWebhookName(field, name string) error {
	if !datadogWebhookName.MatchString(name) {
		return fmt.Errorf("%s %q is not a Datadog webhook name: 1 to 100 letters, digits, _ or - (monitors notify it as @webhook-<name>)", field, clipInput(name))
	}
	return nil
}

// ValidateDatadogIntegration returns an error naming the field (below
// field, "integration.spec.datadog") of the first rule d breaks. It checks
// shapes only: whether the secret exists is the server's to say.
func ValidateDatadogIntegration(field string, d *DatadogIntegration) error {
	if d == nil {
		return fmt.Errorf("%s is required for a datadog integration: site, apiKey and applicationKey", field)
	}
	sites := DatadogSites()
	if d.Site == "" {
		return fmt.Errorf("%s.site is required: one of %s", field, strings.Join(sites, ", "))
	}
	if !slices.Contains(sites, d.Site) {
		return fmt.Errorf("%s.site %q is not a Datadog site: expected one of %s", field, clipInput(d.Site), strings.Join(sites, ", "))
	}
	api, err := secretRef(field+".apiKey", d.APIKey)
	if err != nil {
		return err
	}
	app, err := secretRef(field+".applicationKey", d.ApplicationKey)
	if err != nil {
		return err
	}
	if app.Name != api.Name || normalDomain(app.DomainType) != normalDomain(api.DomainType) {
		return fmt.Errorf("%s.applicationKey.valueFrom.secret must name the same secret as apiKey (%q): keep both keys in one secret", field, clipInput(api.Name))
	}
	if app.Key == api.Key {
		return fmt.Errorf("%s.applicationKey.valueFrom.secret.key must differ from apiKey's key %q", field, clipInput(api.Key))
	}
	return nil
}

// DatadogSecretKeys are the keys of the integration's secret that stored
// datadog settings name (the API key's, then the application key's): the
// only values decrypted for a call.
func DatadogSecretKeys(settings []byte) []string {
	var d DatadogIntegration
	if json.Unmarshal(settings, &d) != nil {
		return nil
	}
	var keys []string
	for _, ref := range []*AuthToken{d.APIKey, d.ApplicationKey} {
		if ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
			keys = append(keys, ref.ValueFrom.Secret.Key)
		}
	}
	return keys
}
