package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestEventBatchTakenOnceWriterHeld: deliveries that arrive while the
// receivers' transaction waits for SQLite's one writer (held here as
// routing holds it) join that transaction, and are stored by multi-row
// inserts: ten deliveries, one transaction of six statements at most (one
// read of their source, inserts of 8 and 2 rows, one last-event update),
// not a first transaction for the first delivery alone, nor an insert a
// delivery.
func TestEventBatchTakenOnceWriterHeld(t *testing.T) {
	var counter StatementCounter
	f := newHeldWriterFixture(t, CountStatements(&counter))
	s, es, now := f.s, f.source, f.now
	release := f.holdWriter(t) // the writer, as a routing transaction holds it
	const deliveries = 10
	var wg sync.WaitGroup
	errs := make([]error, deliveries)
	for i := range deliveries {
		wg.Go(func() {
			_, _, errs[i] = s.InsertEvent(context.Background(), Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
				DeliveryID: fmt.Sprint("d-", i), Raw: []byte(`{}`), Headers: []byte(`{}`), State: EventPending, ReceivedAt: now})
		})
	}
	queued := func() int {
		s.events.q.mu.Lock()
		defer s.events.q.mu.Unlock()
		return len(s.events.q.queue)
	}
	deadline := time.Now().Add(10 * time.Second)
	for queued() < deliveries && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := queued()
	release()
	before := counter.Count()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	if got != deliveries {
		t.Errorf("%d of %d deliveries waiting while the writer was held, want all: one was taken before the writer", got, deliveries)
	}
	// One transaction: its begin (unless counted while it waited for the
	// writer), one source read, the multi-row inserts, one last-event
	// update and the commit. A second transaction would add a begin, a
	// read, an insert, an update and a commit.
	inserts := 0
	for rest := deliveries; rest > 0; inserts++ {
		for _, c := range eventRowChunks {
			if c <= rest {
				rest -= c
				break
			}
		}
	}
	if n, want := counter.Count()-before, int64(inserts+4); n > want {
		t.Errorf("%d deliveries stored with %d statements, want at most %d (one transaction)", deliveries, n, want)
	}
}
