package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// pgBatchOf is a group commit's batch of events of sources, in turn, with
// the delivery ids named.
func pgBatchOf(sources []EventSource, at time.Time, deliveries ...string) []*pendingEvent {
	batch := make([]*pendingEvent, len(deliveries))
	for i, d := range deliveries {
		es := sources[i%len(sources)]
		batch[i] = &pendingEvent{ev: Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook", DeliveryID: d,
			Raw: fmt.Appendf(nil, `{"n":%d}`, i), Headers: []byte(`{}`), State: EventPending, ReceivedAt: at}, done: make(chan struct{})}
	}
	return batch
}

// TestEventBatchRoundTripsOnPostgres: a busy source's group commit on
// PostgreSQL is two round trips whatever the batch's size (the source's
// read, then one statement that stores the events and moves the source's
// last event, with no transaction around them), where a batch of 15 was
// eight (begin, the read, inserts of 8, 4, 2 and 1 rows, the source's
// update, commit). What the batch stores is what it did: a repeated
// delivery id answered with its first event, the source's last event the
// last stored in the batch's order (for each source of a batch of
// several), and a batch whose statement PostgreSQL refuses (a taken event
// id) stored event by event, so that only that event fails, as does one
// whose source changed since it was verified.
func TestEventBatchRoundTripsOnPostgres(t *testing.T) {
	ctx := t.Context()
	var n StatementCounter
	st, err := Open(ctx, pgtest.SchemaURL(t, "eventbatch"), CountRoundTrips(&n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, ok := st.(*db)
	if !ok {
		t.Fatalf("Open returned %T, not *db", st)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	_, _, es := newWebhookSource(t, s, "acme", now)
	commit := func(batch []*pendingEvent) {
		t.Helper()
		s.insertEventBatch(func() []*pendingEvent { return batch })
		for i, p := range batch {
			if p.err != nil {
				t.Fatalf("event %d: %v", i, p.err)
			}
		}
	}
	var ds []string
	for i := range 15 {
		ds = append(ds, fmt.Sprint("warm-", i))
	}
	commit(pgBatchOf([]EventSource{es}, now, ds...)) // statements prepared on the connection
	for i := range ds {
		ds[i] = fmt.Sprint("d-", i)
	}
	batch := pgBatchOf([]EventSource{es}, now, ds...)
	before := n.Count()
	commit(batch)
	if got := n.Count() - before; got > 2 {
		t.Errorf("a batch of 15 events of one source took %d round trips, want at most 2", got)
	}
	if got, err := s.FindEventSourceByID(ctx, es.ID); err != nil || got.LastEventID != batch[14].out.ID {
		t.Errorf("source's last event %q (%v), want the batch's last, %q", got.LastEventID, err, batch[14].out.ID)
	}

	// A repeat of d-3 last in the batch, and a repeat of d-1 in it: the
	// last stored is the new d-20.
	batch = pgBatchOf([]EventSource{es}, now, "d-20", "d-1", "d-3")
	commit(batch)
	if !batch[0].inserted || batch[1].inserted || batch[2].inserted {
		t.Errorf("inserted %v %v %v, want only the new delivery", batch[0].inserted, batch[1].inserted, batch[2].inserted)
	}
	if batch[2].out.DeliveryID != "d-3" || batch[2].out.ID == batch[2].ev.ID {
		t.Errorf("repeated d-3 answered with %+v, want the event stored first", batch[2].out)
	}
	if got, err := s.FindEventSourceByID(ctx, es.ID); err != nil || got.LastEventID != batch[0].out.ID {
		t.Errorf("source's last event %q (%v), want the last stored, %q", got.LastEventID, err, batch[0].out.ID)
	}

	// A taken event id fails that event alone; a source changed since
	// the delivery was verified, that delivery alone.
	batch = pgBatchOf([]EventSource{es}, now, "t-1", "t-2", "t-3", "t-4")
	taken := pgBatchOf([]EventSource{es}, now, "t-0")
	commit(taken)
	batch[1].ev.ID = taken[0].ev.ID
	stale := es
	stale.KeyCiphertext = []byte("another key")
	batch[2].ev.Verified = &stale
	s.insertEventBatch(func() []*pendingEvent { return batch })
	if !errors.Is(batch[1].err, ErrConflict) || !errors.Is(batch[2].err, ErrSourceChanged) {
		t.Errorf("taken id: %v, changed source: %v; want a conflict and ErrSourceChanged", batch[1].err, batch[2].err)
	}
	if batch[0].err != nil || !batch[0].inserted || batch[3].err != nil || !batch[3].inserted {
		t.Errorf("the others: %v %v, %v %v; want both stored", batch[0].inserted, batch[0].err, batch[3].inserted, batch[3].err)
	}

	// Two sources in one batch: each one's last event is its last stored.
	_, _, other := newWebhookSource(t, s, "globex", now)
	batch = pgBatchOf([]EventSource{es, other}, now, "m-1", "m-2", "m-3", "m-4", "m-5")
	commit(batch)
	for _, want := range []struct {
		source string
		last   *pendingEvent
	}{{es.ID, batch[4]}, {other.ID, batch[3]}} {
		if got, err := s.FindEventSourceByID(ctx, want.source); err != nil || got.LastEventID != want.last.out.ID {
			t.Errorf("source %s's last event %q (%v), want %q", want.source, got.LastEventID, err, want.last.out.ID)
		}
	}
}
