// Package semaphore is the Semaphore integration type: an API token of a
// Semaphore organization, and notifications that deliver a project's
// pipeline events to event sources.
package semaphore

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Semaphore integration type.
type Type struct{}

var (
	_ integration.Type  = Type{}
	_ integration.Hooks = Type{}
)

// Name is "semaphore".
func (Type) Name() string { return api.IntegrationTypeSemaphore }

// ValidateURL accepts https://<organization>.semaphoreci.com.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeSemaphore, rawURL)
}

// Verify checks that the token may list the organization's projects.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	return v.VerifySemaphore(ctx, rawURL, token)
}

// Authenticate sets Semaphore's "Authorization: Token <t>" header.
func (Type) Authenticate(req *http.Request, token string) {
	req.Header.Set("Authorization", "Token "+token)
}

// ResourceKind is "project": a source watches a Semaphore project.
func (Type) ResourceKind() string { return "project" }

// DefaultEvents is none: Semaphore notifies one event, a pipeline's end,
// whatever a source names.
func (Type) DefaultEvents() []string { return nil }

// EnsureHook makes the project's notification and its secret match want.
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	return v.EnsureSemaphoreHook(ctx, integrationURL, token, project, want, knownID, pushSecret)
}

// CheckHook reports whether the project's notification is there and as want.
// Semaphore names notifications after the callback URL, so knownID is unused.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project string, want integration.Hook, _ string) (integration.HookCheck, error) {
	return v.CheckSemaphoreHook(ctx, integrationURL, token, project, want)
}

// DeleteHook removes the project's notification that delivers to callbackURL.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project, callbackURL string) error {
	return v.DeleteSemaphoreHook(ctx, integrationURL, token, project, callbackURL)
}
