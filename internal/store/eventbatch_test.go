package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// batchSource creates an organization, a canvas and a webhook source.
func batchSource(t testing.TB, s store.Store) store.EventSource {
	t.Helper()
	ctx := t.Context()
	org, err := s.EnsureOrganization(ctx, "batch")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "batch", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	es := store.EventSource{
		ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		Events: []byte(`[]`), KeyID: "key-1", KeyCiphertext: make([]byte, 60), KeyVersion: 1,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateEventSource(ctx, es); err != nil {
		t.Fatal(err)
	}
	return es
}

// TestInsertEventConcurrently: deliveries stored at the same moment (which
// the store groups into shared transactions) get what a transaction of
// their own would give: each delivery id stored once, its repeats answered
// with that first event, and a delivery to a source that does not exist
// refused without failing the ones stored with it.
func TestInsertEventConcurrently(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			s := mustOpen(t, url(t))
			es := batchSource(t, s)
			const (
				deliveries = 40
				repeats    = 3
				strays     = 10
			)
			type outcome struct {
				delivery string
				ev       store.Event
				inserted bool
				err      error
			}
			var (
				wg  sync.WaitGroup
				mu  sync.Mutex
				out []outcome
			)
			start := make(chan struct{})
			send := func(sourceID, delivery string) {
				defer wg.Done()
				<-start
				ev := store.Event{
					ID: uuid.NewString(), SourceID: sourceID, Type: "webhook", DeliveryID: delivery,
					Raw: []byte(`{"n":1}`), Headers: []byte(`{}`), State: "STATE_PENDING", ReceivedAt: time.Now(),
				}
				stored, inserted, err := s.InsertEvent(t.Context(), ev)
				mu.Lock()
				out = append(out, outcome{delivery, stored, inserted, err})
				mu.Unlock()
			}
			for i := range deliveries {
				for range repeats {
					wg.Add(1)
					go send(es.ID, fmt.Sprintf("delivery-%d", i))
				}
			}
			for i := range strays {
				wg.Add(1)
				go send(uuid.NewString(), fmt.Sprintf("stray-%d", i))
			}
			close(start)
			wg.Wait()

			firstOf := map[string]string{}
			insertedOf := map[string]int{}
			for _, o := range out {
				if strings.HasPrefix(o.delivery, "stray") {
					if !errors.Is(o.err, store.ErrNotFound) {
						t.Errorf("%s to a missing source: %v, want not found", o.delivery, o.err)
					}
					continue
				}
				if o.err != nil {
					t.Errorf("%s: %v", o.delivery, o.err)
					continue
				}
				if o.ev.SourceName != "hook" || o.ev.CanvasID != es.CanvasID {
					t.Errorf("%s: stored as %+v, want the source's name and canvas", o.delivery, o.ev)
				}
				if o.inserted {
					insertedOf[o.delivery]++
				}
				if first, ok := firstOf[o.delivery]; ok && first != o.ev.ID {
					t.Errorf("%s answered with two events: %s and %s", o.delivery, first, o.ev.ID)
				}
				firstOf[o.delivery] = o.ev.ID
			}
			for i := range deliveries {
				d := fmt.Sprintf("delivery-%d", i)
				if insertedOf[d] != 1 {
					t.Errorf("%s stored %d times, want once", d, insertedOf[d])
				}
			}
			events, err := s.ListEvents(t.Context(), es.OrgID, es.CanvasID, "", store.Page{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != deliveries {
				t.Errorf("%d events stored, want %d", len(events), deliveries)
			}
			src, err := s.FindEventSourceByID(t.Context(), es.ID)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, id := range firstOf {
				found = found || id == src.LastEventID
			}
			if !found {
				t.Errorf("the source's last event %q is none of the stored events", src.LastEventID)
			}
		})
	}
}

// BenchmarkInsertEventParallel is the receiver's write under concurrent
// deliveries: they share transactions and commits, so the rate is not
// bounded by one durable commit per event.
func BenchmarkInsertEventParallel(b *testing.B) {
	s, es := benchEventSource(b, "")
	ctx := b.Context()
	var mu sync.Mutex
	n := 0
	b.SetParallelism(8) // 8 x GOMAXPROCS senders
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			n++
			id := fmt.Sprint("delivery-", n)
			mu.Unlock()
			if _, inserted, err := s.InsertEvent(ctx, benchEvent(es, id, time.Now())); err != nil || !inserted {
				b.Errorf("InsertEvent = %v, %v", inserted, err)
				return
			}
		}
	})
}
