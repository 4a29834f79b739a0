package store

import (
	"context"
	"database/sql"
)

// maxWriteBatch bounds the writes one shared transaction makes.
const maxWriteBatch = 64

// writeBatcher is group commit for single-statement writes that are
// independent of each other (creating a secret). As with events
// (eventBatcher), a durable commit waits for the disk and commits queue
// behind SQLite's one writer, so writes that arrive while a transaction
// commits wait for the next one, which makes them all and commits once.
//
// Each write runs inside a savepoint of its own: a write that fails (a name
// taken) is rolled back to its savepoint and reports its error, and the
// others commit as if each had its own transaction. A failed commit fails
// every write of the batch: none of them took effect. A batch of one is a
// statement of its own, committed by itself: the same effect without the
// begin and commit.
//
// PostgreSQL needs none of this: it takes writers in parallel and already
// shares one WAL flush among the commits that wait for it, so there each
// write is one statement, one round trip, on a connection of its own.
// Batching them made every create wait for one connection's begin,
// savepoints and commit, three or more round trips each (issue 17).
type writeBatcher struct {
	q batchQueue[*pendingWrite]
}

// pendingWrite is one write waiting for its transaction.
type pendingWrite struct {
	fn  func(ctx context.Context, q querier) error
	err error
	// tx: fn makes more than one statement (a change and its audit
	// record), so a batch of one runs it in a transaction too.
	tx   bool
	done chan struct{}
}

// do runs fn in a shared transaction and returns its error, or the
// commit's. When ctx ends first, do returns ctx's error and the write may
// still be made, as with a client that hangs up before the answer.
func (b *writeBatcher) do(ctx context.Context, s *db, fn func(ctx context.Context, q querier) error) error {
	return b.run(ctx, s, fn, false)
}

// doTx is do for an fn of several statements that must commit together:
// on SQLite it shares a batch like any write (its savepoint keeps its
// statements together); alone, or on PostgreSQL, it is a transaction.
func (b *writeBatcher) doTx(ctx context.Context, s *db, fn func(ctx context.Context, q querier) error) error {
	return b.run(ctx, s, fn, true)
}

func (b *writeBatcher) run(ctx context.Context, s *db, fn func(ctx context.Context, q querier) error, tx bool) error {
	if !s.d.oneWriter {
		if tx {
			return s.inTx(ctx, func(t *sql.Tx) error { return fn(ctx, t) })
		}
		return fn(ctx, s.sql)
	}
	p := &pendingWrite{fn: fn, tx: tx, done: make(chan struct{})}
	b.q.add(p, maxWriteBatch, s.writeBatch)
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeBatch makes the batch's writes in one transaction and wakes their
// callers.
func (s *db) writeBatch(batch []*pendingWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), eventBatchTimeout)
	defer cancel()
	defer func() {
		for _, p := range batch {
			close(p.done)
		}
	}()
	if len(batch) == 1 && !batch[0].tx {
		p := batch[0]
		p.err = p.fn(ctx, s.sql)
		return
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if len(batch) == 1 {
			// A lone write of several statements (doTx): its
			// transaction is its savepoint.
			p := batch[0]
			p.err = p.fn(ctx, tx)
			return p.err
		}
		// The savepoints are not released: each write's SAVEPOINT w nests
		// in the one before, ROLLBACK TO names the innermost w (this
		// write's), and the commit ends them all. A RELEASE per write was
		// one statement more a create for nothing (issue 17).
		for _, p := range batch {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
				return err
			}
			if p.err = p.fn(ctx, tx); p.err != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT w"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		for _, p := range batch {
			p.err = err
		}
	}
}
