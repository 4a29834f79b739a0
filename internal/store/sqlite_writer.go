package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// writePriorityKey marks a context whose writes go before the others'
// while SQLite's one writer is busy (withWritePriority).
type writePriorityKey struct{}

// withWritePriority marks ctx's writes as the engine's claim of an
// execution (ClaimExecution): on SQLite it takes the writer before waiting
// writes without the mark, the receivers' group commit above all, which
// only gains a larger batch by waiting (batchQueue.addLate). A delivery is
// answered once stored; the claim is the last write its execution's start
// waits for once routing started it. Nothing else is marked: routing
// batches too, and jumping the receivers made its batches small
// (RouteEventsBatch); marking starts and finishes as well made the
// stage-free start no faster, side by side, and delays more group commits
// (BENCHMARKS.md, execution start under load, round seven).
func withWritePriority(ctx context.Context) context.Context {
	return context.WithValue(ctx, writePriorityKey{}, true)
}

func hasWritePriority(ctx context.Context) bool {
	v, _ := ctx.Value(writePriorityKey{}).(bool)
	return v
}

// maxPriorityInARow bounds the priority writes that go before a waiting
// ordinary one: after that many hand-overs to priority writers in a row
// while an ordinary writer waited, the oldest ordinary one goes next. So
// the receivers wait for at most this many engine transactions (each a
// few statements), never for a stream of them.
const maxPriorityInARow = 4

// writerLock is SQLite's one writer of a database file, handed over in
// two queues: waiters with priority first, each queue in order of arrival.
// It replaces a channel of one token, whose waiters were served in about
// the order they came.
type writerLock struct {
	mu   sync.Mutex
	held bool
	// high and low are the waiters; a waiter's channel is closed when the
	// writer is handed to it.
	high, low []chan struct{}
	// inARow counts the hand-overs to priority waiters since an ordinary
	// one last got the writer, while ordinary ones waited.
	inARow int
}

// acquire takes the writer, waiting at most sqliteWriteWait or until ctx
// ends.
func (w *writerLock) acquire(ctx context.Context, priority bool) error {
	w.mu.Lock()
	if !w.held {
		w.held = true
		w.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if priority {
		w.high = append(w.high, ch)
	} else {
		w.low = append(w.low, ch)
	}
	w.mu.Unlock()
	t := time.NewTimer(sqliteWriteWait)
	defer t.Stop()
	var err error
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = fmt.Errorf("database is locked: no write slot within %s", sqliteWriteWait)
	}
	if w.leave(ch) {
		return err
	}
	// Handed over as the wait ended: passed on to the next waiter.
	w.release()
	return err
}

// leave removes a waiter that gives up; false when the writer was already
// handed to it.
func (w *writerLock) leave(ch chan struct{}) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, q := range []*[]chan struct{}{&w.high, &w.low} {
		for i, c := range *q {
			if c == ch {
				*q = append((*q)[:i:i], (*q)[i+1:]...)
				return true
			}
		}
	}
	return false
}

// release hands the writer to the next waiter (a priority one, unless
// maxPriorityInARow of them went before a waiting ordinary one), or frees
// it.
func (w *writerLock) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	var next chan struct{}
	switch {
	case len(w.high) > 0 && (len(w.low) == 0 || w.inARow < maxPriorityInARow):
		next, w.high = w.high[0], w.high[1:]
		if len(w.low) > 0 {
			w.inARow++
		} else {
			w.inARow = 0
		}
	case len(w.low) > 0:
		next, w.low = w.low[0], w.low[1:]
		w.inARow = 0
	default:
		w.held = false
		return
	}
	close(next)
}
