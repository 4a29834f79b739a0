package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testRoutedFilteredRejections: the filtered rejections an event's routing
// gives are stored with the event routed, in its routing transaction, and
// listed as any others; an event whose routing failed (left pending, to be
// tried again) leaves none behind.
func testRoutedFilteredRejections(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "busy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	routed := mustInsertEvent(t, s, newEvent(es, "", base))
	failed := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))
	stage := uuid.NewString()

	n, err := s.RouteEventsTo(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		f := store.FilteredRejection{ID: uuid.NewString(), OrgID: ev.OrgID, CanvasID: ev.CanvasID, EventID: ev.ID,
			Message: "did not pass the filters", CreatedAt: ev.ReceivedAt, StageIDs: []string{stage}, StageNames: []string{"deploy"}}
		r := store.Routed{Filtered: []store.FilteredRejection{f}}
		if ev.ID == failed.ID {
			return r, errors.New("the routing failed")
		}
		return r, nil
	})
	if err != nil || n != 1 {
		t.Fatalf("RouteEventsTo = %d, %v; want 1", n, err)
	}
	got, total, err := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{Limit: 10})
	if err != nil {
		t.Fatalf("ListRejections: %v", err)
	}
	if total != 1 || len(got) != 1 || got[0].EventID != routed.ID || got[0].TargetID != stage || got[0].TargetName != "deploy" {
		t.Fatalf("rejections after routing = %+v (total %d), want the routed event's only", got, total)
	}
	ev, err := s.FindEvent(ctx, org.ID, c.ID, failed.ID)
	if err != nil || ev.State != store.EventPending {
		t.Fatalf("the event whose routing failed: %+v, %v; want it pending", ev, err)
	}
}
