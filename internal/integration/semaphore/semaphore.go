// Package semaphore is the Semaphore integration type: an API token of a
// Semaphore organization, notifications that deliver a project's pipeline
// events to event sources, and the semaphore executor, which starts a
// workflow and follows its pipeline.
package semaphore

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Semaphore integration type.
type Type struct{}

var (
	_ integration.Type   = Type{}
	_ integration.Hooks  = Type{}
	_ integration.Runner = Type{}
)

// Name is "semaphore".
func (Type) Name() string { return api.IntegrationTypeSemaphore }

// ValidateURL accepts https://<organization>.semaphoreci.com.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeSemaphore, rawURL)
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

// DeliveryIDs is false: Semaphore's notifications carry no delivery id, so
// a replay is recognised by its body.
func (Type) DeliveryIDs() bool { return false }
