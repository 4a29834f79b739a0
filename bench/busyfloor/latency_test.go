package main

import (
	"testing"
	"time"
)

// TestLatencies: unstaged, a delivery's latency is counted at its
// receiver's commit; staged, at the router's commit that marks it, keyed
// as PostgreSQL returns the id (lower case), and not before; a read
// starts the count again.
func TestLatencies(t *testing.T) {
	l := newLatencies()
	at := time.Now().Add(-time.Second)
	l.stored([]*write{{id: "A1", arrived: at}, {id: "b2", arrived: at}}, true)
	if got := l.take(); got.N != 0 {
		t.Fatalf("staged, stored only: %d latencies, want 0 before routing", got.N)
	}
	l.routed([]string{"a1", "b2", "c3"})
	got := l.take()
	if got.N != 2 || got.P50ms < 1000 || got.P99ms < 1000 {
		t.Errorf("staged, routed: %+v; want 2 latencies of at least 1,000 ms", got)
	}
	l.routed([]string{"a1"})
	if got := l.take(); got.N != 0 {
		t.Errorf("routed twice: %d latencies after a read, want 0", got.N)
	}
	l.stored([]*write{{id: "d4", arrived: at}}, false)
	if got := l.take(); got.N != 1 || got.P50ms < 1000 {
		t.Errorf("unstaged, stored: %+v; want 1 latency of at least 1,000 ms", got)
	}
}
