package engine

import (
	"context"
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

// freeStageCanvas is newCanvas with the webhook source hook and the stored
// stage free (freeNoopStage), which the tests of an event that starts and
// finishes one execution deliver to.
type freeStageCanvas struct {
	st     store.Store
	org    store.Organization
	canvas store.Canvas
	hook   store.EventSource
	stage  store.Stage
	now    time.Time
}

func newFreeStageCanvas(t *testing.T) freeStageCanvas {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	stage := freeNoopStage(canvas, "free", "", now)
	if err := st.CreateStage(t.Context(), stage); err != nil {
		t.Fatal(err)
	}
	return freeStageCanvas{st: st, org: org, canvas: canvas, hook: hook, stage: stage, now: now}
}

// deliver stores one pending webhook delivery of hook received at at, as
// the receiver would.
func deliver(t *testing.T, st store.Store, hook store.EventSource, at time.Time) {
	t.Helper()
	if _, _, err := st.InsertEvent(t.Context(), store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
		Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: at}); err != nil {
		t.Fatal(err)
	}
}

// startEngine runs e with cfg until the test ends: its cleanup stops the
// engine and waits for Run to return, before the store's cleanup (which
// newCanvas registered earlier) closes the store under it.
func startEngine(t *testing.T, e *Engine, cfg Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, cfg)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
