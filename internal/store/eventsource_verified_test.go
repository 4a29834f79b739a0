package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestInsertEventVerifiedSource: an event given the source its delivery was
// verified with (Event.Verified, as a receiver's cache keeps it) is stored
// only while the stored source is still that one. After a key reset, a
// rewrap, a filter change or a deletion, the insert stores nothing and says
// so (ErrSourceChanged, or not found once the source is gone), also for
// deliveries sharing a transaction with events that do store.
func TestInsertEventVerifiedSource(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, org := openAcme(t, url(t))
			now := time.Now().UTC().Truncate(time.Microsecond)
			c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
			if err := st.CreateCanvas(ctx, c); err != nil {
				t.Fatal(err)
			}
			es := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
				Events: []byte(`[{"type":"webhook"}]`), KeyID: "k", KeyCiphertext: []byte("sealed-1"), KeyVersion: 1,
				CreatedAt: now, UpdatedAt: now}
			if err := st.CreateEventSource(ctx, es); err != nil {
				t.Fatal(err)
			}
			read := func() store.EventSource {
				t.Helper()
				got, err := st.FindEventSourceForDelivery(ctx, es.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			insert := func(ctx context.Context, verified store.EventSource, delivery string) error {
				_, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: es.ID, Type: "webhook",
					DeliveryID: delivery, Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending,
					ReceivedAt: now, Verified: &verified})
				return err
			}
			stored := func(delivery string) bool {
				t.Helper()
				_, err := st.FindEventByDeliveryID(ctx, es.ID, delivery)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				return err == nil
			}

			current := read()
			if err := insert(ctx, current, "d-1"); err != nil || !stored("d-1") {
				t.Fatalf("insert with the current source: %v, stored %v", err, stored("d-1"))
			}
			changes := []struct {
				name   string
				change func(*store.EventSource)
			}{
				{"key reset", func(s *store.EventSource) {
					s.KeyCiphertext, s.PrevKeyCiphertext, s.PrevKeyExpiresAt = []byte("sealed-2"), s.KeyCiphertext, now.Add(time.Hour)
				}},
				{"grace ended", func(s *store.EventSource) { s.PrevKeyCiphertext, s.PrevKeyExpiresAt = nil, time.Time{} }},
				{"filter change", func(s *store.EventSource) {
					s.Events = []byte(`[{"type":"webhook","filters":[{"type":"data","data":{"expression":"$.a == 1"}}]}]`)
				}},
				{"signature scheme", func(s *store.EventSource) { s.SignatureScheme = "standard-webhooks" }},
			}
			for i, ch := range changes {
				stale := read()
				if _, err := st.UpdateEventSource(ctx, org.ID, c.ID, es.ID, func(s *store.EventSource) error {
					ch.change(s)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				delivery := fmt.Sprint("stale-", i)
				if err := insert(ctx, stale, delivery); !errors.Is(err, store.ErrSourceChanged) || stored(delivery) {
					t.Errorf("%s: insert with the source before it: %v (stored %v), want ErrSourceChanged and nothing stored",
						ch.name, err, stored(delivery))
				}
				delivery = fmt.Sprint("fresh-", i)
				if err := insert(ctx, read(), delivery); err != nil || !stored(delivery) {
					t.Errorf("%s: insert with the source after it: %v, stored %v", ch.name, err, stored(delivery))
				}
			}
			if ok, err := st.RewrapEventSourceKey(ctx, es.ID, read().KeyCiphertext, []byte("rewrapped"), nil, "k2"); err != nil || !ok {
				t.Fatalf("rewrap: %v %v", ok, err)
			}
			if err := insert(ctx, current, "after-rewrap"); !errors.Is(err, store.ErrSourceChanged) {
				t.Errorf("insert with the source before a rewrap: %v, want ErrSourceChanged", err)
			}

			// Concurrent inserts share transactions (group commit): the
			// stale ones store nothing, the others are stored.
			fresh, stale := read(), current
			var wg sync.WaitGroup
			errs := make([]error, 32)
			for i := range errs {
				wg.Go(func() {
					v := fresh
					if i%2 == 1 {
						v = stale
					}
					errs[i] = insert(ctx, v, fmt.Sprint("c-", i))
				})
			}
			wg.Wait()
			for i, err := range errs {
				want := error(nil)
				if i%2 == 1 {
					want = store.ErrSourceChanged
				}
				if !errors.Is(err, want) || (err == nil) != stored(fmt.Sprint("c-", i)) {
					t.Errorf("concurrent insert %d: %v (stored %v), want %v", i, err, stored(fmt.Sprint("c-", i)), want)
				}
			}

			if err := st.DeleteEventSource(ctx, org.ID, c.ID, es.ID); err != nil {
				t.Fatal(err)
			}
			if err := insert(ctx, fresh, "after-delete"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("insert after the source's deletion: %v, want ErrNotFound", err)
			}
		})
	}
}
