package engine

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
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
	heads := &afterFirstHeadsStore{Store: st}
	e := New(heads, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, Config{Interval: time.Hour})
	}()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		heads.mu.Lock()
		reads := heads.reads
		heads.mu.Unlock()
		if reads > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the engine never read its queue heads")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
		Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now}); err != nil {
		t.Fatal(err)
	}
	e.WakeRouting()
	deadline = time.Now().Add(10 * time.Second)
	for {
		exs, err := st.ListExecutions(ctx, org.ID, canvas.ID, b.ID, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(exs) == 1 && exs[0].State == store.ExecutionFinished && exs[0].Result == api.ResultPassed {
			break
		}
		if time.Now().After(deadline) {
			queue, _ := st.ListStageEvents(ctx, org.ID, canvas.ID, b.ID, nil, store.Page{Limit: 10})
			t.Fatalf("b's executions %+v, its events %+v, 10 s after the delivery; want one finished and passed", exs, queue)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
