package datadog

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// TokenHeader is the custom header in which Datadog sends a source's key
// with every delivery: Datadog does not sign webhooks, so the receiver
// compares this header with the source's keys in constant time before it
// reads the body. Its name holds "token", so it is never stored with an
// event.
const TokenHeader = "X-Superplane-Token"

// DefaultPayload is the body Datadog posts for a source, built from the
// Webhooks integration's variables: id is the Datadog event's id ($ID),
// the same in every retry of one notification, so a retry has the same
// body and is recognised by it (Datadog sends no delivery id);
// alert_transition is Triggered, Recovered, Warn, No Data, Re-Triggered
// and so on.
const DefaultPayload = `{"id":"$ID","alert_id":"$ALERT_ID","alert_title":"$ALERT_TITLE","alert_transition":"$ALERT_TRANSITION","alert_type":"$ALERT_TYPE","alert_status":"$ALERT_STATUS","alert_priority":"$ALERT_PRIORITY","alert_metric":"$ALERT_METRIC","alert_scope":"$ALERT_SCOPE","alert_query":"$ALERT_QUERY","event_title":"$EVENT_TITLE","event_type":"$EVENT_TYPE","body":"$EVENT_MSG","tags":"$TAGS","hostname":"$HOSTNAME","link":"$LINK","date":"$DATE","last_updated":"$LAST_UPDATED","org":{"id":"$ORG_ID","name":"$ORG_NAME"}}`

// EventType is the event type of every delivery of a datadog source: a
// monitor notification (the payload's alert_transition says which).
const EventType = "alert"

// ResourceKind is "webhook": a source names the webhook of Datadog's
// Webhooks integration that monitors notify as @webhook-<name>.
func (Type) ResourceKind() string { return api.DatadogResourceKind }

// DefaultEvents is nil: a webhook receives whatever the monitors that
// mention it send.
func (Type) DefaultEvents() []string { return nil }

// DeliveryIDs is false: Datadog names no delivery, so a retry is
// recognised by its body (which carries the event's $ID).
func (Type) DeliveryIDs() bool { return false }

// webhookJSON is a webhook of Datadog's Webhooks integration as its API
// documents it: custom_headers and payload are JSON held in strings.
type webhookJSON struct {
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	Payload       *string `json:"payload"`
	CustomHeaders *string `json:"custom_headers"`
	EncodeAs      string  `json:"encode_as"`
}

// webhookPath is the API path of the webhook called name.
func webhookPath(name string) string {
	return "/api/v1/integration/webhooks/configuration/webhooks/" + url.PathEscape(name)
}

// wantWebhook is the webhook SuperPlane makes for a source.
func wantWebhook(name string, want integration.Hook) (webhookJSON, error) {
	headers, err := json.Marshal(map[string]string{TokenHeader: want.Secret})
	if err != nil {
		return webhookJSON{}, err
	}
	h, p := string(headers), DefaultPayload
	return webhookJSON{Name: name, URL: want.CallbackURL, Payload: &p, CustomHeaders: &h, EncodeAs: "json"}, nil
}

// EnsureHook makes the Datadog webhook called name deliver to
// want.CallbackURL as SuperPlane made it: JSON encoding, the default
// payload and the source's key in TokenHeader. It reads the webhook by
// name first, so a retried provisioning never fails on "already exists";
// a webhook of that name delivering elsewhere is somebody else's and is
// left alone (the source fails, naming it) unless knownID says SuperPlane
// made it. pushSecret writes the key even when the webhook looks right.
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, base, token, name string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	k := splitToken(token)
	if err := api.ValidateDatadogWebhookName("the source's resource name", name); err != nil {
		return integration.HookResult{}, &integration.HookError{Reason: err.Error()}
	}
	c := newClient(v, base, k)
	body, err := wantWebhook(name, want)
	if err != nil {
		return integration.HookResult{}, err
	}
	var have webhookJSON
	err = c.do(ctx, http.MethodGet, webhookPath(name), nil, &have, false)
	switch {
	case statusOf(err) == http.StatusNotFound:
		if err := c.do(ctx, http.MethodPost, "/api/v1/integration/webhooks/configuration/webhooks", body, nil, false); err != nil {
			return integration.HookResult{}, hookError(err, k, name, want.Secret)
		}
		return integration.HookResult{ID: name, Created: true, Repaired: knownID != ""}, nil
	case err != nil:
		return integration.HookResult{}, hookError(err, k, name, want.Secret)
	}
	if have.URL != want.CallbackURL && knownID != name {
		return integration.HookResult{}, &integration.HookError{Reason: fmt.Sprintf("Datadog already has a webhook named %s that delivers to another URL: it is not this source's; name another webhook", name)}
	}
	diffs := webhookDiffs(have, want.CallbackURL, want.Secret)
	if len(diffs) == 0 && !pushSecret {
		return integration.HookResult{ID: name}, nil
	}
	if err := c.do(ctx, http.MethodPut, webhookPath(name), body, nil, false); err != nil {
		return integration.HookResult{}, hookError(err, k, name, want.Secret)
	}
	return integration.HookResult{ID: name, Repaired: len(diffs) > 0}, nil
}

// CheckHook reads the webhook called name and says whether it is there as
// SuperPlane made it, changing nothing. The key itself is not compared
// (the check has none); that a key header is there is.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, base, token, name string, want integration.Hook, _ string) (integration.HookCheck, error) {
	k := splitToken(token)
	c := newClient(v, base, k)
	var have webhookJSON
	err := c.do(ctx, http.MethodGet, webhookPath(name), nil, &have, false)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return integration.HookCheck{State: integration.HookMissing, Reason: "Datadog has no webhook named " + integration.Printable(name)}, nil
	case err != nil:
		return integration.HookCheck{}, hookError(err, k, name)
	}
	if diffs := webhookDiffs(have, want.CallbackURL, ""); len(diffs) > 0 {
		return integration.HookCheck{State: integration.HookDrifted, Reason: redact("the Datadog webhook "+name+" was altered: "+strings.Join(diffs, "; "), k)}, nil
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}

// DeleteHook deletes the webhook called name when it delivers to
// callbackURL. A webhook already gone, or one that delivers elsewhere (not
// this source's), is left as it is without error.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, base, token, name, callbackURL string) error {
	k := splitToken(token)
	c := newClient(v, base, k)
	var have webhookJSON
	err := c.do(ctx, http.MethodGet, webhookPath(name), nil, &have, false)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return nil
	case err != nil:
		return hookError(err, k, name)
	case have.URL != callbackURL:
		return nil
	}
	if err := c.do(ctx, http.MethodDelete, webhookPath(name), nil, nil, false); err != nil && statusOf(err) != http.StatusNotFound {
		return hookError(err, k, name)
	}
	return nil
}

// webhookDiffs says how have differs from the webhook SuperPlane makes for
// callbackURL; secret, when not "", is compared with the key header (in
// constant time) and never quoted.
func webhookDiffs(have webhookJSON, callbackURL, secret string) []string {
	var diffs []string
	if have.URL != callbackURL {
		diffs = append(diffs, "it delivers to "+integration.Printable(have.URL)+", not to this server")
	}
	if have.EncodeAs != "" && have.EncodeAs != "json" {
		diffs = append(diffs, "it is encoded as "+integration.Printable(have.EncodeAs)+", not json")
	}
	if have.Payload == nil || !sameJSON(*have.Payload, DefaultPayload) {
		diffs = append(diffs, "its payload was changed")
	}
	var headers map[string]string
	if have.CustomHeaders == nil || json.Unmarshal([]byte(*have.CustomHeaders), &headers) != nil {
		return append(diffs, "its custom headers no longer carry the source's key ("+TokenHeader+")")
	}
	got, ok := headerValue(headers, TokenHeader)
	switch {
	case !ok || got == "":
		diffs = append(diffs, "its custom headers no longer carry the source's key ("+TokenHeader+")")
	case secret != "" && !hmac.Equal([]byte(got), []byte(secret)):
		diffs = append(diffs, "its "+TokenHeader+" header is not the source's current key")
	}
	return diffs
}

// headerValue finds a header in a custom headers object, whatever its case.
func headerValue(headers map[string]string, name string) (string, bool) {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// sameJSON reports whether two JSON texts hold the same value (Datadog may
// store a payload with other spacing).
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

// hookError turns a Datadog failure into a HookError whose Reason carries
// neither key nor any of also (the source's key).
func hookError(err error, k keys, name string, also ...string) error {
	var reason string
	switch statusOf(err) {
	case http.StatusForbidden, http.StatusUnauthorized:
		reason = "Datadog refused to manage webhook " + integration.Printable(name) + " (the application key needs the manage webhooks permission): " + err.Error()
	default:
		reason = "Datadog webhook " + integration.Printable(name) + ": " + err.Error()
	}
	return &integration.HookError{Reason: redact(reason, k, also...)}
}
