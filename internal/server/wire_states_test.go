package server_test

import (
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStoreStatesAreTheWire is the one place where the store's constants
// meet package api's: the store may not import api, yet it stores and
// filters on the wire's values, and the server hands them out unmapped. A
// value changed on one side only fails here instead of in a listing that
// silently matches nothing.
func TestStoreStatesAreTheWire(t *testing.T) {
	for _, c := range []struct{ name, store, api string }{
		{"domain organization", store.DomainOrganization, api.DomainTypeOrganization},
		{"domain canvas", store.DomainCanvas, api.DomainTypeCanvas},
		{"event pending", store.EventPending, api.EventStatePending},
		{"event processed", store.EventProcessed, api.EventStateProcessed},
		{"event rejected", store.EventRejected, api.EventStateRejected},
		{"stage event pending", store.StageEventPending, api.StageEventStatePending},
		{"stage event waiting", store.StageEventWaiting, api.StageEventStateWaiting},
		{"stage event processed", store.StageEventProcessed, api.StageEventStateProcessed},
		{"stage event discarded", store.StageEventDiscarded, api.StageEventStateDiscarded},
		{"execution pending", store.ExecutionPending, api.ExecutionStatePending},
		{"execution started", store.ExecutionStarted, api.ExecutionStateStarted},
		{"execution finished", store.ExecutionFinished, api.ExecutionStateFinished},
		{"result cancelled", store.ResultCancelled, api.ResultCancelled},
		{"result reason user", store.ResultReasonUser, api.ResultReasonUser},
	} {
		if c.store != c.api {
			t.Errorf("%s: the store writes %q, the API says %q", c.name, c.store, c.api)
		}
	}
}
