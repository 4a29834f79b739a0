// Package datadog is the Datadog integration type: a site (US1, EU, US3,
// US5, AP1 or US1-FED) and two keys of one secret, the API key
// (DD-API-KEY) and the application key (DD-APPLICATION-KEY). It is verified
// by the key validation endpoint and an application-key call; an http stage
// naming the integration gets both headers, but only on requests to the
// site's own hosts; and a datadog event source is a webhook of Datadog's
// Webhooks integration pointing at this server, authenticated by the
// source's key in a custom header, so that a monitor's @webhook-<name>
// notification starts a stage.
package datadog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Datadog integration type.
type Type struct{}

var (
	_ integration.Type            = Type{}
	_ integration.Cloud           = Type{}
	_ integration.CloudSigner     = Type{}
	_ integration.Hooks           = Type{}
	_ integration.HookCredentials = Type{}
)

// Headers of Datadog's API keys.
const (
	HeaderAPIKey = "DD-API-KEY"
	HeaderAppKey = "DD-APPLICATION-KEY"
)

// Name is "datadog".
func (Type) Name() string { return api.IntegrationTypeDatadog }

// ValidateURL accepts only an empty URL: spec.datadog.site says where.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeDatadog, rawURL)
}

// Verify fails: a datadog integration has settings and two keys, not one
// token, and is verified through VerifyCloud.
func (Type) Verify(context.Context, *integration.Verifier, string, string) integration.Result {
	return integration.Fail("a datadog integration is verified with its spec.datadog settings, not a token")
}

// Authenticate does nothing: a stage's requests get the keys in
// SignRequest, and only for the site's hosts.
func (Type) Authenticate(*http.Request, string) {}

// keys are an integration's two keys, for one call.
type keys struct{ api, app string }

// settings reads the stored spec.datadog.
func settings(raw []byte) (api.DatadogIntegration, error) {
	var d api.DatadogIntegration
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, errors.New("the integration's datadog settings cannot be read")
	}
	return d, nil
}

// credentials returns the site and the two keys of c; the error names the
// missing key and never a value.
func credentials(c integration.CloudCredentials) (api.DatadogIntegration, keys, error) {
	d, err := settings(c.Settings)
	if err != nil {
		return d, keys{}, err
	}
	k, err := keysOf(d, c.Secret)
	return d, k, err
}

// keysOf picks the two keys out of the secret's values.
func keysOf(d api.DatadogIntegration, secret map[string]string) (keys, error) {
	var k keys
	for _, f := range []struct {
		ref  *api.AuthToken
		name string
		into *string
	}{{d.APIKey, "apiKey", &k.api}, {d.ApplicationKey, "applicationKey", &k.app}} {
		if f.ref == nil || f.ref.ValueFrom == nil || f.ref.ValueFrom.Secret == nil {
			return keys{}, errors.New("the integration's spec.datadog." + f.name + " names no secret key")
		}
		v := strings.TrimSpace(secret[f.ref.ValueFrom.Secret.Key])
		if v == "" {
			return keys{}, errors.New("the secret's key " + integration.Printable(f.ref.ValueFrom.Secret.Key) + " (spec.datadog." + f.name + ") is missing or empty")
		}
		*f.into = v
	}
	return k, nil
}

// apiBase is where the integration's API calls go: the server's override,
// else https://api.<site>.
func apiBase(v *integration.Verifier, site string) string {
	if v.DatadogAPIURL != "" {
		return strings.TrimSuffix(v.DatadogAPIURL, "/")
	}
	return api.DatadogAPIURL(site)
}

// HookCredentials gives the Hooks methods the API base of the site (or the
// override) and both keys as one token, "<api key>:<application key>"
// (Datadog's keys are hexadecimal, so the colon cannot be part of one).
func (Type) HookCredentials(v *integration.Verifier, raw []byte, secret map[string]string) (string, string, error) {
	d, err := settings(raw)
	if err != nil {
		return "", "", err
	}
	k, err := keysOf(d, secret)
	if err != nil {
		return "", "", err
	}
	return apiBase(v, d.Site), k.api + ":" + k.app, nil
}

// splitToken reads HookCredentials' token back.
func splitToken(token string) keys {
	a, b, _ := strings.Cut(token, ":")
	return keys{api: a, app: b}
}

// redact masks both keys (and any of also) in s, in every encoded form,
// and clips s for a Reason.
func redact(s string, k keys, also ...string) string {
	return integration.Redact(s, k.api, append([]string{k.app, k.api + ":" + k.app}, also...)...)
}
