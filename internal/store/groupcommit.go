package store

import "sync"

// batchQueue is the queue of a group commit (eventBatcher, writeBatcher):
// callers add an item and wait for it to be done; the caller that finds the
// queue idle starts a goroutine that hands the items to flush, at most max
// at a time (one transaction each), until none are left. Items that arrive
// while a batch commits wait for the next batch, so under load one commit
// serves many callers and alone a caller is served at once.
type batchQueue[T any] struct {
	mu      sync.Mutex
	queue   []T
	running bool
}

// add queues item and, when no batch is running, starts draining.
func (q *batchQueue[T]) add(item T, maxBatch int, flush func([]T)) {
	if q.enqueue(item) {
		go q.drain(maxBatch, flush)
	}
}

// enqueue queues item and tells whether the caller must start draining:
// no drain was running.
func (q *batchQueue[T]) enqueue(item T) (start bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = append(q.queue, item)
	start = !q.running
	q.running = true
	return start
}

// drain flushes the queue a batch at a time until it is empty.
func (q *batchQueue[T]) drain(maxBatch int, flush func([]T)) {
	for {
		batch := q.take(maxBatch)
		if len(batch) == 0 {
			return
		}
		flush(batch)
	}
}

// take removes up to maxBatch items from the queue; none, when it is
// empty, also ends the drain (running false) in the same critical section,
// so an item added after it starts a new one.
func (q *batchQueue[T]) take(maxBatch int) []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.queue), maxBatch)
	if n == 0 {
		q.running = false
		return nil
	}
	batch := q.queue[:n:n]
	q.queue = append([]T(nil), q.queue[n:]...)
	return batch
}

// addLate is add for a flush that takes its batch itself, late: run is
// handed a take function to call once it is ready to store, exactly once,
// and the items that arrived while it got ready (for the event batcher,
// while its transaction waited for SQLite's one writer, which routing
// holds for milliseconds at a time) join the batch instead of waiting for
// the next commit. take returns at least one item.
func (q *batchQueue[T]) addLate(item T, maxBatch int, run func(take func() []T)) {
	if q.enqueue(item) {
		go q.drainLate(maxBatch, run)
	}
}

// drainLate runs run until the queue is empty. Only this goroutine takes
// items, so a take after a non-empty check finds at least one.
func (q *batchQueue[T]) drainLate(maxBatch int, run func(take func() []T)) {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		run(func() []T { return q.take(maxBatch) })
	}
}
