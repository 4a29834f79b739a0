package engine

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestRoutingBatchStatements pins what a routing batch of a busy canvas
// sends PostgreSQL once its stages are kept, each statement a round trip:
// the claim (one statement, which also reads the canvas's stages version),
// the canvas's connection groups, and the routing transaction (begin, the
// version re-checked, the lease re-check that marks the events processed
// and writes their filtered rejections' sets and rows, commit): 6. It
// was 14 at the start of round seven (BENCHMARKS.md): the version read
// apart, the claim a transaction of four, the re-check and the mark apart,
// the canvas read again for the rejections; 8 until round ten, the
// rejections' sets and rows apart from the mark.
func TestRoutingBatchStatements(t *testing.T) {
	ctx := t.Context()
	var n store.StatementCounter
	st := openTestStore(t, true, store.CountStatements(&n))
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "busy", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	hook := webhookSource(t, st, canvas, now)
	for i := range 5 {
		if err := st.CreateStage(ctx, freeNoopStage(canvas, fmt.Sprintf("busy-%d", i), fmt.Sprintf("$.environment == 'env-%d'", i), now)); err != nil {
			t.Fatal(err)
		}
	}
	insert := func(k int) {
		t.Helper()
		for i := range k {
			if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
				Raw: []byte(`{"environment":"production"}`), Headers: []byte(`{}`), State: store.EventPending,
				ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	insert(5)
	if done, _, _, err := e.routeOneBatch(ctx); err != nil || done != 5 {
		t.Fatalf("first batch: %d routed, %v; want 5", done, err)
	}
	insert(5)
	before := n.Count()
	if done, _, _, err := e.routeOneBatch(ctx); err != nil || done != 5 {
		t.Fatalf("second batch: %d routed, %v; want 5", done, err)
	}
	if got := n.Count() - before; got > 6 {
		t.Errorf("a routing batch of 5 events took %d statements, want at most 6", got)
	}
}
