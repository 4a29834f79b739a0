package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestEventBatchTakenOnceWriterHeld: deliveries that arrive while the
// receivers' transaction waits for SQLite's one writer (held here as
// routing holds it) join that transaction, and are stored by multi-row
// inserts: ten deliveries, one transaction of six statements at most (one
// read of their source, inserts of 8 and 2 rows, one last-event update),
// not a first transaction for the first delivery alone, nor an insert a
// delivery.
func TestEventBatchTakenOnceWriterHeld(t *testing.T) {
	ctx := t.Context()
	var counter StatementCounter
	st, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "superplane.db"), CountStatements(&counter))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, ok := st.(*db)
	if !ok {
		t.Fatalf("Open returned a %T", st)
	}
	org, err := s.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	es := EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		KeyID: "k", KeyCiphertext: []byte("sealed"), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateEventSource(ctx, es); err != nil {
		t.Fatal(err)
	}

	held, err := s.sql.BeginTx(ctx, nil) // the writer, as a routing transaction holds it
	if err != nil {
		t.Fatal(err)
	}
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
	_ = held.Rollback()
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
