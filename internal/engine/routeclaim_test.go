package engine

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// noClaimStore never claims an execution (ClaimExecution finds none) and
// counts the claims asked: only the routing transaction's claim can run
// anything.
type noClaimStore struct {
	store.Store
	claims atomic.Int64
}

func (s *noClaimStore) ClaimExecution(context.Context, string, time.Time, time.Time, int) (store.Execution, bool, error) {
	s.claims.Add(1)
	return store.Execution{}, false, nil
}

// TestRoutingClaimsWhatItStarts: an event routed to a free stage without
// conditions runs to its end with the claim loop never claiming anything:
// the routing transaction claims the execution it starts for this server,
// in a run slot the routing worker reserved, and the worker runs it.
// Before, it waited for a ClaimExecution transaction of its own, queued on
// SQLite's one writer (BENCHMARKS.md, claim at routing, round seven).
func TestRoutingClaimsWhatItStarts(t *testing.T) {
	f := newFreeStageCanvas(t)
	st := f.st
	held := &noClaimStore{Store: st}
	e := New(held, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	startEngine(t, e, Config{Interval: 10 * time.Millisecond})
	deliver(t, st, f.hook, f.now)
	e.WakeRouting()
	deadline := time.Now().Add(60 * time.Second)
	for {
		exs, err := st.ListExecutions(t.Context(), f.org.ID, f.canvas.ID, f.stage.ID, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(exs) == 1 && exs[0].State == store.ExecutionFinished && exs[0].Result == api.ResultPassed {
			if exs[0].StartedAt.IsZero() {
				t.Errorf("execution %+v finished without a start time", exs[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("executions %+v 60 s after the delivery (claims asked %d), want one finished and passed",
				exs, held.claims.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
