package engine

import (
	"encoding/json"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStageProgramsCompiledOncePerSpec: routing reuses a stage's compiled
// expressions until its spec changes, and never uses a stale one after.
func TestStageProgramsCompiledOncePerSpec(t *testing.T) {
	spec := func(expression string) []byte {
		b, err := json.Marshal(api.StageSpec{Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook",
			Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: expression}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	st := store.Stage{ID: "3f1c9a40-0000-4000-8000-000000000001", Spec: spec("$.ref == 'a'")}
	first := stageProgramsOf(st)
	if again := stageProgramsOf(st); again != first {
		t.Fatal("the same spec was compiled twice")
	}
	st.Spec = spec("$.ref == 'b'")
	updated := stageProgramsOf(st)
	if updated == first {
		t.Fatal("an updated spec reused the old programs")
	}
	if ok, err := updated.conns[0].set.Match(map[string]any{"ref": "b"}, nil); !ok || err != nil {
		t.Fatalf("the updated filter: %v, %v", ok, err)
	}
}
