package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// benchEventSource opens a SQLite store (with extra URL parameters) holding
// one canvas with one webhook source.
func benchEventSource(b *testing.B, params string) (store.Store, store.EventSource) {
	b.Helper()
	s := mustOpen(b, sqliteURL(b)+params)
	ctx := b.Context()
	org, err := s.EnsureOrganization(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "bench", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(ctx, c); err != nil {
		b.Fatal(err)
	}
	es := store.EventSource{
		ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		Events: []byte(`[]`), KeyID: "key-1", KeyCiphertext: make([]byte, 60), KeyVersion: 1,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateEventSource(ctx, es); err != nil {
		b.Fatal(err)
	}
	return s, es
}

func benchEvent(es store.EventSource, deliveryID string, at time.Time) store.Event {
	return store.Event{
		ID: uuid.NewString(), SourceID: es.ID, Type: "push", DeliveryID: deliveryID,
		Raw:     []byte(`{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"name":"app"}}`),
		Headers: []byte(`{"content-type":"application/json","x-github-event":"push"}`),
		State:   "STATE_PENDING", ReceivedAt: at,
	}
}

// BenchmarkInsertEvent is the receiver's write: one durable transaction
// (synchronous=FULL) per event, with a delivery id to deduplicate on.
func BenchmarkInsertEvent(b *testing.B) {
	s, es := benchEventSource(b, "")
	ctx := b.Context()
	b.ResetTimer()
	for i := range b.N {
		if _, inserted, err := s.InsertEvent(ctx, benchEvent(es, fmt.Sprint("delivery-", i), time.Now())); err != nil || !inserted {
			b.Fatalf("InsertEvent = %v, %v", inserted, err)
		}
	}
}

// BenchmarkListEventsPage reads a page of 50 at the head of a 20,000-event
// history and deep inside it: with a keyset cursor both cost the same.
func BenchmarkListEventsPage(b *testing.B) {
	const history = 20000
	// Seeding needs no durability.
	s, es := benchEventSource(b, "?_pragma=synchronous(OFF)")
	ctx := b.Context()
	base := time.Now().UTC().Truncate(time.Microsecond).Add(-history * time.Second)
	var deep store.Event
	for i := range history {
		// Pairs of events share a time, so the id tie-break is exercised.
		ev, _, err := s.InsertEvent(ctx, benchEvent(es, "", base.Add(time.Duration(i/2)*time.Second)))
		if err != nil {
			b.Fatal(err)
		}
		if i == history/20 { // 95% of the history is newer
			deep = ev
		}
	}
	for _, bc := range []struct {
		name   string
		source string
		page   store.Page
	}{
		{"head", "", store.Page{Limit: 50}},
		{"deep", "", store.Page{BeforeTime: deep.ReceivedAt, BeforeID: deep.ID, Limit: 50}},
		{"deep-by-source", es.ID, store.Page{BeforeTime: deep.ReceivedAt, BeforeID: deep.ID, Limit: 50}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				events, err := s.ListEvents(ctx, es.OrgID, es.CanvasID, bc.source, bc.page)
				if err != nil || len(events) != 50 {
					b.Fatalf("ListEvents = %d events, %v; want 50", len(events), err)
				}
			}
		})
	}
}

// BenchmarkCountEvents is the count an events listing answers as
// totalCount, on a 20,000-event history: bounded (the server counts up to
// 1,000), it reads no further, however long the history. A states filter
// reads the rows, as no index holds the state with the canvas.
func BenchmarkCountEvents(b *testing.B) {
	const history = 20000
	s, es := benchEventSource(b, "?_pragma=synchronous(OFF)")
	ctx := b.Context()
	base := time.Now().UTC().Truncate(time.Microsecond).Add(-history * time.Second)
	for i := range history {
		if _, _, err := s.InsertEvent(ctx, benchEvent(es, "", base.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	all := store.EventFilter{OrgID: es.OrgID, CanvasID: es.CanvasID}
	bySource := all
	bySource.SourceID = es.ID
	pending := all
	pending.States = []string{"STATE_PENDING"}
	for _, bc := range []struct {
		name  string
		f     store.EventFilter
		limit int
	}{
		{"canvas-1000", all, 1000},
		{"canvas-10000", all, 10000},
		{"source-1000", bySource, 1000},
		{"pending-1000", pending, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				n, capped, err := s.CountEvents(ctx, bc.f, bc.limit)
				if err != nil || n != int64(bc.limit) || !capped {
					b.Fatalf("CountEvents = %d, %v, %v; want %d, capped", n, capped, err, bc.limit)
				}
			}
		})
	}
}
