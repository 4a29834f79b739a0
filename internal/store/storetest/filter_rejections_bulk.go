package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testFilteredRejectionsInBulk: a routing batch's filtered rejections are
// written several rows a statement (on SQLite too, in chunks of 32, 8, 4
// and 1 for 45 events), and every one is stored and listed as when each
// had its statement: one per event and stage, newest first, paged, counted;
// rows of a canvas deleted meanwhile, interleaved with the others in one
// call, are skipped without losing their neighbours.
func testFilteredRejectionsInBulk(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "busy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	const events = 45
	for i := range events {
		mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Duration(i)*time.Millisecond)))
	}
	stages := []string{uuid.NewString(), uuid.NewString()}
	var want []store.Rejection
	n, err := s.RouteEventsTo(ctx, now(), events, func(ev store.Event) (store.Routed, error) {
		f := store.FilteredRejection{ID: store.NewTimeOrderedID(), OrgID: ev.OrgID, CanvasID: ev.CanvasID, EventID: ev.ID,
			Message: "did not pass the filters", CreatedAt: ev.ReceivedAt, StageIDs: stages,
			StageNames: []string{"build", "deploy"}}
		want = append(want, expandFiltered(f)...)
		return store.Routed{Filtered: []store.FilteredRejection{f}}, nil
	})
	if err != nil || n != events {
		t.Fatalf("RouteEventsTo = %d, %v; want %d", n, err, events)
	}
	newestFirst(want)
	got, total := pageAll(t, s, org.ID, c.ID, store.RejectionFilter{}, 7)
	if total != 2*events {
		t.Errorf("total = %d, want %d (two stages for each of %d events)", total, 2*events, events)
	}
	equal(t, "the routed batch's rejections in pages of 7", got, want)

	// One call, rows of a deleted canvas between the others.
	other := mustCanvas(t, s, org.ID, "other")
	var rows []store.FilteredRejection
	var wantOther []store.Rejection
	for i := range 37 {
		f := store.FilteredRejection{ID: store.NewTimeOrderedID(), OrgID: org.ID, CanvasID: other.ID, EventID: uuid.NewString(),
			Message: fmt.Sprintf("event %d", i), CreatedAt: base.Add(time.Duration(i) * time.Second),
			StageIDs: stages[:1], StageNames: []string{"build"}}
		if i%5 == 2 {
			f.CanvasID = uuid.NewString()
		} else {
			wantOther = append(wantOther, expandFiltered(f)...)
		}
		rows = append(rows, f)
	}
	if err := s.InsertFilteredRejections(ctx, rows); err != nil {
		t.Fatalf("InsertFilteredRejections: %v", err)
	}
	newestFirst(wantOther)
	gotOther, total := pageAll(t, s, org.ID, other.ID, store.RejectionFilter{TargetID: stages[0]}, 10)
	if total != len(wantOther) {
		t.Errorf("the other canvas's total = %d, want %d", total, len(wantOther))
	}
	equal(t, "the other canvas's rejections", gotOther, wantOther)
}
