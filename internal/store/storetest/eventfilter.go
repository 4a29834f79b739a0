package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testFilterAndCountEvents: ListEventsWhere honours the states and the
// source of its filter, page by page; CountEvents counts what the same
// filter selects, whatever the page, and stops at its limit.
func testFilterAndCountEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	push := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "github", store.Integration{}))
	hook := mustEventSource(t, s, newEventSource(org.ID, c.ID, "hook", "webhook", store.Integration{}))
	elsewhere := mustCanvas(t, s, org.ID, "staging")
	elsewhereSource := mustEventSource(t, s, newEventSource(org.ID, elsewhere.ID, "push", "webhook", store.Integration{}))
	mustInsertEvent(t, s, newEvent(elsewhereSource, "", now()))

	states := []string{"STATE_PENDING", "STATE_PROCESSED", "STATE_REJECTED"}
	base := now().Add(-time.Hour)
	// 30 events: state i%3, source hook when i%5 == 0; newest last.
	want := map[string][]string{} // key: source ("" for all) + "/" + state, newest first
	for i := range 30 {
		es := push
		if i%5 == 0 {
			es = hook
		}
		ev := newEvent(es, "", base.Add(time.Duration(i)*time.Millisecond))
		ev.State = states[i%3]
		ev = mustInsertEvent(t, s, ev)
		for _, k := range []string{"/" + ev.State, es.ID + "/" + ev.State, "/", es.ID + "/"} {
			want[k] = append([]string{ev.ID}, want[k]...)
		}
	}
	all := store.EventFilter{OrgID: org.ID, CanvasID: c.ID}
	for _, tc := range []struct {
		what   string
		f      store.EventFilter
		wanted []string
	}{
		{"every event", all, want["/"]},
		{"pending events", withStates(all, "STATE_PENDING"), want["/STATE_PENDING"]},
		{"processed or rejected", withStates(all, "STATE_PROCESSED", "STATE_REJECTED"), merge(want["/STATE_PROCESSED"], want["/STATE_REJECTED"], want["/"])},
		{"the hook's events", store.EventFilter{OrgID: org.ID, CanvasID: c.ID, SourceID: hook.ID}, want[hook.ID+"/"]},
		{"the hook's rejected events", withStates(store.EventFilter{OrgID: org.ID, CanvasID: c.ID, SourceID: hook.ID}, "STATE_REJECTED"), want[hook.ID+"/STATE_REJECTED"]},
		{"a state no event is in", withStates(all, "STATE_UNKNOWN"), nil},
	} {
		var got []string
		page := store.Page{Limit: 4}
		for range 31 { // bounded: each page moves on by at least one event
			events, err := s.ListEventsWhere(ctx, tc.f, page)
			if err != nil {
				t.Fatalf("%s: ListEventsWhere: %v", tc.what, err)
			}
			got = append(got, eventIDs(events)...)
			if len(events) < page.Limit {
				break
			}
			last := events[len(events)-1]
			page.BeforeTime, page.BeforeID = last.ReceivedAt, last.ID
		}
		if len(got) == 0 {
			got = nil
		}
		equal(t, tc.what+", in pages of 4", got, tc.wanted)

		n, capped, err := s.CountEvents(ctx, tc.f, 1000)
		if err != nil {
			t.Fatalf("%s: CountEvents: %v", tc.what, err)
		}
		if n != int64(len(tc.wanted)) || capped {
			t.Fatalf("%s: CountEvents = %d (capped %v), want %d", tc.what, n, capped, len(tc.wanted))
		}
	}
	// The count stops at its limit and says so.
	if n, capped, err := s.CountEvents(ctx, all, 7); err != nil || n != 7 || !capped {
		t.Fatalf("CountEvents with limit 7 of 30 = %d, %v, %v; want 7, capped", n, capped, err)
	}
	if n, capped, err := s.CountEvents(ctx, all, 30); err != nil || n != 30 || capped {
		t.Fatalf("CountEvents with limit 30 of 30 = %d, %v, %v; want 30, not capped", n, capped, err)
	}
	// Nothing leaks across canvases or organizations.
	other := mustOrg(t, s, "globex")
	for what, f := range map[string]store.EventFilter{
		"another organization":    {OrgID: other.ID, CanvasID: c.ID},
		"another canvas's source": {OrgID: org.ID, CanvasID: c.ID, SourceID: elsewhereSource.ID},
		"a missing source":        {OrgID: org.ID, CanvasID: c.ID, SourceID: uuid.NewString()},
		"a source id not a UUID":  {OrgID: org.ID, CanvasID: c.ID, SourceID: "push"},
	} {
		if n, _, err := s.CountEvents(ctx, f, 1000); err != nil || n != 0 {
			t.Errorf("%s counts %d events, %v; want none", what, n, err)
		}
		if events, err := s.ListEventsWhere(ctx, f, store.Page{}); err != nil || len(events) != 0 {
			t.Errorf("%s lists %d events, %v; want none", what, len(events), err)
		}
	}
}

func withStates(f store.EventFilter, states ...string) store.EventFilter {
	f.States = states
	return f
}

// merge returns the ids of order that are in a or b, in order's order.
func merge(a, b, order []string) []string {
	in := map[string]bool{}
	for _, id := range append(append([]string(nil), a...), b...) {
		in[id] = true
	}
	var out []string
	for _, id := range order {
		if in[id] {
			out = append(out, id)
		}
	}
	return out
}
