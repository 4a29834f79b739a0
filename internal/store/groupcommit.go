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
	q.mu.Lock()
	q.queue = append(q.queue, item)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go q.drain(maxBatch, flush)
	}
}

// drain flushes the queue a batch at a time until it is empty.
func (q *batchQueue[T]) drain(maxBatch int, flush func([]T)) {
	for {
		q.mu.Lock()
		n := min(len(q.queue), maxBatch)
		if n == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		batch := q.queue[:n:n]
		q.queue = append([]T(nil), q.queue[n:]...)
		q.mu.Unlock()
		flush(batch)
	}
}
