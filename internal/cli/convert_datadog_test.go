package cli

import (
	"strings"
	"testing"
)

// TestConvertDatadogIntegration: a datadog integration becomes its datadog
// block (the site, the secret by reference and the two keys' names, never
// a key's value), a datadog source keeps its integration and webhook, and
// an integration without its settings or its secret references is written
// with a warning naming what to add. The HCL passes terraform validate with
// the provider of this tree when terraform is installed.
func TestConvertDatadogIntegration(t *testing.T) {
	c := loggedOut(t)
	c.stdin = `kind: Secret
metadata: {name: dd-keys}
spec: {provider: PROVIDER_LOCAL, local: {data: {api: manifest-datadog-api-value, app: manifest-datadog-app-value}}}
---
kind: Integration
metadata: {name: datadog-eu}
spec:
  type: datadog
  datadog:
    site: datadoghq.eu
    apiKey: {valueFrom: {secret: {domainType: DOMAIN_TYPE_ORGANIZATION, name: dd-keys, key: api}}}
    applicationKey: {valueFrom: {secret: {domainType: DOMAIN_TYPE_ORGANIZATION, name: dd-keys, key: app}}}
---
kind: Canvas
metadata: {name: alerts}
---
kind: EventSource
metadata: {name: checkout, canvasName: alerts}
spec: {type: datadog, integration: {name: datadog-eu}, resource: {type: webhook, name: superplane-checkout}}
`
	r := c.run("convert", "-")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("convert: exit %d\n%s", r.code, r.stderr)
	}
	for _, v := range []string{"manifest-datadog-api-value", "manifest-datadog-app-value"} {
		if strings.Contains(r.stdout+r.stderr, v) {
			t.Errorf("convert wrote the key %q", v)
		}
	}
	for _, want := range []string{
		"  type = \"datadog\"\n",
		"  datadog {\n    site                = \"datadoghq.eu\"\n    secret              = superplane_secret.dd_keys.name\n    api_key_key         = \"api\"\n    application_key_key = \"app\"\n  }\n",
		"integration = superplane_integration.datadog_eu.name",
		"superplane-checkout",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the HCL lacks\n%s\nin\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "auth {") || strings.Contains(r.stdout, "url ") {
		t.Errorf("a datadog integration has neither auth nor url:\n%s", r.stdout)
	}

	for doc, want := range map[string]string{
		"kind: Integration\nmetadata: {name: d}\nspec: {type: datadog}\n":                                 "without spec.datadog: add the datadog block",
		"kind: Integration\nmetadata: {name: d}\nspec: {type: datadog, datadog: {site: datadoghq.com}}\n": "add datadog.secret, api_key_key and application_key_key",
	} {
		c.stdin = doc
		if w := c.run("convert", "-"); w.code != 0 || !strings.Contains(w.stderr, want) {
			t.Errorf("convert of %q: exit %d, want a warning %q:\n%s", doc, w.code, want, w.stderr)
		}
	}

	validateConverted(t, r.stdout)
}
