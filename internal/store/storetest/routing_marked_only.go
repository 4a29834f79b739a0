package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// filteredOnly is a busy canvas's routing of ev: filtered out by stage, at
// the stages version v, with nothing else to write (on PostgreSQL one
// statement routes such a batch, no transaction around it).
func filteredOnly(ev store.Event, stage store.Stage, v int64) store.Routed {
	return store.Routed{StagesVersion: v, StagesVersionKnown: true, Filtered: []store.FilteredRejection{{
		ID: uuid.NewString(), OrgID: ev.OrgID, CanvasID: ev.CanvasID, EventID: ev.ID, Message: "did not pass the filters",
		CreatedAt: ev.ReceivedAt, StageIDs: []string{stage.ID}, StageNames: []string{stage.Name}}}}
}

// rejectedEvents is the events the canvas's filtered rejections name, one
// entry a rejection.
func rejectedEvents(t *testing.T, s store.Store, c store.Canvas) []string {
	t.Helper()
	got, _, err := s.ListRejections(t.Context(), c.OrgID, c.ID, store.RejectionFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatalf("ListRejections: %v", err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.EventID)
	}
	return sorted(ids...)
}

// testRouteEventsMarkedOnlyStagesChanged: a batch whose only writes are
// the events' marks and filtered rejections, across two canvases, one of
// whose stages change between the match and the write: the other
// canvas's events are routed, with their rejections; the changed canvas's
// are left pending, their attempt not counted, with no rejection, and
// routed by the next call.
func testRouteEventsMarkedOnlyStagesChanged(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	calm, busy := mustCanvas(t, s, org.ID, "calm"), mustCanvas(t, s, org.ID, "busy")
	calmStage, busyStage := mustStage(t, s, org.ID, calm.ID, "deploy"), mustStage(t, s, org.ID, busy.ID, "deploy")
	calmSource := mustEventSource(t, s, newEventSource(org.ID, calm.ID, "push", "webhook", store.Integration{}))
	busySource := mustEventSource(t, s, newEventSource(org.ID, busy.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	a := mustInsertEvent(t, s, newEvent(busySource, "", base))
	b := mustInsertEvent(t, s, newEvent(calmSource, "", base.Add(time.Second)))
	c := mustInsertEvent(t, s, newEvent(busySource, "", base.Add(2*time.Second)))
	d := mustInsertEvent(t, s, newEvent(calmSource, "", base.Add(3*time.Second)))

	versions := map[string]int64{}
	read := func() {
		for _, c := range []store.Canvas{calm, busy} {
			v, err := s.StagesVersion(ctx, c.OrgID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			versions[c.ID] = v
		}
	}
	read()
	changed := false
	match := func(ev store.Event) (store.Routed, error) {
		v := versions[ev.CanvasID]
		stage := calmStage
		if ev.CanvasID == busy.ID {
			stage = busyStage
			if !changed {
				changed = true
				mustStage(t, s, org.ID, busy.ID, "added") // after the match, before the write
			}
		}
		return filteredOnly(ev, stage, v), nil
	}
	batch, err := s.RouteEventsBatch(ctx, now(), 10, match)
	if err != nil || batch.Done != 2 {
		t.Fatalf("RouteEventsBatch with a canvas's stages changed meanwhile = %+v, %v; want 2 done", batch, err)
	}
	equal(t, "routing ended for", sorted(batch.Ended...), sorted(b.ID, d.ID))
	equal(t, "the calm canvas's rejections", rejectedEvents(t, s, calm), sorted(b.ID, d.ID))
	equal(t, "the busy canvas's rejections", rejectedEvents(t, s, busy), []string(nil))
	for _, ev := range []store.Event{a, c} {
		got, err := s.FindEvent(ctx, org.ID, busy.ID, ev.ID)
		if err != nil || got.State != store.EventPending || got.RouteAttempts != 0 || got.StateMessage != "" {
			t.Fatalf("event matched at a version that moved: %+v, %v; want pending, no attempt counted, no message", got, err)
		}
	}
	read()
	batch, err = s.RouteEventsBatch(ctx, now(), 10, match)
	if err != nil || batch.Done != 2 {
		t.Fatalf("RouteEventsBatch once the stages hold = %+v, %v; want 2 done", batch, err)
	}
	equal(t, "routing ended for", sorted(batch.Ended...), sorted(a.ID, c.ID))
	equal(t, "the busy canvas's rejections", rejectedEvents(t, s, busy), sorted(a.ID, c.ID))
}

// testRouteEventsMarkedOnlyLeaseTakenOver: in a batch whose only writes
// are marks and filtered rejections, an event whose lease another server
// took (and routed) while it was matched gets nothing written by the
// first call: not its mark, not its rejection; the batch's other events
// are routed.
func testRouteEventsMarkedOnlyLeaseTakenOver(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "busy")
	stage := mustStage(t, s, org.ID, c.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	slow := mustInsertEvent(t, s, newEvent(es, "", base))
	other := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))
	v, err := s.StagesVersion(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	start := now()
	var later store.RoutedBatch
	b, err := s.RouteEventsBatch(ctx, start, 10, func(ev store.Event) (store.Routed, error) {
		if ev.ID == slow.ID {
			// Another server, past this call's lease.
			var err error
			later, err = s.RouteEventsBatch(ctx, start.Add(store.RouteLease+time.Second), 10, func(ev store.Event) (store.Routed, error) {
				r := filteredOnly(ev, stage, v)
				r.Filtered[0].Message = "the other server's"
				return r, nil
			})
			if err != nil {
				t.Errorf("the other server's RouteEventsBatch: %v", err)
			}
		}
		return filteredOnly(ev, stage, v), nil
	})
	if err != nil {
		t.Fatalf("RouteEventsBatch: %v", err)
	}
	equal(t, "the other server's routing ended for", later.Ended, []string{slow.ID})
	equal(t, "the first server's routing ended for", b.Ended, []string{other.ID})
	equal(t, "the rejections, each event once", rejectedEvents(t, s, c), sorted(slow.ID, other.ID))
	got, _, err := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.EventID == slow.ID && r.Message != "the other server's" {
			t.Errorf("the taken event's rejection says %q, want the other server's", r.Message)
		}
	}
	ev, err := s.FindEvent(ctx, org.ID, c.ID, slow.ID)
	if err != nil || ev.State != store.EventProcessed || ev.RouteAttempts != 2 {
		t.Errorf("the taken event: %+v, %v; want processed after the other server's attempt (2)", ev, err)
	}
}
