package engine

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

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
