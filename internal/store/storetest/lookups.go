package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testBatchLookups: reading many events or stage events by id gives exactly
// what the one-by-one lookups give, across more ids than one IN list holds,
// and nothing of another canvas, stage or organization, nor for ids that
// are missing or not canonical.
func testBatchLookups(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	other := mustCanvas(t, s, org.ID, "staging")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	elsewhere := mustEventSource(t, s, newEventSource(org.ID, other.ID, "push", "webhook", store.Integration{}))

	const n = 520 // more than one IN list (500)
	base := now().Add(-time.Hour)
	var ids []string
	for i := range n {
		ev := mustInsertEvent(t, s, newEvent(es, fmt.Sprintf("d-%d", i), base.Add(time.Duration(i)*time.Millisecond)))
		ids = append(ids, ev.ID)
	}
	foreign := mustInsertEvent(t, s, newEvent(elsewhere, "x", base))
	asked := append(append([]string{}, ids...), foreign.ID, uuid.NewString(), "not-a-uuid", ids[0])
	got, err := s.FindEventsByID(ctx, org.ID, c.ID, asked)
	if err != nil {
		t.Fatalf("FindEventsByID: %v", err)
	}
	if len(got) != n {
		t.Fatalf("FindEventsByID found %d events, want %d (none of another canvas, none missing)", len(got), n)
	}
	for _, id := range []string{ids[0], ids[499], ids[500], ids[n-1]} {
		one, err := s.FindEvent(ctx, org.ID, c.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[id], one) {
			t.Errorf("event %s: batch %+v, one by one %+v", id, got[id], one)
		}
	}
	if got, err := s.FindEventsByID(ctx, mustOrg(t, s, "globex").ID, c.ID, ids[:3]); err != nil || len(got) != 0 {
		t.Errorf("another organization finds %d events, %v; want none", len(got), err)
	}

	st := mustStage(t, s, org.ID, c.ID, "deploy")
	neighbour := mustStage(t, s, org.ID, c.ID, "build")
	evs := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, base), newStageEvent(st, store.StageEventWaiting, base.Add(time.Second)))
	theirs := mustStageEvents(t, s, newStageEvent(neighbour, store.StageEventPending, base))
	sg, err := s.FindStageEventsByID(ctx, org.ID, c.ID, st.ID, []string{evs[0].ID, evs[1].ID, theirs[0].ID, "nope"})
	if err != nil {
		t.Fatalf("FindStageEventsByID: %v", err)
	}
	if len(sg) != 2 {
		t.Fatalf("FindStageEventsByID found %d, want the stage's 2", len(sg))
	}
	for _, ev := range evs {
		if one := findStageEvent(t, s, ev); !reflect.DeepEqual(sg[ev.ID], one) {
			t.Errorf("stage event %s: batch %+v, one by one %+v", ev.ID, sg[ev.ID], one)
		}
	}
}
