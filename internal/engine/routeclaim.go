package engine

import (
	"context"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// routeClaimSlots is how many run slots a routing batch reserves at most
// for the executions its transaction starts (store.RouteClaim): a batch of
// a busy canvas starts few (one an idle stage), and every slot it holds
// is one the claim loop cannot use until the batch commits.
const routeClaimSlots = 4

// runSlots is what Run shares with the routing workers so that they can
// run the executions their routing transaction claims: Run's
// configuration, owner, slots and running executions.
type runSlots struct {
	cfg     Config
	owner   string
	slots   chan struct{}
	running *sync.WaitGroup
}

// reserveRunSlots takes up to routeClaimSlots free run slots, without
// waiting, for the executions a routing batch at now may claim; it returns
// the claim for the store and how many it took (none outside Run, as in
// tests that drive passes by hand, or with every slot busy).
func (e *Engine) reserveRunSlots(now time.Time) (store.RouteClaim, int) {
	r := e.run.Load()
	if r == nil {
		return store.RouteClaim{}, 0
	}
	n := 0
reserve:
	for n < routeClaimSlots {
		select {
		case r.slots <- struct{}{}:
			n++
		default:
			break reserve
		}
	}
	return store.RouteClaim{Owner: r.owner, LeaseUntil: now.Add(r.cfg.Lease), Max: n, MaxPerOrg: r.cfg.MaxRunningPerOrg,
		Clock: e.timestamp}, n
}

// runRouteClaimed runs the executions a routing batch claimed, each in one
// of the reserved slots, and hands the rest back. When ctx ended meanwhile
// nothing runs: the executions keep their lease until it expires, then a
// claim resumes them, as after a crash.
func (e *Engine) runRouteClaimed(ctx context.Context, claimed []store.Execution, reserved int) {
	r := e.run.Load()
	if r == nil || reserved == 0 {
		return
	}
	if ctx.Err() == nil {
		for _, ex := range claimed[:min(len(claimed), reserved)] {
			e.runClaimed(ctx, r.cfg, r.owner, r.slots, r.running, ex, false)
			reserved--
		}
	}
	for range reserved {
		<-r.slots
	}
	if e.claimStarved.Swap(false) {
		// The claim loop found every slot busy, some held here: it
		// would wait for a finish or its tick.
		e.wakeClaim()
	}
}

// runClaimed runs ex, claimed for owner and holding one of slots, in its
// own goroutine; the slot is freed when it ends, and the queues and claims
// are woken.
func (e *Engine) runClaimed(ctx context.Context, cfg Config, owner string, slots chan struct{}, running *sync.WaitGroup, ex store.Execution, resumed bool) {
	running.Add(1)
	go func() {
		defer running.Done()
		e.execute(ctx, cfg, owner, ex, resumed)
		<-slots
		e.wakeAdvance()
		e.wakeClaim()
	}()
}
