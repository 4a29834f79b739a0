package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func gcPercentNow(t *testing.T) int64 {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// TestServeGC: serve collects at 200% while the live heap is small, goes
// back to Go's 100% once a large heap is live, and leaves an operator's
// GOGC alone.
func TestServeGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	debug.SetGCPercent(50)
	serveGC(context.Background(), func(k string) string { return map[string]string{"GOGC": "50"}[k] })
	if got := gcPercentNow(t); got != 50 {
		t.Fatalf("with GOGC=50 set: percent %d, want the operator's 50", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	debug.SetGCPercent(100)
	serveGC(ctx, func(string) string { return "" })
	if got := gcPercentNow(t); got != 200 {
		t.Fatalf("small heap: percent %d, want 200", got)
	}
	// A live heap past gcHighLive: the next collections bring Go's default
	// back; once it is garbage, 200 again.
	func() {
		big := make([][]byte, 0, 80)
		for range 80 {
			big = append(big, make([]byte, 1<<20))
		}
		if !waitPercent(t, 100) {
			t.Fatalf("with %d MiB live: percent %d, want 100", len(big), gcPercentNow(t))
		}
		runtime.KeepAlive(big)
	}()
	if !waitPercent(t, 200) {
		t.Fatalf("heap freed: percent %d, want 200 again", gcPercentNow(t))
	}
	cancel()
	if !waitPercent(t, 100) {
		t.Fatalf("after serve's end: percent %d, want 100", gcPercentNow(t))
	}
}

// waitPercent collects until the percent is want, at most 50 times.
func waitPercent(t *testing.T, want int64) bool {
	t.Helper()
	for range 50 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer goroutine runs f
		if gcPercentNow(t) == want {
			return true
		}
	}
	return false
}

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live    uint64
		current int
		want    int
	}{
		{10 << 20, 100, 200},
		{gcLowLive, 100, 100}, // between the bounds: unchanged
		{gcLowLive, 200, 200},
		{gcHighLive, 200, 100},
		{500 << 20, 200, 100},
	} {
		if got := gcPercentFor(c.live, c.current); got != c.want {
			t.Errorf("live %d at %d%%: %d, want %d", c.live, c.current, got, c.want)
		}
	}
}
