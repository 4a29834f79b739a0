package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"time"
)

// maxEventBatch bounds the events one shared transaction stores.
const maxEventBatch = 128

// eventBatchTimeout bounds one shared transaction. It does not depend on
// any one caller's context: a sender that hung up must not roll back the
// events of the others.
const eventBatchTimeout = 30 * time.Second

// eventBatcher is group commit for InsertEvent. A delivery is answered only
// once its event is durable, and a durable commit waits for the disk (an
// fsync, about a millisecond here); with one transaction per delivery the
// commits queue behind each other (SQLite has one writer; PostgreSQL
// serializes on the source's row, whose last event every delivery sets).
// Instead, deliveries that arrive while a transaction is committing wait for
// the next one, which stores them all and commits once. A lone delivery is
// stored at once, in a transaction of its own.
//
// The result of each call is what a transaction of its own would give: if a
// statement of a shared transaction fails, it is rolled back and each event
// is stored again alone, so one bad event cannot fail the others.
type eventBatcher struct {
	q batchQueue[*pendingEvent]
}

// pendingEvent is one InsertEvent call waiting for its transaction.
type pendingEvent struct {
	ev       Event
	out      Event
	inserted bool
	err      error
	done     chan struct{}
}

// insert queues ev and waits until a transaction stored it (or ctx ends;
// the event may then still be stored, as when a sender hangs up right
// before the answer).
func (b *eventBatcher) insert(ctx context.Context, s *db, ev Event) (Event, bool, error) {
	p := &pendingEvent{ev: ev, done: make(chan struct{})}
	b.q.addLate(p, maxEventBatch, s.insertEventBatch)
	select {
	case <-p.done:
		return p.out, p.inserted, p.err
	case <-ctx.Done():
		return Event{}, false, ctx.Err()
	}
}

// eventTx is one transaction storing events: the sources it read, and
// the newest event it stored for each, which becomes the source's last
// event before the commit.
type eventTx struct {
	tx      *sql.Tx
	sources map[string]eventSourceRow // by source id
	last    map[string]string         // source id -> event id
}

// eventSourceRow is what an event copies from its source (org, canvas and
// name) and what Event.Verified is checked against.
type eventSourceRow struct{ es EventSource }

// storeEvents runs store in a transaction and records each source's last
// event before the commit. Sources are updated in id order, so that two
// servers storing events of the same sources lock them in the same order.
// beforeCommit tells that err came before the commit: nothing was stored.
func (s *db) storeEvents(ctx context.Context, store func(et *eventTx) error) (beforeCommit bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		beforeCommit = true
		et := &eventTx{tx: tx, sources: map[string]eventSourceRow{}, last: map[string]string{}}
		if err := store(et); err != nil {
			return err
		}
		for _, source := range slices.Sorted(maps.Keys(et.last)) {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE event_sources SET last_event_id = ? WHERE id = ?`),
				et.last[source], source); err != nil {
				return err
			}
		}
		beforeCommit = false
		return nil
	})
	return beforeCommit, err
}

// insertEventBatch stores a batch in one transaction, or each event in
// its own when the shared one fails before its commit, and wakes the
// callers. The batch is taken once the transaction has begun (on SQLite,
// once it holds the one writer, often after routing's transaction): the
// deliveries that arrived meanwhile share this commit rather than wait for
// another (batchQueue.addLate).
func (s *db) insertEventBatch(take func() []*pendingEvent) {
	ctx, cancel := context.WithTimeout(context.Background(), eventBatchTimeout)
	defer cancel()
	var batch []*pendingEvent
	taken := false
	get := func() []*pendingEvent {
		if !taken {
			batch, taken = take(), true
		}
		return batch
	}
	defer func() {
		for _, p := range get() {
			close(p.done)
		}
	}()
	beforeCommit, err := s.storeEvents(ctx, func(et *eventTx) error {
		return s.insertEventRows(ctx, et, get())
	})
	if err == nil {
		return
	}
	if !beforeCommit {
		// The commit failed, and whether it took effect is unknown, so
		// nothing is tried again (the senders retry); or the transaction
		// could not begin.
		for _, p := range get() {
			p.out, p.inserted, p.err = Event{}, false, err
		}
		return
	}
	// A statement failed: each event alone, so that one bad event (a
	// missing source, a taken id) cannot fail the others, and with the
	// error insertEvent names.
	for _, p := range batch {
		_, err := s.storeEvents(ctx, func(et *eventTx) error {
			p.out, p.inserted, p.err = s.insertEvent(ctx, et, p.ev)
			return p.err
		})
		if err != nil {
			p.out, p.inserted, p.err = Event{}, false, err
		}
	}
}
