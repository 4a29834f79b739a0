package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// BenchmarkRequest is what each HTTP request pays for its two series.
func BenchmarkRequest(b *testing.B) {
	m := newMetrics()
	b.ReportAllocs()
	for b.Loop() {
		m.Request("POST /api/v1/sources/{id}/{integrationType}", 200, 150*time.Microsecond)
	}
}

// nopStore answers Ping at once, so the benchmark measures the timing
// alone.
type nopStore struct{ store.Store }

func (nopStore) Ping(context.Context) error { return nil }

// BenchmarkTimedStoreCall is what each store call pays for being timed,
// against the same call untimed.
func BenchmarkTimedStoreCall(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		st   store.Store
	}{
		{"untimed", nopStore{}},
		{"timed", metrics.Store(nopStore{}, newMetrics())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = bc.st.Ping(ctx)
			}
		})
	}
}
