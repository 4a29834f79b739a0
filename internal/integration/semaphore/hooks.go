package semaphore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// semaphoreWebhookEnv is the variable of a Semaphore secret that Semaphore
// signs webhook deliveries with (X-Semaphore-Signature-256), as its
// notification docs require.
const semaphoreWebhookEnv = "WEBHOOK_SECRET"

// semaphoreHookName is the name of both the notification and the secret made
// for callbackURL. It is derived from the URL alone so that a retried or
// interrupted provisioning finds what an earlier run made (Semaphore names
// are unique in an organization) instead of making a second one.
func semaphoreHookName(callbackURL string) string {
	sum := sha256.Sum256([]byte(callbackURL))
	return "superplane-" + hex.EncodeToString(sum[:])[:12]
}

// EnsureHook makes the Semaphore organization of integrationURL
// deliver the pipeline-done notifications of project to want.CallbackURL,
// signed with want.Secret. It keeps two objects, both named after the
// callback URL: a secret whose WEBHOOK_SECRET holds the key, and a
// notification with one rule for the project that delivers to the URL with
// that secret. Each is looked up by name before it is created, so a retried
// or interrupted provisioning never leaves a duplicate. want.Events is not
// used: a pipeline's end is the only event Semaphore notifies.
//
// The result reads as for GitHub: Created when there was no notification,
// Repaired when something made earlier was missing or altered (a notification
// other than knownID, a rule changed on Semaphore, a missing secret), ID the
// notification's id (its name when Semaphore gives none). Semaphore never
// shows a secret's value, so the key is written when the secret or the
// notification is created and when pushSecret asks for it.
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookResult{}, err
	}
	switch {
	case strings.TrimSpace(project) == "":
		return integration.HookResult{}, &integration.HookError{Reason: "no Semaphore project given for the webhook"}
	case want.CallbackURL == "":
		return integration.HookResult{}, &integration.HookError{Reason: "no callback URL given for the Semaphore webhook"}
	case want.Secret == "":
		return integration.HookResult{}, &integration.HookError{Reason: "no signing key given for the Semaphore webhook"}
	}
	c.hookSecret = want.Secret
	name := semaphoreHookName(want.CallbackURL)

	// A notification for a project that does not exist is accepted by
	// Semaphore and then never fires; say so now instead.
	status, err := c.call(ctx, http.MethodGet, "/api/v1alpha/projects/"+url.PathEscape(project), nil, nil, "read project "+project)
	if status == http.StatusNotFound {
		return integration.HookResult{}, c.hookError(fmt.Sprintf("Semaphore: project %s not found in organization %s, or the token cannot see it", project, c.org))
	}
	if err != nil {
		return integration.HookResult{}, err
	}

	have, found, err := c.getNotification(ctx, name)
	if err != nil {
		return integration.HookResult{}, err
	}
	// A new notification gets a freshly written key: a secret left by an
	// interrupted run may hold an older one.
	secretFixed, err := c.ensureSecret(ctx, name, want.Secret, pushSecret || !found)
	if err != nil {
		return integration.HookResult{}, err
	}

	body := semaphoreNotification(name, project, want.CallbackURL)
	if !found {
		created, err := c.createNotification(ctx, body)
		if err != nil {
			return integration.HookResult{}, err
		}
		return integration.HookResult{ID: created.ref(), Created: true, Repaired: knownID != ""}, nil
	}

	res := integration.HookResult{ID: have.ref(), Repaired: secretFixed}
	if !deliversOnlyTo(have, project, want.CallbackURL, name) {
		body.Metadata.ID = have.Metadata.ID
		if _, err := c.call(ctx, http.MethodPatch, "/api/v1alpha/notifications/"+url.PathEscape(name), body, nil, "update notification "+name); err != nil {
			return res, err
		}
		res.Repaired = true
	}
	if knownID != "" && knownID != have.Metadata.ID && knownID != have.Metadata.Name {
		res.Repaired = true
	}
	return res, nil
}

// DeleteHook removes the notification and the secret that
// EnsureHook made for callbackURL. Either already gone is not an
// error. project only names the hook in a failure's Reason: the objects are
// found by the name derived from callbackURL.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project, callbackURL string) error {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return err
	}
	name := semaphoreHookName(callbackURL)
	// The notification goes first, so it never points at a missing secret.
	for _, o := range []struct{ kind, path string }{
		{"notification", "/api/v1alpha/notifications/"},
		{"secret", "/api/v1beta/secrets/"},
	} {
		what := fmt.Sprintf("delete %s %s (webhook of project %s)", o.kind, name, project)
		status, err := c.call(ctx, http.MethodDelete, o.path+url.PathEscape(name), nil, nil, what)
		if err != nil && status != http.StatusNotFound {
			return err
		}
	}
	return nil
}

// semaphoreNotificationJSON is a v1alpha Notification, with the fields
// SuperPlane reads or writes.
type semaphoreNotificationJSON struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
		ID   string `json:"id,omitempty"`
	} `json:"metadata"`
	Spec struct {
		Rules []semaphoreRuleJSON `json:"rules"`
	} `json:"spec"`
}

// ref is how a notification is identified in a HookResult.
func (n semaphoreNotificationJSON) ref() string {
	if n.Metadata.ID != "" {
		return n.Metadata.ID
	}
	return n.Metadata.Name
}

// semaphoreRuleJSON is one rule of a notification. Its Slack and email
// targets are not read: they do not change what reaches SuperPlane.
type semaphoreRuleJSON struct {
	Name   string `json:"name"`
	Filter struct {
		Projects  []string `json:"projects"`
		Branches  []string `json:"branches"`
		Pipelines []string `json:"pipelines"`
		Results   []string `json:"results"`
		Blocks    []string `json:"blocks,omitempty"`
		States    []string `json:"states,omitempty"`
	} `json:"filter"`
	Notify struct {
		Webhook *semaphoreWebhookJSON `json:"webhook,omitempty"`
	} `json:"notify"`
}

// semaphoreWebhookJSON is a rule's webhook target: Secret names the
// Semaphore secret whose WEBHOOK_SECRET signs the deliveries.
type semaphoreWebhookJSON struct {
	Endpoint string `json:"endpoint"`
	Secret   string `json:"secret"`
}

// semaphoreNotification is the notification SuperPlane wants: one rule, for
// every pipeline of project on every branch whatever its result, delivered
// to callbackURL and signed with the secret called name.
func semaphoreNotification(name, project, callbackURL string) semaphoreNotificationJSON {
	var n semaphoreNotificationJSON
	n.APIVersion, n.Kind = "v1alpha", "Notification"
	n.Metadata.Name = name
	var r semaphoreRuleJSON
	r.Name = "superplane"
	r.Filter.Projects = []string{project}
	r.Filter.Branches, r.Filter.Pipelines, r.Filter.Results = []string{}, []string{}, []string{}
	r.Notify.Webhook = &semaphoreWebhookJSON{Endpoint: callbackURL, Secret: name}
	n.Spec.Rules = []semaphoreRuleJSON{r}
	return n
}

// deliversOnlyTo reports whether n is still what semaphoreNotification
// made: a single webhook rule for exactly project, unfiltered otherwise,
// delivering to callbackURL with the secret called secret. Anything else
// loses or duplicates deliveries.
func deliversOnlyTo(n semaphoreNotificationJSON, project, callbackURL, secret string) bool {
	if len(n.Spec.Rules) != 1 {
		return false
	}
	r := n.Spec.Rules[0]
	f := r.Filter
	return slices.Equal(f.Projects, []string{project}) &&
		len(f.Branches)+len(f.Pipelines)+len(f.Results)+len(f.Blocks)+len(f.States) == 0 &&
		r.Notify.Webhook != nil && r.Notify.Webhook.Endpoint == callbackURL && r.Notify.Webhook.Secret == secret
}

// semaphoreSecretJSON is a v1beta Secret.
type semaphoreSecretJSON struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Data struct {
		EnvVars []semaphoreEnvVarJSON `json:"env_vars"`
		Files   []json.RawMessage     `json:"files"`
	} `json:"data"`
}

// semaphoreEnvVarJSON is an environment variable of a secret.
type semaphoreEnvVarJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// getNotification reads the notification called name; found is false when
// there is none.
func (c *semaphoreClient) getNotification(ctx context.Context, name string) (n semaphoreNotificationJSON, found bool, err error) {
	status, err := c.call(ctx, http.MethodGet, "/api/v1alpha/notifications/"+url.PathEscape(name), nil, &n, "read notification "+name)
	if status == http.StatusNotFound {
		return n, false, nil
	}
	return n, err == nil, err
}

// createNotification creates want. A name taken meanwhile (a concurrent
// provisioning) is not an error: the notification that won is returned.
func (c *semaphoreClient) createNotification(ctx context.Context, want semaphoreNotificationJSON) (semaphoreNotificationJSON, error) {
	var created semaphoreNotificationJSON
	status, err := c.call(ctx, http.MethodPost, "/api/v1alpha/notifications", want, &created, "create notification "+want.Metadata.Name)
	if isNameTaken(status) {
		have, found, getErr := c.getNotification(ctx, want.Metadata.Name)
		if getErr != nil || !found {
			return created, err
		}
		return have, nil
	}
	if err != nil {
		return created, err
	}
	if created.ref() == "" {
		created.Metadata.Name = want.Metadata.Name
	}
	return created, nil
}

// ensureSecret makes the secret called name hold value in WEBHOOK_SECRET.
// An existing secret is rewritten when write is set or its WEBHOOK_SECRET
// is gone. fixed reports a secret that was missing or had lost the variable.
func (c *semaphoreClient) ensureSecret(ctx context.Context, name, value string, write bool) (fixed bool, err error) {
	path := "/api/v1beta/secrets/" + url.PathEscape(name)
	var have semaphoreSecretJSON
	status, err := c.call(ctx, http.MethodGet, path, nil, &have, "read secret "+name)
	var want semaphoreSecretJSON
	want.APIVersion, want.Kind = "v1beta", "Secret"
	want.Metadata.Name = name
	want.Data.EnvVars = []semaphoreEnvVarJSON{{Name: semaphoreWebhookEnv, Value: value}}
	want.Data.Files = []json.RawMessage{}

	switch {
	case status == http.StatusNotFound:
		fixed = true
		status, err = c.call(ctx, http.MethodPost, "/api/v1beta/secrets", want, nil, "create secret "+name)
		if !isNameTaken(status) {
			return fixed, err
		}
		// Created meanwhile by a concurrent provisioning: write our value.
	case err != nil:
		return false, err
	default:
		fixed = !slices.ContainsFunc(have.Data.EnvVars, func(e semaphoreEnvVarJSON) bool { return e.Name == semaphoreWebhookEnv })
		if !fixed && !write {
			return false, nil
		}
	}
	_, err = c.call(ctx, http.MethodPatch, path, want, nil, "update secret "+name)
	return fixed, err
}

func isNameTaken(status int) bool {
	return status == http.StatusConflict || status == http.StatusUnprocessableEntity
}

// semaphoreClient calls the Semaphore API of one organization with one
// token.
type semaphoreClient struct {
	http  *http.Client
	base  string
	org   string
	token string
	// hookSecret is the signing key being written, masked like the token
	// in every reason.
	hookSecret string
}

// newClient returns a client for the organization of integrationURL, at
// v.SemaphoreAPIURL when set.
func newClient(v *integration.Verifier, integrationURL, token string) (*semaphoreClient, error) {
	org, err := api.SemaphoreOrg(integrationURL)
	if err != nil {
		return nil, &integration.HookError{Reason: integration.Redact(err.Error(), token)}
	}
	if strings.TrimSpace(token) == "" {
		return nil, &integration.HookError{Reason: "token is empty"}
	}
	base := v.SemaphoreAPIURL
	if base == "" {
		base = integrationURL
	}
	// Redirects are answers, not detours (see Verify).
	client := *v.HTTPClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &semaphoreClient{http: &client, base: strings.TrimSuffix(base, "/"), org: org, token: token}, nil
}

// call sends method path with in as its JSON body (none when nil) and
// decodes a 2xx answer into out (unless nil). It returns the HTTP status (0
// when there was no answer) and, unless the answer was a 2xx that decoded, a
// HookError whose Reason says what failed doing what; callers that expect a
// status, as 404 on a lookup, test it before the error.
func (c *semaphoreClient) call(ctx context.Context, method, path string, in, out any, what string) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, c.hookError("internal error encoding a Semaphore request: " + err.Error())
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, c.hookError("invalid Semaphore API URL in the server configuration")
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "SuperPlane")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, c.hookError(integration.Unreachable("Semaphore", err))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSemaphoreBody))
	if err != nil && !errors.Is(err, io.EOF) {
		return resp.StatusCode, c.hookError("cannot reach Semaphore: " + integration.RemoteText(err.Error()))
	}

	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return s, c.hookError(fmt.Sprintf("unexpected answer from Semaphore to %s: %s", what, integration.RemoteText(string(data))))
			}
		}
		return s, nil
	case s == http.StatusUnauthorized:
		reason := fmt.Sprintf("Semaphore: unauthorized (token is not valid for organization %s)", c.org)
		if m := semaphoreMessage(data); m != "" && !strings.EqualFold(m, "unauthorized") {
			reason += ": " + m
		}
		return s, c.hookError(reason)
	case s == http.StatusForbidden:
		return s, c.hookError(fmt.Sprintf("Semaphore: the token may not %s in organization %s: %s", what, c.org, integration.MessageOr(semaphoreMessage(data), "forbidden")))
	default:
		return s, c.hookError(fmt.Sprintf("Semaphore: cannot %s: %s: %s", what, resp.Status, integration.MessageOr(semaphoreMessage(data), http.StatusText(s))))
	}
}

// hookError is a HookError whose Reason cannot carry the token, even when
// Semaphore echoes it back.
func (c *semaphoreClient) hookError(reason string) *integration.HookError {
	return &integration.HookError{Reason: integration.Redact(reason, c.token, c.hookSecret)}
}

// CheckHook compares the notification and the secret named after
// want.CallbackURL with what EnsureHook would make, without
// changing anything: it only reads them. The secret's value cannot be
// compared (Semaphore never shows it), only that it still holds the
// variable. Semaphore names notifications after the callback URL, so
// knownID is unused. An error is a HookError: the check could not be made.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project string, want integration.Hook, _ string) (integration.HookCheck, error) {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookCheck{}, err
	}
	name := semaphoreHookName(want.CallbackURL)
	have, found, err := c.getNotification(ctx, name)
	if err != nil {
		return integration.HookCheck{}, err
	}
	if !found {
		return integration.HookCheck{State: integration.HookMissing, Reason: fmt.Sprintf("Semaphore notification %s (webhook of project %s) is gone", name, project)}, nil
	}
	if !deliversOnlyTo(have, project, want.CallbackURL, name) {
		return integration.HookCheck{State: integration.HookDrifted, Reason: fmt.Sprintf("Semaphore notification %s was altered: it no longer delivers exactly the pipelines of project %s to the source", name, project)}, nil
	}
	var sec semaphoreSecretJSON
	status, err := c.call(ctx, http.MethodGet, "/api/v1beta/secrets/"+url.PathEscape(name), nil, &sec, "read secret "+name)
	switch {
	case status == http.StatusNotFound:
		return integration.HookCheck{State: integration.HookDrifted, Reason: fmt.Sprintf("Semaphore secret %s, which signs the deliveries of project %s, is gone", name, project)}, nil
	case err != nil:
		return integration.HookCheck{}, err
	case !slices.ContainsFunc(sec.Data.EnvVars, func(e semaphoreEnvVarJSON) bool { return e.Name == semaphoreWebhookEnv }):
		return integration.HookCheck{State: integration.HookDrifted, Reason: fmt.Sprintf("Semaphore secret %s lost its %s variable: deliveries of project %s are unsigned", name, semaphoreWebhookEnv, project)}, nil
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}
