package main

import "runtime/debug"

// serveGCPercent and serveMemoryLimit are serve's garbage collector when
// the operator set neither GOGC nor GOMEMLIMIT. At Go's default (GOGC=100)
// a busy canvas's live heap of ~20 MiB was collected so often that the
// collector took ~40 µs of a delivery's ~400 (BENCHMARKS.md, round ten's
// split); at 200, side by side, server CPU a delivery fell 14% (round
// eleven). The soft limit keeps the larger headroom from raising the peak
// where the heap is large (goal 6: peak RSS < 250 MiB with 100k events and
// secrets): near it the collector runs as often as it must.
const (
	serveGCPercent   = 200
	serveMemoryLimit = 160 << 20
)

// serveGC sets serve's collector (serveGCPercent, serveMemoryLimit) unless
// GOGC is set, and the limit unless GOMEMLIMIT is set too: an operator's
// own setting wins, and the runtime has already read it.
func serveGC(getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(serveGCPercent)
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
