package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// TestEventBatchTakenAfterSourceReadOnPostgres: on PostgreSQL, deliveries
// that arrive while the group commit reads the source of the oldest one
// (held here by a lock on event_sources) join that commit: ten
// deliveries, one transaction, where the batch taken before the read was
// the first delivery alone and the nine others waited for a second.
func TestEventBatchTakenAfterSourceReadOnPostgres(t *testing.T) {
	ctx := t.Context()
	s := openTestDB(t, pgtest.SchemaURL(t, "eventbatchtake"))
	now := time.Now().UTC().Truncate(time.Microsecond)
	_, _, es := newWebhookSource(t, s, "acme", now)

	// The lock that holds the source's read, on a connection of its own.
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, `BEGIN; LOCK TABLE event_sources IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if _, err := conn.ExecContext(context.Background(), `COMMIT`); err != nil {
				t.Error(err)
			}
		}
	}
	defer release()

	var wg sync.WaitGroup
	errs := make([]error, 10)
	deliver := func(i int, delivery string) {
		wg.Go(func() {
			_, _, errs[i] = s.InsertEvent(context.Background(), Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
				DeliveryID: delivery, Raw: []byte(`{}`), Headers: []byte(`{}`), State: EventPending, ReceivedAt: now})
		})
	}
	waitFor := func(what string, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				release()
				t.Fatalf("gave up waiting for %s", what)
			}
		}
	}
	deliver(0, "first")
	waitFor("the source's read to wait for the lock", func() bool {
		var n int
		_ = s.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND relation = 'event_sources'::regclass`).Scan(&n)
		return n > 0
	})
	for i := 1; i < 10; i++ {
		deliver(i, fmt.Sprint("late-", i))
	}
	waitFor("the nine later deliveries to queue", func() bool {
		s.events.q.mu.Lock()
		defer s.events.q.mu.Unlock()
		n := 0
		for _, p := range s.events.q.queue {
			if strings.HasPrefix(p.ev.DeliveryID, "late-") {
				n++
			}
		}
		return n == 9
	})
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	// Rows a transaction inserted carry its id as xmin.
	var txs int
	if err := s.sql.QueryRowContext(ctx, `SELECT COUNT(DISTINCT xmin::text) FROM events WHERE source_id = $1`, es.ID).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if txs != 1 {
		t.Errorf("ten deliveries stored in %d transactions, want 1: the batch was taken before the source's read", txs)
	}
}
