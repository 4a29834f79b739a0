package api_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

func ddRef(name, key string) *api.AuthToken {
	return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: name, Key: key}}}
}

// TestValidateDatadogIntegration: each broken rule is named by its field.
func TestValidateDatadogIntegration(t *testing.T) {
	ok := api.DatadogIntegration{Site: "datadoghq.eu", APIKey: ddRef("dd", "api"), ApplicationKey: ddRef("dd", "app")}
	if err := api.ValidateDatadogIntegration("spec.datadog", &ok); err != nil {
		t.Fatalf("valid settings: %v", err)
	}
	for _, site := range api.DatadogSites() {
		d := ok
		d.Site = site
		if err := api.ValidateDatadogIntegration("spec.datadog", &d); err != nil {
			t.Errorf("site %s: %v", site, err)
		}
	}
	for _, c := range []struct {
		name string
		edit func(*api.DatadogIntegration)
		want string
	}{
		{"no site", func(d *api.DatadogIntegration) { d.Site = "" }, "spec.datadog.site is required"},
		{"unknown site", func(d *api.DatadogIntegration) { d.Site = "datadoghq.evil.example" }, `spec.datadog.site "datadoghq.evil.example" is not a Datadog site`},
		{"api.<site>", func(d *api.DatadogIntegration) { d.Site = "api.datadoghq.com" }, "is not a Datadog site"},
		{"no api key", func(d *api.DatadogIntegration) { d.APIKey = nil }, "spec.datadog.apiKey.valueFrom.secret is required"},
		{"no app key", func(d *api.DatadogIntegration) { d.ApplicationKey = nil }, "spec.datadog.applicationKey.valueFrom.secret is required"},
		{"two secrets", func(d *api.DatadogIntegration) { d.ApplicationKey = ddRef("other", "app") }, "must name the same secret as apiKey"},
		{"one key twice", func(d *api.DatadogIntegration) { d.ApplicationKey = ddRef("dd", "api") }, "must differ from apiKey's key"},
	} {
		d := ok
		c.edit(&d)
		if err := api.ValidateDatadogIntegration("spec.datadog", &d); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if err := api.ValidateDatadogIntegration("spec.datadog", nil); err == nil || !strings.Contains(err.Error(), "spec.datadog is required") {
		t.Errorf("nil: %v", err)
	}
	if err := api.ValidateIntegrationURL("spec.url", "datadog", "https://api.datadoghq.com"); err == nil {
		t.Error("a datadog integration took a URL")
	}
	for name, valid := range map[string]bool{"superplane-rollback": true, "a_b-1": true, "": false, "has space": false, "@webhook-x": false, strings.Repeat("a", 101): false} {
		if err := api.ValidateDatadogWebhookName("spec.resource.name", name); (err == nil) != valid {
			t.Errorf("webhook name %q: %v", name, err)
		}
	}
}
