package hooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
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
		{"events that do not decode: provisioned again, where the failure shows", source(StateReady, push), source(StateReady, []byte(`[{"type":"push"`)), false, true},
	} {
		if got := UpdateProvisions(tc.current, tc.updated, tc.moved); got != tc.want {
			t.Errorf("%s: UpdateProvisions = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestEventsThatDoNotDecode: a source's stored events that do not decode
// are an error naming the source and field, never the type's default
// events (a hook for the wrong events would look in place), and a hook
// reports it as the reason it is not in place.
func TestEventsThatDoNotDecode(t *testing.T) {
	es := store.EventSource{ID: "es-1", Type: "github", Events: []byte(`[{"type":"push"`)}
	names, err := Events(es)
	if !errors.Is(err, store.ErrCorrupt) || names != nil {
		t.Fatalf("Events = %v, %v; want the store's error", names, err)
	}
	_, err = hookEvents(es)
	var he *integration.HookError
	if !errors.As(err, &he) || !strings.Contains(he.Reason, "event source es-1: events: corrupt column") {
		t.Fatalf("hookEvents: %v; want a HookError naming the events", err)
	}
	es.Events = nil
	if names, err := Events(es); err != nil || len(names) == 0 {
		t.Fatalf("no events stored: %v, %v; want the type's defaults", names, err)
	}
}
