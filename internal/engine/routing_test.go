package engine

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stuckHeadsStore holds every read of the queue heads until release is
// closed: the queue advance is busy for as long as a test wants.
type stuckHeadsStore struct {
	store.Store
	entered     chan struct{}
	enteredOnce sync.Once
	release     chan struct{}
}

func (s *stuckHeadsStore) QueueHeads(ctx context.Context, now time.Time, limit int) ([]store.StageEvent, error) {
	s.enteredOnce.Do(func() { close(s.entered) })
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.QueueHeads(ctx, now, limit)
}

// TestRoutingDoesNotWaitForTheQueues: events delivered while the queue
// advance is busy are routed meanwhile. With one loop doing both in turn,
// they waited for the advance to finish (BENCHMARKS.md, the busy canvas,
// round six).
func TestRoutingDoesNotWaitForTheQueues(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	stuck := &stuckHeadsStore{Store: st, entered: make(chan struct{}), release: make(chan struct{})}
	e := New(stuck, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	startEngine(t, e, Config{Interval: 10 * time.Millisecond})
	select {
	case <-stuck.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine never read its queue heads")
	}
	// The advance is now held; deliveries arrive.
	for i := range 3 {
		deliver(t, st, hook, now.Add(time.Duration(i)*time.Microsecond))
	}
	e.Wake()
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: org.ID, CanvasID: canvas.ID, States: []string{store.EventPending}}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still pending while the queue advance is busy", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stuck.release)
}

// afterFirstHeadsStore lets the first read of the queue heads through and
// holds every later one until the test ends: after its first pass, the
// queue advance never finishes another.
type afterFirstHeadsStore struct {
	store.Store
	mu    sync.Mutex
	reads int
}

func (s *afterFirstHeadsStore) QueueHeads(ctx context.Context, now time.Time, limit int) ([]store.StageEvent, error) {
	s.mu.Lock()
	s.reads++
	first := s.reads == 1
	s.mu.Unlock()
	if !first {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Store.QueueHeads(ctx, now, limit)
}

// TestFreeStageStartsWithoutTheQueueAdvance: an event routed to a free
// stage without conditions gets its execution started and run with no
// queue advance after its delivery (none finishes here) and no tick (an
// hour apart): the routing transaction starts it and wakes the claims.
// Before, it waited in the queue for the advance's read of every stage's
// head and a transaction of its own.
func TestFreeStageStartsWithoutTheQueueAdvance(t *testing.T) {
	f := newFreeStageCanvas(t)
	e := runAfterFirstHeads(t, f.st)
	deliver(t, f.st, f.hook, f.now)
	e.WakeRouting()
	waitOnePassed(t, f.st, f.org.ID, f.canvas.ID, f.stage.ID, func() string { return "" })
}

// runAfterFirstHeads runs an engine over st whose queue advance sees no
// head after its first read (afterFirstHeadsStore), with no tick, and
// returns once that first read happened, so what a test delivers next
// can start only where it is routed or finished. The test's cleanup stops
// it and waits for it.
func runAfterFirstHeads(t *testing.T, st store.Store) *Engine {
	t.Helper()
	heads := &afterFirstHeadsStore{Store: st}
	e := New(heads, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	startEngine(t, e, Config{Interval: time.Hour})
	deadline := time.Now().Add(60 * time.Second)
	for {
		heads.mu.Lock()
		reads := heads.reads
		heads.mu.Unlock()
		if reads > 0 {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatal("the engine never read its queue heads")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitOnePassed waits up to 60 s for stage's one execution to finish
// passed; more says what else to report if it does not.
func waitOnePassed(t *testing.T, st store.Store, org, canvas, stage string, more func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		exs, err := st.ListExecutions(t.Context(), org, canvas, stage, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(exs) == 1 && exs[0].State == store.ExecutionFinished && exs[0].Result == api.ResultPassed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("executions %+v 60 s after the delivery%s; want one finished and passed", exs, more())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
