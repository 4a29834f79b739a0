package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestServeGC: serve collects at GOGC=200 under a 160 MiB soft limit
// unless the operator set GOGC (then nothing is changed) or GOMEMLIMIT
// (then only the percent is).
func TestServeGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, c := range []struct {
		env     map[string]string
		percent int
		limit   int64
	}{
		{map[string]string{}, 200, 160 << 20},
		{map[string]string{"GOGC": "50"}, 100, math.MaxInt64},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 200, math.MaxInt64},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		serveGC(func(k string) string { return c.env[k] })
		if got := debug.SetGCPercent(100); got != c.percent {
			t.Errorf("env %v: GC percent %d, want %d", c.env, got, c.percent)
		}
		if got := debug.SetMemoryLimit(-1); got != c.limit {
			t.Errorf("env %v: memory limit %d, want %d", c.env, got, c.limit)
		}
	}
}
