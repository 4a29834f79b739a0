package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// serve's garbage collector when the operator did not set GOGC. At Go's
// default (GOGC=100) a busy canvas's live heap of ~20 MiB was collected so
// often that the collector took ~40 µs of a delivery's ~400 (BENCHMARKS.md,
// round ten's split); at 200, side by side, server CPU a delivery fell 14%
// (round eleven). The larger headroom is taken only while the live heap is
// small: above gcHighLive the percent is Go's own again, so a large
// deployment's heap peaks where it did (goal 6: < 250 MiB) and is never
// collected more often than at Go's default, which a fixed soft memory limit
// would have done to any heap near it. The two bounds apart keep a heap at
// the edge from switching at every cycle.
const (
	gcSmallPercent = 200
	gcLowLive      = 40 << 20
	gcHighLive     = 56 << 20
)

// gcPercentFor is the collector's percent for a live heap of live bytes when
// it is now current.
func gcPercentFor(live uint64, current int) int {
	switch {
	case live >= gcHighLive:
		return 100
	case live < gcLowLive:
		return gcSmallPercent
	default:
		return current
	}
}

// serveGC sets serve's collector unless GOGC is set (an operator's own
// setting wins; GOMEMLIMIT is the runtime's and left alone): gcSmallPercent
// now, and after every collection the percent gcPercentFor gives, until ctx
// ends.
func serveGC(ctx context.Context, getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	percent := gcSmallPercent
	debug.SetGCPercent(percent)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	afterEachGC(func() bool {
		if ctx.Err() != nil {
			debug.SetGCPercent(100)
			return false
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return false
		}
		if p := gcPercentFor(sample[0].Value.Uint64(), percent); p != percent {
			percent = p
			debug.SetGCPercent(p)
		}
		return true
	})
}

// gcSentinel is garbage the collector finds at its next cycle; the pointer
// keeps it out of the tiny allocator, whose blocks are freed together.
type gcSentinel struct{ _ *byte }

// afterEachGC runs f on the finalizer goroutine after each collection for
// as long as f returns true (a sentinel freed at every cycle re-arms it).
func afterEachGC(f func() bool) {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		if f() {
			afterEachGC(f)
		}
	})
}
