// Package hooks provisions the webhooks SuperPlane keeps on tools (GitHub
// repository hooks, Semaphore notifications) for event sources: it finds
// the integration's token, makes the tool's hook match the source and
// records the outcome in the source's status, with backoff after a failure.
//
// Both the HTTP API (create, update, reset-key, refresh, delete, check) and
// the engine's reconciler use it, so it sits below both: it knows the store,
// the sealer and the tools, and nothing of HTTP.
package hooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Webhook states of a source whose hook the server provisions.
const (
	StatePending  = "pending"
	StateReady    = "ready"
	StateFailed   = "failed"
	StateRepaired = "repaired"
)

// Timeout bounds one call to an external tool, so a slow tool cannot hold
// a request, or a reconciler slot, for long.
const Timeout = 20 * time.Second

// types are the integration types. A source of an integration type has
// the type's name, so the type's Hooks, when it has them, serve the source.
var types = all.Registry()

// Needed reports whether a source of type typ has a hook on a tool: whether
// an integration type of that name provisions webhooks.
func Needed(typ string) bool {
	_, ok := types.Hooks(typ)
	return ok
}

// Provisioner provisions, checks and removes event sources' hooks. The
// zero value is not usable: set every field.
type Provisioner struct {
	Store  store.Store
	Sealer *sealer.Sealer
	Tools  *integration.Verifier
	// BaseURL is the public URL of the server, without a trailing slash.
	BaseURL string
	Now     func() time.Time
}

// URL is where the source receives deliveries.
func (p *Provisioner) URL(es store.EventSource) string {
	u := strings.TrimSuffix(p.BaseURL, "/") + "/api/v1/sources/" + es.ID
	if Needed(es.Type) {
		u += "/" + es.Type
	}
	return u
}

// Token returns the integration and its decrypted token for one call to the
// tool. Nothing keeps the token afterwards.
func (p *Provisioner) Token(ctx context.Context, orgID, integrationID string) (store.Integration, string, error) {
	in, err := p.Store.FindIntegrationByID(ctx, orgID, integrationID)
	if err != nil {
		return in, "", &integration.HookError{Reason: "the integration is gone"}
	}
	sec, err := p.Store.FindSecretByID(ctx, in.OrgID, in.SecretID)
	if err != nil {
		return in, "", &integration.HookError{Reason: fmt.Sprintf("the token secret of integration %s is gone", in.Name)}
	}
	data, err := p.Sealer.OpenSecret(sec.ID, sec.Ciphertext)
	if err != nil {
		return in, "", &integration.HookError{Reason: fmt.Sprintf("the token secret of integration %s cannot be decrypted", in.Name)}
	}
	if hc, ok := types.Lookup(in.Type); ok {
		if creds, ok := hc.(integration.HookCredentials); ok {
			// A type of typed settings and several keys (datadog) gives
			// its hooks a URL and a token made of them, for this call.
			url, token, err := creds.HookCredentials(p.Tools, in.Settings, data)
			clear(data)
			if err != nil {
				return in, "", &integration.HookError{Reason: fmt.Sprintf("integration %s: %s", in.Name, err.Error())}
			}
			in.URL = url
			return in, token, nil
		}
	}
	token, ok := data[in.SecretKey]
	clear(data)
	if !ok {
		return in, "", &integration.HookError{Reason: fmt.Sprintf("key %s is missing from the token secret of integration %s", in.SecretKey, in.Name)}
	}
	return in, token, nil
}

// Events are the tool events a source subscribes to. Stored events that do
// not decode are an error (the store's, naming the field), never "the
// defaults": a hook for the wrong events would look in place.
func Events(es store.EventSource) ([]string, error) {
	names, err := es.DecodeEventTypes()
	if err != nil {
		return nil, err
	}
	if h, ok := types.Hooks(es.Type); ok && len(names) == 0 {
		names = append(names, h.DefaultEvents()...)
	}
	return names, nil
}

// hookEvents is Events for a hook: an error is a HookError, shown in the
// source's status like any other reason the hook cannot be in place.
func hookEvents(es store.EventSource) ([]string, error) {
	names, err := Events(es)
	if err != nil {
		return nil, &integration.HookError{Reason: "the source's events cannot be read: " + err.Error()}
	}
	return names, nil
}

// UpdateProvisions reports whether an update of a source from current to
// updated must provision its hook again: the hook moved (another
// integration or resource), its event types changed, or it is not in place
// yet (pending or failed: the update retries at once). A rename or a new
// description or filter changes nothing on the tool (the hook's URL holds
// the id, and filters are applied by SuperPlane), so the hook and its
// status, checked_at among it, stay as they are and a Terraform plan can
// show them unchanged. Repairing a hook the tool lost is the refresh
// endpoint's and the reconciler's job.
// Events that do not decode provision again, where the failure is shown.
func UpdateProvisions(current, updated store.EventSource, moved bool) bool {
	was, errWas := Events(current)
	now, errNow := Events(updated)
	if moved || errWas != nil || errNow != nil || !slices.Equal(was, now) {
		return true
	}
	return current.HookState != StateReady && current.HookState != StateRepaired
}

// Provision makes the tool's hook match the source and records the outcome
// in the source's status. A failure of the tool is not an error: it is
// shown in status and retried with backoff by the reconciler. The error is
// the store's.
func (p *Provisioner) Provision(ctx context.Context, es store.EventSource, pushSecret bool) (store.EventSource, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := p.ensure(ctx, es, pushSecret)
	now := p.Now().UTC().Truncate(time.Microsecond)
	return p.Store.UpdateEventSource(ctx, es.OrgID, es.CanvasID, es.ID, func(cur *store.EventSource) error {
		cur.HookCheckedAt = now
		var he *integration.HookError
		switch {
		case err == nil:
			cur.HookID, cur.HookAttempts, cur.HookNextAttempt = res.ID, 0, time.Time{}
			switch {
			case res.Repaired:
				cur.HookState = StateRepaired
				cur.HookReason = "the webhook was missing or altered on " + es.Type + " and was repaired at " + now.Format(time.RFC3339)
			case res.Created || cur.HookState != StateRepaired:
				cur.HookState, cur.HookReason = StateReady, "ok"
			}
		case errors.As(err, &he):
			cur.HookState, cur.HookReason = StateFailed, he.Reason
			cur.HookAttempts++
			cur.HookNextAttempt = now.Add(Backoff(cur.HookAttempts))
		default:
			return err
		}
		return nil
	})
}

// Backoff is the wait before provisioning attempt n+1: 30s doubling, at most 30m.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

func (p *Provisioner) ensure(ctx context.Context, es store.EventSource, pushSecret bool) (integration.HookResult, error) {
	in, token, err := p.Token(ctx, es.OrgID, es.IntegrationID)
	if err != nil {
		return integration.HookResult{}, err
	}
	key, err := p.Sealer.OpenSourceKey(es.ID, es.KeyCiphertext)
	if err != nil {
		return integration.HookResult{}, &integration.HookError{Reason: "the source's signing key cannot be decrypted"}
	}
	events, err := hookEvents(es)
	if err != nil {
		clear(key)
		return integration.HookResult{}, err
	}
	want := integration.Hook{CallbackURL: p.URL(es), Secret: string(key), Events: events}
	clear(key)
	if h, ok := types.Hooks(es.Type); ok {
		return h.EnsureHook(ctx, p.Tools, in.URL, token, es.ResourceName, want, es.HookID, pushSecret)
	}
	return integration.HookResult{}, nil
}

// Check asks the tool whether the source's hook is there and as it should
// be, without changing anything.
func (p *Provisioner) Check(ctx context.Context, es store.EventSource) (integration.HookCheck, error) {
	in, token, err := p.Token(ctx, es.OrgID, es.IntegrationID)
	if err != nil {
		return integration.HookCheck{}, err
	}
	events, err := hookEvents(es)
	if err != nil {
		return integration.HookCheck{}, err
	}
	want := integration.Hook{CallbackURL: p.URL(es), Events: events}
	if h, ok := types.Hooks(es.Type); ok {
		return h.CheckHook(ctx, p.Tools, in.URL, token, es.ResourceName, want, es.HookID)
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}

// Remove deletes the source's hook from the tool. The caller decides what
// a failure means (the API keeps the source unless forced).
func (p *Provisioner) Remove(ctx context.Context, es store.EventSource) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	in, token, err := p.Token(ctx, es.OrgID, es.IntegrationID)
	if err != nil {
		return err
	}
	if h, ok := types.Hooks(es.Type); ok {
		return h.DeleteHook(ctx, p.Tools, in.URL, token, es.ResourceName, p.URL(es))
	}
	return nil
}
