package engine

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// newCanvas opens a store on a temporary SQLite file, closed when the test
// ends, with the organization acme and its canvas prod, which the engine's
// tests route on.
func newCanvas(t *testing.T, now time.Time) (store.Store, store.Organization, store.Canvas) {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	return st, org, canvas
}

// webhookSource adds the webhook source hook to the canvas.
func webhookSource(t *testing.T, st store.Store, canvas store.Canvas, now time.Time) store.EventSource {
	t.Helper()
	hook := store.EventSource{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: "hook", Type: "webhook",
		Events: []byte(`[]`), KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateEventSource(t.Context(), hook); err != nil {
		t.Fatal(err)
	}
	return hook
}

// freeNoopStage is a stage of canvas called name, not yet stored: it
// listens to the source hook, through the data filter filter unless that
// is "", has no condition (nothing holds its queue) and runs the noop
// executor, which passes at once.
func freeNoopStage(canvas store.Canvas, name, filter string, now time.Time) store.Stage {
	conn := api.Connection{Type: api.ConnectionTypeEventSource, Name: "hook"}
	if filter != "" {
		conn.Filters = []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: filter}}}
	}
	// Nothing in this spec can fail to marshal.
	spec, _ := json.Marshal(api.StageSpec{
		Connections: []api.Connection{conn},
		Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	})
	return store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: name, Spec: spec, CreatedAt: now, UpdatedAt: now}
}
