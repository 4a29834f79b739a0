package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// slowPrepStore holds every execution's preparation (its stage event's
// read, before the executor runs) until its lease was renewed, or 10 s
// passed, and counts the renewals and the claims (the routing
// transaction's and the claim loop's).
type slowPrepStore struct {
	store.Store
	mu       sync.Mutex
	renewals map[string]int
	renewed  chan struct{} // closed at the first renewal
	claimed  map[string]int
}

func (s *slowPrepStore) RenewLease(ctx context.Context, id, owner string, until time.Time, resources []byte) (bool, error) {
	cancel, err := s.Store.RenewLease(ctx, id, owner, until, resources)
	if err == nil {
		s.mu.Lock()
		s.renewals[id]++
		if s.renewals[id] == 1 {
			close(s.renewed)
		}
		s.mu.Unlock()
	}
	return cancel, err
}

func (s *slowPrepStore) FindStageEvent(ctx context.Context, org, canvas, stage, id string) (store.StageEvent, error) {
	select {
	case <-s.renewed:
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	return s.Store.FindStageEvent(ctx, org, canvas, stage, id)
}

func (s *slowPrepStore) RouteEventsBatch(ctx context.Context, now time.Time, limit int, route func(ev store.Event) (store.Routed, error)) (store.RoutedBatch, error) {
	b, err := s.Store.RouteEventsBatch(ctx, now, limit, route)
	s.mu.Lock()
	for _, ex := range b.Claimed {
		s.claimed[ex.ID]++
	}
	s.mu.Unlock()
	return b, err
}

func (s *slowPrepStore) ClaimExecution(ctx context.Context, owner string, now, until time.Time, maxPerOrg int) (store.Execution, bool, error) {
	ex, ok, err := s.Store.ClaimExecution(ctx, owner, now, until, maxPerOrg)
	if ok {
		s.mu.Lock()
		s.claimed[ex.ID]++
		s.mu.Unlock()
	}
	return ex, ok, err
}

// TestLeaseKeptWhileAnExecutionPrepares: an execution whose preparation
// (the stage event, secrets, a cloud token exchange) takes longer than its
// lease keeps the lease. Before, it was renewed only once the executor
// ran, so the claim loop took the execution again as resumed, which fails
// an http stage with "the server stopped during the HTTP request" while
// the first run went on to send it (CI, under load, with the tests' 1 s
// lease: TestAWSSignedHTTPStage, TestAzureBearerHTTPStage).
func TestLeaseKeptWhileAnExecutionPrepares(t *testing.T) {
	f := newFreeStageCanvas(t)
	st := f.st
	slow := &slowPrepStore{Store: st, renewals: map[string]int{}, renewed: make(chan struct{}), claimed: map[string]int{}}
	e := quietEngine(slow)
	startEngine(t, e, Config{Interval: 10 * time.Millisecond, Lease: 3 * time.Second})
	deliver(t, st, f.hook, f.now)
	e.WakeRouting()
	counts := func() (renewals, claims int) {
		slow.mu.Lock()
		defer slow.mu.Unlock()
		for _, n := range slow.renewals {
			renewals += n
		}
		for _, n := range slow.claimed {
			claims += n
		}
		return renewals, claims
	}
	waitOnePassed(t, st, f.org.ID, f.canvas.ID, f.stage.ID, func() string {
		renewals, claims := counts()
		return fmt.Sprintf(" (lease renewed %d times, claimed %d times)", renewals, claims)
	})
	// Not "claimed once": a stall of a loaded machine past the lease still
	// lets the claim loop take it again.
	if renewals, claims := counts(); renewals == 0 {
		t.Fatalf("the lease was renewed %d times while the execution prepared (claimed %d times); want renewed", renewals, claims)
	}
}
