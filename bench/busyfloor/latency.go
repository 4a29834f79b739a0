package main

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// maxSamples bounds the latencies kept between two reads (a 10-minute
// phase at 10,000 deliveries a second); past it, later ones are dropped.
const maxSamples = 6_000_000

// latencies times deliveries from their arrival to the commit that ends
// their routing, for GET /latency.
type latencies struct {
	mu      sync.Mutex
	arrived map[string]time.Time // staged: stored, not yet routed
	samples []time.Duration
}

func newLatencies() *latencies { return &latencies{arrived: map[string]time.Time{}} }

// stored is called after the receiver's commit of batch: unstaged, the
// deliveries are routed (judged at receipt); staged, they wait for the
// router.
func (l *latencies) stored(stored []*write, staged bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, wr := range stored {
		if staged {
			// Keyed as the database returns it (PostgreSQL's uuid text is
			// lower case, as uuid.NewString's).
			l.arrived[strings.ToLower(wr.id)] = wr.arrived
			continue
		}
		l.add(now.Sub(wr.arrived))
	}
}

// routed is called after the router's commit that marked ids processed.
func (l *latencies) routed(ids []string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		id = strings.ToLower(id)
		if at, ok := l.arrived[id]; ok {
			l.add(now.Sub(at))
			delete(l.arrived, id)
		}
	}
}

func (l *latencies) add(d time.Duration) {
	if len(l.samples) < maxSamples {
		l.samples = append(l.samples, d)
	}
}

// latencySummary is GET /latency's answer, in milliseconds.
type latencySummary struct {
	N     int     `json:"n"`
	P50ms float64 `json:"p50Ms"`
	P90ms float64 `json:"p90Ms"`
	P99ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

// take summarises the latencies since the last call and forgets them.
func (l *latencies) take() latencySummary {
	l.mu.Lock()
	s := l.samples
	l.samples = nil
	l.mu.Unlock()
	if len(s) == 0 {
		return latencySummary{}
	}
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(q * float64(len(s)-1))
		return float64(s[i].Microseconds()) / 1000
	}
	return latencySummary{N: len(s), P50ms: at(0.5), P90ms: at(0.9), P99ms: at(0.99), MaxMs: at(1)}
}
