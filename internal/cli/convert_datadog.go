package cli

import "github.com/superplane/terraform-provider-superplane/internal/api"

// datadogIntegration writes the datadog block: the site, and the one
// secret whose two keys hold the API and application keys, named by
// secret and key only (as the other typed blocks name a stored
// credential: convert_cloud.go).
func (c *converter) datadogIntegration(m *manifest, r *hclBlock, d *api.DatadogIntegration) {
	if d == nil {
		c.warnf(m, "a datadog integration without spec.datadog: add the datadog block (site, secret, api_key_key and application_key_key)")
		return
	}
	b := r.child("datadog")
	b.str("site", d.Site)
	apiKey, appKey := awsKeyRef(d.APIKey), awsKeyRef(d.ApplicationKey)
	if apiKey == nil || appKey == nil {
		c.warnf(m, "spec.datadog without apiKey and applicationKey from a secret: add datadog.secret, api_key_key and application_key_key")
		return
	}
	// The block has one secret for both keys (the server refuses two).
	secretCanvas, scope := m.canvas, scopeOf(apiKey.DomainType)
	if scope == "organization" {
		secretCanvas = ""
	}
	b.expr("secret", c.secretRef(secretCanvas, apiKey.Name))
	b.str("api_key_key", apiKey.Key)
	b.str("application_key_key", appKey.Key)
	if m.canvas != "" && scope == "organization" {
		b.str("scope", scope)
	}
}
