package engine

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestPruneRejections: the engine removes rejections past the retention in
// bounded batches, at most every pruneEvery, and keeps the recent ones.
func TestPruneRejections(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	st, org, canvas := newCanvas(t, now)
	insert := func(n int, at time.Time) {
		t.Helper()
		rs := make([]store.Rejection, n)
		for i := range rs {
			rs[i] = store.Rejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, TargetType: api.ConnectionTypeStage,
				TargetID: uuid.NewString(), Reason: api.RejectionReasonFiltered, Message: "filtered", CreatedAt: at}
		}
		if err := st.InsertRejections(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		t.Helper()
		_, total, err := st.ListRejections(ctx, org.ID, canvas.ID, store.RejectionFilter{}, store.Page{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	old := now.Add(-RejectionRetention - time.Hour)
	insert(pruneBatch*pruneBatches+5, old)
	insert(3, now.Add(-time.Hour))

	clock := now
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(func() time.Time { return clock }))
	e.prune(ctx)
	if got := count(); got != 3+5 {
		t.Fatalf("after one pass %d rejections are left, want the 3 recent and the 5 beyond the pass's %d batches", got, pruneBatches)
	}
	clock = clock.Add(pruneEvery - time.Second)
	e.prune(ctx)
	if got := count(); got != 3+5 {
		t.Fatalf("a pass within %s of the last pruned again: %d left", pruneEvery, got)
	}
	clock = clock.Add(time.Second)
	e.prune(ctx)
	if got := count(); got != 3 {
		t.Fatalf("after %s the old rejections should be gone: %d left, want the 3 recent", pruneEvery, got)
	}
}
