package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// countingStore counts the rejections the engine writes, one by one and in
// FilteredRejections: in transactions of their own (separate) or handed to
// the routing transaction with their event (filtered).
type countingStore struct {
	store.Store
	single   int
	separate int
	filtered []store.FilteredRejection
}

func (s *countingStore) RouteEventsBatch(ctx context.Context, now time.Time, limit int,
	route func(ev store.Event) (store.Routed, error),
) (store.RoutedBatch, error) {
	return s.Store.RouteEventsBatch(ctx, now, limit, func(ev store.Event) (store.Routed, error) {
		r, err := route(ev)
		s.filtered = append(s.filtered, r.Filtered...)
		return r, err
	})
}

func (s *countingStore) InsertRejections(ctx context.Context, rs []store.Rejection) error {
	s.single += len(rs)
	return s.Store.InsertRejections(ctx, rs)
}

func (s *countingStore) InsertFilteredRejections(ctx context.Context, fs []store.FilteredRejection) error {
	s.separate += len(fs)
	return s.Store.InsertFilteredRejections(ctx, fs)
}

// TestBusyCanvasFilteredRejections: in a canvas of 20 stages on one source,
// each filtering for its own value, an event that one stage takes is one
// FilteredRejection naming the 19 others (not 19 rows), an event no stage
// takes one naming all 20, each written by the transaction that routes its
// event (not one more); the list answers them as one rejection per stage,
// with the stage's name, by stage too.
func TestBusyCanvasFilteredRejections(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	const n = 20
	stages := make([]store.Stage, n)
	for i := range stages {
		stages[i] = freeNoopStage(canvas, fmt.Sprintf("stage-%02d", i), fmt.Sprintf("$.n == %d", i), now)
		if err := st.CreateStage(ctx, stages[i]); err != nil {
			t.Fatal(err)
		}
	}
	var events []string
	for _, v := range []int{0, 7, 99} {
		ev, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
			Raw: fmt.Appendf(nil, `{"n":%d}`, v), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev.ID)
	}

	counted := &countingStore{Store: st}
	e := New(counted, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(func() time.Time { return now }))
	e.enginePass(ctx)

	if counted.single != 0 {
		t.Errorf("%d rejections were written one by one, want none: every stage only filtered", counted.single)
	}
	if counted.separate != 0 {
		t.Errorf("%d FilteredRejections written in a transaction of their own, want none: the routing writes them", counted.separate)
	}
	if len(counted.filtered) != 3 {
		t.Fatalf("%d FilteredRejections written, want one per event (3)", len(counted.filtered))
	}
	stagesOf := map[string]int{}
	for _, f := range counted.filtered {
		stagesOf[f.EventID] = len(f.StageIDs)
	}
	if stagesOf[events[0]] != n-1 || stagesOf[events[1]] != n-1 || stagesOf[events[2]] != n {
		t.Errorf("stages named by event: %v, want %d, %d and %d", stagesOf, n-1, n-1, n)
	}

	all, total, err := st.ListRejections(ctx, org.ID, canvas.ID, store.RejectionFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3*n-2 || len(all) != 3*n-2 {
		t.Fatalf("the canvas lists %d rejections (total %d), want %d", len(all), total, 3*n-2)
	}
	seven, total, err := st.ListRejections(ctx, org.ID, canvas.ID,
		store.RejectionFilter{TargetType: api.ConnectionTypeStage, TargetID: stages[7].ID}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(seven) != 2 {
		t.Fatalf("stage 7 lists %d rejections (total %d), want the events 0 and 99", len(seven), total)
	}
	for _, r := range seven {
		if r.TargetName != "stage-07" || r.Reason != api.RejectionReasonFiltered || r.TargetType != api.ConnectionTypeStage ||
			r.EventID == events[1] || !strings.Contains(r.Message, "did not pass the filters of connection hook") {
			t.Errorf("stage 7's rejection: %+v", r)
		}
	}
}
