package hooks

import (
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestUpdateProvisions: an update provisions the hook again only when
// something on the tool would change, or while the hook is not in place.
func TestUpdateProvisions(t *testing.T) {
	push := []byte(`[{"type":"push","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"true"}}]}]`)
	pushOtherFilter := []byte(`[{"type":"push","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"false"}}]}]`)
	pushAndPR := []byte(`[{"type":"push"},{"type":"pull_request"}]`)
	source := func(state string, events []byte) store.EventSource {
		return store.EventSource{Type: "github", Name: "app", Description: "before", HookState: state, Events: events}
	}
	for _, tc := range []struct {
		name             string
		current, updated store.EventSource
		moved, want      bool
	}{
		{"rename and description, hook ready", source(StateReady, push),
			store.EventSource{Type: "github", Name: "renamed", Description: "after", HookState: StateReady, Events: push}, false, false},
		{"new filter, hook repaired", source(StateRepaired, push), source(StateRepaired, pushOtherFilter), false, false},
		{"new event types", source(StateReady, push), source(StateReady, pushAndPR), false, true},
		{"moved", source(StateReady, push), source(StatePending, push), true, true},
		{"hook failed: the update retries", source(StateFailed, push), source(StateFailed, push), false, true},
		{"hook pending", source(StatePending, push), source(StatePending, push), false, true},
	} {
		if got := UpdateProvisions(tc.current, tc.updated, tc.moved); got != tc.want {
			t.Errorf("%s: UpdateProvisions = %v, want %v", tc.name, got, tc.want)
		}
	}
}
