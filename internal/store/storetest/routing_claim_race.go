package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testRouteClaimRace's per-organization cap, stages, and batches a router.
const (
	raceCap     = 2
	raceStages  = 24
	raceBatches = 40
)

// runningTracker counts the executions the race's "servers" hold: one is
// counted from its claim's return to just before its finish is asked, a
// part of the time it is started in the store, so more than the cap here
// is more than the cap in the store.
type runningTracker struct {
	mu      sync.Mutex
	running int
	most    int
}

func (r *runningTracker) add() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running++
	r.most = max(r.most, r.running)
}

func (r *runningTracker) remove() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running--
}

// raceErrors keeps the first errors of the race's goroutines.
type raceErrors struct {
	mu   sync.Mutex
	errs []error
}

func (e *raceErrors) add(who string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.errs) < 10 {
		e.errs = append(e.errs, fmt.Errorf("%s: %w", who, err))
	}
}

// testRouteClaimRace: two "servers", each with a routing worker that
// claims what its transaction starts (store.WithRouteClaim) and a claim
// loop (ClaimExecution), take one organization's executions at once
// while they finish and the queue advance starts queued events; each
// event goes to two of 24 stages, in an order that differs from event to
// event, so that two routing transactions insert into stages in opposite
// orders. No transaction fails (on PostgreSQL: no deadlock,
// SQLSTATE 40P01) and the organization never runs more than its cap.
// Bounded: 40 batches a router, and a deadline.
func testRouteClaimRace(t *testing.T, s store.Store) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	var stages []store.Stage
	for i := range raceStages {
		stages = append(stages, mustStage(t, s, org.ID, c.ID, fmt.Sprint("s", i)))
	}
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))

	var order sync.Map // event id -> its first stage
	next := 0
	var nextMu sync.Mutex
	route := func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		first, _ := order.Load(ev.ID)
		f, _ := first.(int)
		// Two stages a step apart, forwards or backwards by the event.
		targets := make([]store.Stage, 0, 2)
		for k := range 2 {
			step := k
			if f%2 == 1 {
				step = -k
			}
			targets = append(targets, stages[(f+step+len(stages))%len(stages)])
		}
		evs := routeTo(ev, targets...)
		for i := range evs {
			evs[i].StartIfFree = true
		}
		return store.Routed{StageEvents: evs, StagesVersion: v, StagesVersionKnown: true}, nil
	}

	var (
		tracker   runningTracker
		failures  raceErrors
		toFinish  = make(chan store.Execution, 256)
		routedRun [2]int
		claimRun  [2]int
	)
	held := func(ex store.Execution) {
		tracker.add()
		toFinish <- ex
	}
	lease := func() time.Time { return time.Now().Add(time.Hour) }

	var routers, others sync.WaitGroup
	stop := make(chan struct{})
	for i := range 2 {
		owner := fmt.Sprint("server-", i)
		routers.Add(1)
		go func() { // the routing worker
			defer routers.Done()
			for range raceBatches {
				for range 2 {
					nextMu.Lock()
					f := next
					next++
					nextMu.Unlock()
					ev := newEvent(es, "", time.Now())
					order.Store(ev.ID, f)
					if _, _, err := s.InsertEvent(ctx, ev); err != nil {
						failures.add(owner+" insert", err)
						return
					}
				}
				rc := store.RouteClaim{Owner: owner, LeaseUntil: lease(), Max: 4, MaxPerOrg: raceCap}
				b, err := s.RouteEventsBatch(store.WithRouteClaim(ctx, rc), time.Now(), 2, route)
				if err != nil {
					failures.add(owner+" routing", err)
					return
				}
				if b.RetriedAfter != nil {
					failures.add(owner+" routing ran again", b.RetriedAfter)
				}
				routedRun[i] += len(b.Claimed)
				for _, ex := range b.Claimed {
					held(ex)
				}
			}
		}()
		others.Add(2)
		go func() { // the claim loop
			defer others.Done()
			for range 100000 { // and the deadline
				select {
				case <-stop:
					return
				default:
				}
				ex, ok, err := s.ClaimExecution(ctx, owner, time.Now(), lease(), raceCap)
				if err != nil {
					failures.add(owner+" claim", err)
					return
				}
				if !ok {
					time.Sleep(time.Millisecond) // pacing, not an assertion
					continue
				}
				claimRun[i]++
				held(ex)
			}
		}()
		go func() { // the finishes, each after the next claim or when none waits
			defer others.Done()
			var mine []store.Execution
			finish := func(ex store.Execution) bool {
				tracker.remove()
				ex.Result, ex.FinishedAt = "RESULT_PASSED", time.Now()
				if err := s.FinishExecution(ctx, ex, ex.LeaseOwner, nil); err != nil {
					failures.add(owner+" finish", err)
					return false
				}
				return true
			}
			for range 100000 { // and stop
				select {
				case ex := <-toFinish:
					mine = append(mine, ex)
					if len(mine) > 1 {
						if !finish(mine[0]) {
							return
						}
						mine = mine[1:]
					}
					continue
				default:
				}
				for _, ex := range mine {
					if !finish(ex) {
						return
					}
				}
				mine = mine[:0]
				select {
				case ex := <-toFinish:
					mine = append(mine, ex)
				case <-stop:
					return
				}
			}
		}()
	}
	others.Add(1)
	go func() { // the queue advance
		defer others.Done()
		for range 100000 { // and the deadline
			select {
			case <-stop:
				return
			default:
			}
			heads, err := s.QueueHeads(ctx, time.Now(), 10)
			if err != nil {
				failures.add("queue heads", err)
				return
			}
			if len(heads) == 0 {
				time.Sleep(time.Millisecond) // pacing, not an assertion
			}
			for _, h := range heads {
				err := s.StartExecution(ctx, h.ID, store.Execution{ID: uuid.NewString(), CreatedAt: time.Now()})
				if err != nil && !errors.Is(err, store.ErrConflict) {
					failures.add("start execution", err)
					return
				}
			}
		}
	}()
	routers.Wait()
	close(stop)
	others.Wait()

	// A failed insert (a deadlock) leaves its event pending with the
	// error, for its next attempt, rather than failing the batch.
	evs, err := s.ListEvents(t.Context(), org.ID, c.ID, "", store.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.StateMessage != "" {
			failures.add("event "+ev.ID, errors.New(ev.StateMessage))
		}
	}
	for _, err := range failures.errs {
		if strings.Contains(err.Error(), "40P01") || strings.Contains(err.Error(), "deadlock") {
			t.Errorf("deadlock: %v", err)
		} else {
			t.Errorf("%v", err)
		}
	}
	if tracker.most > raceCap {
		t.Errorf("the organization ran %d executions at once, over its cap of %d", tracker.most, raceCap)
	}
	if ctx.Err() != nil {
		t.Errorf("the race did not end within its deadline")
	}
	// Both paths ran: else the test proves nothing about their race.
	if routedRun[0]+routedRun[1] == 0 || claimRun[0]+claimRun[1] == 0 {
		t.Errorf("claimed at routing %v, by the claim loops %v: want some of each", routedRun, claimRun)
	}
	t.Logf("claimed at routing %v, by the claim loops %v; most running at once %d", routedRun, claimRun, tracker.most)
}

// testRouteStartCrossedStages: two routing transactions at once, each
// starting the executions of two free stages in the other's order (event
// a to s1 then s2, event b to s2 then s1), 40 rounds. Each waits for the
// other's uncommitted execution of the stage it reaches second, which
// deadlocked on PostgreSQL (SQLSTATE 40P01) before the routing
// transaction took its organization's row first (lockOrgsForStarts): one
// was aborted after deadlock_timeout and ran again in savepoints
// (RoutedBatch.RetriedAfter). Every round both events are routed, at the
// first run of their transactions, and each stage starts one execution.
func testRouteStartCrossedStages(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	s1 := mustStage(t, s, org.ID, c.ID, "s1")
	s2 := mustStage(t, s, org.ID, c.ID, "s2")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	var crossed sync.Map // event id -> routed s2 first
	route := func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		evs := routeTo(ev, s1, s2)
		if _, ok := crossed.Load(ev.ID); ok {
			evs = routeTo(ev, s2, s1)
		}
		for i := range evs {
			evs[i].StartIfFree = true
		}
		return store.Routed{StageEvents: evs, StagesVersion: v, StagesVersionKnown: true}, nil
	}
	for round := range 40 {
		base := time.Now()
		a := mustInsertEvent(t, s, newEvent(es, "", base))
		b := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Microsecond)))
		crossed.Store(b.ID, true)
		var wg sync.WaitGroup
		var errs [2]error
		var claimed [2][]store.Execution
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rc := store.RouteClaim{Owner: fmt.Sprint("server-", i), LeaseUntil: time.Now().Add(time.Hour), Max: 4}
				var batch store.RoutedBatch
				batch, errs[i] = s.RouteEventsBatch(store.WithRouteClaim(ctx, rc), time.Now(), 1, route)
				if errs[i] == nil && batch.RetriedAfter != nil {
					// A deadlock aborts the first transaction; the retry
					// in savepoints then gets through.
					errs[i] = fmt.Errorf("routing ran again after: %w", batch.RetriedAfter)
				}
				claimed[i] = batch.Claimed
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, router %d: %v", round, i, err)
			}
		}
		// Both events routed, one execution a stage, each leased to the
		// router that claimed it; finished for the next round.
		n := 0
		for i := range claimed {
			for _, ex := range claimed[i] {
				n++
				ex.Result, ex.FinishedAt = "RESULT_PASSED", time.Now()
				if err := s.FinishExecution(ctx, ex, fmt.Sprint("server-", i), nil); err != nil {
					t.Fatalf("round %d: FinishExecution: %v", round, err)
				}
			}
		}
		if n != 2 {
			t.Fatalf("round %d: routing claimed %d executions of two free stages, want 2", round, n)
		}
		for _, ev := range []store.Event{a, b} {
			got, err := s.FindEvent(ctx, org.ID, c.ID, ev.ID)
			// A deadlock fails the insert, and the event is left pending
			// with the error for its next attempt.
			if err != nil || got.State != store.EventProcessed {
				t.Fatalf("round %d: event %s is %s (%q, %v), want processed", round, ev.ID, got.State, got.StateMessage, err)
			}
		}
		// The queued stage events (the second of each stage) leave the
		// queues, so both stages are free again.
		for range 4 {
			heads, err := s.QueueHeads(ctx, time.Now(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(heads) == 0 {
				break
			}
			for _, h := range heads {
				if err := s.StartExecution(ctx, h.ID, store.Execution{ID: uuid.NewString(), CreatedAt: time.Now()}); err != nil {
					t.Fatalf("round %d: StartExecution: %v", round, err)
				}
				ex, ok, err := s.ClaimExecution(ctx, "drain", time.Now(), time.Now().Add(time.Hour), 0)
				if err != nil || !ok {
					t.Fatalf("round %d: ClaimExecution = %v, %v", round, ok, err)
				}
				ex.Result, ex.FinishedAt = "RESULT_PASSED", time.Now()
				if err := s.FinishExecution(ctx, ex, "drain", nil); err != nil {
					t.Fatalf("round %d: FinishExecution: %v", round, err)
				}
			}
		}
	}
}
