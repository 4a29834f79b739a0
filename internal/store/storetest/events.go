package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func testInsertEvent(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "github", store.Integration{}))
	other := mustEventSource(t, s, newEventSource(org.ID, c.ID, "other", "github", store.Integration{}))

	first := newEvent(es, "delivery-1", now())
	got, inserted, err := s.InsertEvent(ctx, first)
	if err != nil || !inserted {
		t.Fatalf("InsertEvent = inserted %v, %v; want inserted", inserted, err)
	}
	equal(t, "inserted event", got, storedEvent(first, es))
	found, err := s.FindEvent(ctx, org.ID, c.ID, first.ID)
	if err != nil {
		t.Fatalf("FindEvent: %v", err)
	}
	equal(t, "found event", found, got)
	if last := findEventSource(t, s, es).LastEventID; last != first.ID {
		t.Errorf("LastEventID = %q, want %q", last, first.ID)
	}

	// A redelivery returns the first event and stores nothing.
	redelivery := newEvent(es, "delivery-1", now().Add(time.Second))
	redelivery.Raw = []byte(`{"different":true}`)
	got, inserted, err = s.InsertEvent(ctx, redelivery)
	if err != nil || inserted {
		t.Fatalf("InsertEvent of a redelivery = inserted %v, %v; want not inserted", inserted, err)
	}
	equal(t, "event returned for a redelivery", got, storedEvent(first, es))
	_, err = s.FindEvent(ctx, org.ID, c.ID, redelivery.ID)
	wantErr(t, err, store.ErrNotFound)
	if last := findEventSource(t, s, es).LastEventID; last != first.ID {
		t.Errorf("after a redelivery LastEventID = %q, want %q", last, first.ID)
	}

	// The same delivery id on another source is another delivery; events
	// without a delivery id never collide.
	onOther := mustInsertEvent(t, s, newEvent(other, "delivery-1", now()))
	anon1 := mustInsertEvent(t, s, newEvent(es, "", now()))
	anon2 := mustInsertEvent(t, s, newEvent(es, "", anon1.ReceivedAt))
	if last := findEventSource(t, s, es).LastEventID; last != anon2.ID {
		t.Errorf("LastEventID = %q, want the newest event %q", last, anon2.ID)
	}
	if last := findEventSource(t, s, other).LastEventID; last != onOther.ID {
		t.Errorf("other source's LastEventID = %q, want %q", last, onOther.ID)
	}
	events, err := s.ListEvents(ctx, org.ID, c.ID, es.ID, store.Page{})
	if err != nil || len(events) != 3 {
		t.Fatalf("ListEvents of the source = %d events, %v; want 3", len(events), err)
	}

	// Bytes read back exactly as received, whatever they hold, and the
	// receiver's time in UTC.
	exact := newEvent(es, "delivery-2", time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.FixedZone("CET", 3600)))
	exact.Raw = []byte("{\"s\":\"caf\xc3\xa9 \xff\xfe \\u0000\",\n  \"n\": 1.50 }\x00")
	exact.Headers = []byte(`{"content-type":"application/json; charset=utf-8","x-a":"b"}`)
	got = mustInsertEvent(t, s, exact)
	found, err = s.FindEvent(ctx, org.ID, c.ID, exact.ID)
	if err != nil {
		t.Fatalf("FindEvent: %v", err)
	}
	equal(t, "raw bytes", found.Raw, exact.Raw)
	equal(t, "header bytes", found.Headers, exact.Headers)
	if !found.ReceivedAt.Equal(exact.ReceivedAt) || found.ReceivedAt.Location() != time.UTC {
		t.Errorf("received at %v, want %v in UTC", found.ReceivedAt, exact.ReceivedAt.UTC())
	}
	equal(t, "returned and stored event", got, found)

	// The source decides the organization and canvas.
	misplaced := newEvent(es, "", now())
	misplaced.OrgID, misplaced.CanvasID, misplaced.SourceName = uuid.NewString(), uuid.NewString(), "lies"
	got = mustInsertEvent(t, s, misplaced)
	if got.OrgID != org.ID || got.CanvasID != c.ID || got.SourceName != "push" {
		t.Errorf("event filed under %s/%s/%s, want the source's %s/%s/push", got.OrgID, got.CanvasID, got.SourceName, org.ID, c.ID)
	}

	for _, sourceID := range []string{uuid.NewString(), "push"} {
		ev := newEvent(es, "", now())
		ev.SourceID = sourceID
		_, _, err := s.InsertEvent(ctx, ev)
		wantErr(t, err, store.ErrNotFound, sourceID)
	}
	// A repeated delivery id dedupes; a repeated event id is an error.
	dupID := newEvent(es, "", now())
	dupID.ID = first.ID
	_, _, err = s.InsertEvent(ctx, dupID)
	wantErr(t, err, store.ErrConflict, first.ID)

	// Another organization or canvas does not find the event.
	otherOrg := mustOrg(t, s, "globex")
	_, err = s.FindEvent(ctx, otherOrg.ID, c.ID, first.ID)
	wantErr(t, err, store.ErrNotFound, first.ID)
	c2 := mustCanvas(t, s, org.ID, "staging")
	_, err = s.FindEvent(ctx, org.ID, c2.ID, first.ID)
	wantErr(t, err, store.ErrNotFound, first.ID)
	_, err = s.FindEvent(ctx, org.ID, c.ID, "not-a-uuid")
	wantErr(t, err, store.ErrNotFound, "not-a-uuid")
}

func testInsertEventConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "github", store.Integration{}))

	ids := make([]string, Concurrency)
	wins := make([]bool, Concurrency)
	errs := concurrently(func(i int) error {
		got, inserted, err := s.InsertEvent(ctx, newEvent(es, "same-delivery", now()))
		ids[i], wins[i] = got.ID, inserted
		return err
	})
	winners := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent InsertEvent %d: %v", i, err)
		}
		if wins[i] {
			winners++
		}
		if ids[i] != ids[0] {
			t.Errorf("concurrent InsertEvent returned events %s and %s", ids[0], ids[i])
		}
	}
	if winners != 1 {
		t.Errorf("%d concurrent InsertEvent calls report inserting, want 1", winners)
	}
	events, err := s.ListEvents(ctx, org.ID, c.ID, "", store.Page{})
	if err != nil || len(events) != 1 || events[0].ID != ids[0] {
		t.Fatalf("after concurrent redeliveries ListEvents = %+v, %v; want only %s", events, err, ids[0])
	}
	if last := findEventSource(t, s, es).LastEventID; last != ids[0] {
		t.Errorf("LastEventID = %q, want %q", last, ids[0])
	}
}

func testListEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	push := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "github", store.Integration{}))
	hook := mustEventSource(t, s, newEventSource(org.ID, c.ID, "hook", "webhook", store.Integration{}))
	elsewhere := mustCanvas(t, s, org.ID, "staging")
	elsewhereSource := mustEventSource(t, s, newEventSource(org.ID, elsewhere.ID, "push", "webhook", store.Integration{}))
	mustInsertEvent(t, s, newEvent(elsewhereSource, "", now()))

	if events, err := s.ListEvents(ctx, org.ID, c.ID, "", store.Page{}); err != nil || len(events) != 0 {
		t.Fatalf("ListEvents with no events = %v, %v; want none", events, err)
	}

	// 120 events, four per instant, so that pages end inside a group of
	// equal times and only the id breaks the tie; inserted out of order.
	const total = 120
	base := now().Add(-time.Hour)
	var all []store.Event
	for i := range total {
		es := push
		if i%3 == 0 {
			es = hook
		}
		at := base.Add(time.Duration((i*37)%total/4) * time.Millisecond)
		all = append(all, mustInsertEvent(t, s, newEvent(es, "", at)))
	}
	newestFirst := func(events []store.Event) []store.Event {
		out := append([]store.Event(nil), events...)
		sort.Slice(out, func(i, j int) bool {
			if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
				return out[i].ReceivedAt.After(out[j].ReceivedAt)
			}
			return out[i].ID > out[j].ID
		})
		return out
	}
	pageAll := func(sourceID string, page store.Page) []store.Event {
		t.Helper()
		var got []store.Event
		for range total + 1 { // bounded: each page moves on by at least one event
			events, err := s.ListEvents(ctx, org.ID, c.ID, sourceID, page)
			if err != nil {
				t.Fatalf("ListEvents(%q, %+v): %v", sourceID, page, err)
			}
			if len(events) > page.Limit {
				t.Fatalf("ListEvents returned %d events for limit %d", len(events), page.Limit)
			}
			got = append(got, events...)
			if len(events) < page.Limit {
				return got
			}
			last := events[len(events)-1]
			page.BeforeTime, page.BeforeID = last.ReceivedAt, last.ID
		}
		t.Fatal("paging does not end")
		return nil
	}

	equal(t, "every event, in pages of 25", eventIDs(pageAll("", store.Page{Limit: 25})), eventIDs(newestFirst(all)))
	equal(t, "every event, in pages of 4", eventIDs(pageAll("", store.Page{Limit: 4})), eventIDs(newestFirst(all)))
	var ofHook []store.Event
	for _, ev := range all {
		if ev.SourceID == hook.ID {
			ofHook = append(ofHook, ev)
		}
	}
	equal(t, "the webhook's events, in pages of 7", eventIDs(pageAll(hook.ID, store.Page{Limit: 7})), eventIDs(newestFirst(ofHook)))

	first, err := s.ListEvents(ctx, org.ID, c.ID, "", store.Page{})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	equal(t, "default page", eventIDs(first), eventIDs(newestFirst(all)[:50]))
	equal(t, "newest event", first[0], newestFirst(all)[0])

	// A cursor with a time only starts strictly before that time.
	sorted := newestFirst(all)
	cut := sorted[10].ReceivedAt
	page, err := s.ListEvents(ctx, org.ID, c.ID, "", store.Page{BeforeTime: cut, Limit: total})
	if err != nil {
		t.Fatalf("ListEvents before a time: %v", err)
	}
	var older []store.Event
	for _, ev := range sorted {
		if ev.ReceivedAt.Before(cut) {
			older = append(older, ev)
		}
	}
	equal(t, "events before a time", eventIDs(page), eventIDs(older))

	other := mustOrg(t, s, "globex")
	if events, err := s.ListEvents(ctx, other.ID, c.ID, "", store.Page{}); err != nil || len(events) != 0 {
		t.Errorf("another organization lists %d events, %v; want none", len(events), err)
	}
	for what, tc := range map[string]struct{ org, canvas, source string }{
		"a missing source":                  {org.ID, c.ID, uuid.NewString()},
		"another canvas's source":           {org.ID, c.ID, elsewhereSource.ID},
		"a source via another organization": {other.ID, c.ID, push.ID},
	} {
		if events, err := s.ListEvents(ctx, tc.org, tc.canvas, tc.source, store.Page{}); err != nil || len(events) != 0 {
			t.Errorf("%s lists %d events, %v; want none", what, len(events), err)
		}
	}
	if events, err := s.ListEvents(ctx, org.ID, elsewhere.ID, elsewhereSource.ID, store.Page{}); err != nil || len(events) != 1 {
		t.Errorf("the other canvas's source lists %d events, %v; want 1", len(events), err)
	}
}

// eventIDs lists the events' ids, for comparisons whose failure must stay
// readable.
func eventIDs(events []store.Event) []string {
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = ev.ID
	}
	return ids
}
