package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestChainStartsAtFinish: in a chain hook → a → b of stages without
// conditions, b's execution is started by a's finish and run, with no
// queue advance after the first pass (afterFirstHeadsStore) and no tick.
// Before, a's finish only queued b's event, which waited for the
// advance's read of every queue head and a transaction of its own.
func TestChainStartsAtFinish(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	a := freeNoopStage(canvas, "a", "", now)
	spec, _ := json.Marshal(api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeStage, Name: "a"}},
		Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	})
	b := store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: "b", Spec: spec, CreatedAt: now, UpdatedAt: now}
	for _, s := range []store.Stage{a, b} {
		if err := st.CreateStage(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	e := runAfterFirstHeads(t, st)
	if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
		Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now}); err != nil {
		t.Fatal(err)
	}
	e.WakeRouting()
	waitOnePassed(t, st, org.ID, canvas.ID, b.ID, func() string {
		queue, _ := st.ListStageEvents(ctx, org.ID, canvas.ID, b.ID, nil, store.Page{Limit: 10})
		return fmt.Sprintf(" (b's events %+v)", queue)
	})
}
