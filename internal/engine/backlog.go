package engine

import (
	"context"
	"sync"
	"time"
)

// Receivers yield to routing when their organization's unrouted events pile
// up (BENCHMARKS.md, PostgreSQL's start p99 under load, round fifteen): on
// PostgreSQL at c16 routing stalled for 100–500 ms at a time while the
// receivers went on, the backlog reached 1,000–1,500 events and an event
// into a free stage waited 300–500 ms behind it. A delivery of an
// organization that is behind is stored as always, then its answer waits
// for the next routing batch to be written, at most yieldWait: a sender that
// waits for its answer (each of the c16 load's) sends its next event when
// routing has moved, so the backlog stays near the bound.

// DefaultRouteYield is the bound serve sets on PostgreSQL (WithRouteYield):
// an organization with more events than this received here and not yet
// routed is behind. The count holds the batch being written and the one
// being matched (two workers, up to 100 each), so a bound under two
// batches holds back a routing that keeps up: 64 cost a third of the
// deliveries a second, 32 more than half; 256 let the backlog grow to
// 450 ms again.
const DefaultRouteYield = 128

// yieldWait bounds one delivery's wait: about a routing batch of 100 under
// load. Routing down or stalled costs a delivery this, never more, and the
// delivery is stored before it.
const yieldWait = 50 * time.Millisecond

// WithRouteYield sets how many events of one organization received by this
// server and not yet routed make its receivers yield to routing (0: never,
// the default; serve sets DefaultRouteYield on PostgreSQL, where the
// receivers share the cores with the database routing waits for).
func WithRouteYield(at int) Option {
	return func(e *Engine) { e.backlog.at, e.backlog.wait = max(at, 0), yieldWait }
}

// routeBacklog is what the receivers and the routing workers of one
// server tell each other: each organization's events received and not yet
// routed, and when a batch is written. Organizations are apart: a
// delivery waits only when its own organization is past the bound.
//
// The count is this server's view: an event another replica routes is not
// taken off it, so a routing batch that comes back short (it claimed
// every pending event it could see) sets every count back to zero.
type routeBacklog struct {
	at int // the bound; 0: the receivers never yield
	// wait is a delivery's longest wait (yieldWait; tests set others).
	wait time.Duration
	mu   sync.Mutex
	// unrouted is, by organization, events received minus events routed.
	unrouted map[string]int
	// written is closed when the next batch is written (and replaced).
	written chan struct{}
	// yields counts the deliveries that waited, by organization (tests).
	yields map[string]int
}

// received counts a pending event of org stored by this server and tells
// whether org is past the bound, with the channel the next batch's write
// closes.
func (b *routeBacklog) received(org string) (behind bool, written <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.unrouted == nil {
		b.unrouted = map[string]int{}
	}
	b.unrouted[org]++
	if b.unrouted[org] <= b.at {
		return false, nil
	}
	if b.written == nil {
		b.written = make(chan struct{})
	}
	if b.yields == nil {
		b.yields = map[string]int{}
	}
	b.yields[org]++
	return true, b.written
}

// routed takes a written batch's events off their organizations' counts
// (all counts, when the batch was short) and wakes the receivers waiting.
func (b *routeBacklog) routed(byOrg map[string]int, short bool) {
	if b.at == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if short {
		clear(b.unrouted)
	}
	for org, n := range byOrg {
		if left := b.unrouted[org] - n; left > 0 {
			b.unrouted[org] = left
		} else {
			delete(b.unrouted, org)
		}
	}
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
}

// YieldRouting is called by a receiver after it stored a pending event of
// org and before it answers (service.RoutingYielder): when org's events
// not yet routed are past the bound (WithRouteYield), it waits for the
// next routing batch to be written, at most yieldWait, or until ctx ends.
func (e *Engine) YieldRouting(ctx context.Context, org string) {
	if e.backlog.at == 0 {
		return
	}
	behind, written := e.backlog.received(org)
	if !behind {
		return
	}
	t := time.NewTimer(e.backlog.wait)
	defer t.Stop()
	select {
	case <-written:
	case <-t.C:
	case <-ctx.Done():
	}
}
