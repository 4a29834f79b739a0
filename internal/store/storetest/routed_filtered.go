package storetest

import (
	"errors"
	"strings"
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

// testRoutedFilteredRejectionInvalid: a filtered rejection that does not
// check out (more names than stages) fails its own event, which stays
// pending with the reason, not the batch's other events.
func testRoutedFilteredRejectionInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "busy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	bad := mustInsertEvent(t, s, newEvent(es, "", base))
	fine := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))
	stage := uuid.NewString()

	b, err := s.RouteEventsBatch(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		f := store.FilteredRejection{ID: uuid.NewString(), OrgID: ev.OrgID, CanvasID: ev.CanvasID, EventID: ev.ID,
			Message: "did not pass the filters", CreatedAt: ev.ReceivedAt, StageIDs: []string{stage}, StageNames: []string{"deploy"}}
		if ev.ID == bad.ID {
			f.StageNames = append(f.StageNames, "extra")
		}
		return store.Routed{Filtered: []store.FilteredRejection{f}}, nil
	})
	if err != nil || b.Done != 1 {
		t.Fatalf("RouteEventsBatch = %+v, %v; want 1 done", b, err)
	}
	equal(t, "routing ended for", b.Ended, []string{fine.ID})
	got, err := s.FindEvent(ctx, org.ID, c.ID, bad.ID)
	if err != nil || got.State != store.EventPending || !strings.Contains(got.StateMessage, "1 stage ids, 2 names") {
		t.Fatalf("the event with the bad rejection: %+v, %v; want it pending with the reason", got, err)
	}
	list, total, err := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{Limit: 10})
	if err != nil || total != 1 || len(list) != 1 || list[0].EventID != fine.ID {
		t.Fatalf("rejections = %+v (total %d), %v; want the routed event's only", list, total, err)
	}
}
