package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

//go:generate go run storegen.go

// Store returns st with every call timed in superplane_db_call_duration_seconds
// (label op: the method's name) and the calls that found the database
// unreachable counted; with a
// nil m it returns st itself. The methods are generated (store_gen.go), so a
// method added to store.Store is timed after `go generate`; until then it
// passes through untimed (the embedded Store), and
// TestTimedStoreCoversTheStore says so.
func Store(st store.Store, m *Metrics) store.Store {
	if m == nil {
		return st
	}
	return &timedStore{Store: st, m: m}
}

// timedStore times the calls of the Store it embeds.
type timedStore struct {
	store.Store
	m *Metrics
	// obs holds each method's histogram, resolved on first use, so that
	// only the methods this server calls have series.
	obs [len(storeOps)]atomic.Pointer[prometheus.Observer]
}

// done records the call of method op that started at start; err, when not
// nil, points at the call's error result.
func (s *timedStore) done(op int, start time.Time, err *error) {
	took := time.Since(start)
	o := s.obs[op].Load()
	if o == nil {
		h := s.m.dbDuration.WithLabelValues(storeOps[op])
		o = &h
		s.obs[op].Store(o)
	}
	(*o).Observe(took.Seconds())
	// Only the database failing counts: not found, a conflict or an update
	// function's refusal are answers, not failures.
	if err != nil && *err != nil && store.IsUnavailable(*err) {
		s.m.dbErrors.WithLabelValues(storeOps[op]).Inc()
	}
}
