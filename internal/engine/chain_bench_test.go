package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestChainFinishToStart measures, in a running engine, how long after
// stage a's execution finished stage b's (connected to a, no conditions)
// started: the store's FinishedAt and StartedAt, one chain at a time.
// A measurement, not a check: it runs only with SUPERPLANE_BENCH_CHAIN set
// to the number of chains (bench/results/s18-pglocks/run.sh).
func TestChainFinishToStart(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SUPERPLANE_BENCH_CHAIN"))
	if n <= 0 {
		t.Skip("SUPERPLANE_BENCH_CHAIN is not set")
	}
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { chainFinishToStart(t, pg, n) })
	}
}

func chainFinishToStart(t *testing.T, pg bool, n int) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st := openTestStore(t, pg)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	hook := webhookSource(t, st, canvas, now)
	a := freeNoopStage(canvas, "a", "", now)
	spec, _ := json.Marshal(api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeStage, Name: "a"}},
		Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	})
	b := store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: "b", Spec: spec, CreatedAt: now, UpdatedAt: now}
	for _, s := range []store.Stage{a, b} {
		if err := st.CreateStage(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, Config{})
	}()
	defer func() {
		cancel()
		<-done
	}()
	var gaps []time.Duration
	for i := range n {
		if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
			Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
		e.WakeRouting()
		waitIdle(t, ctx, st, org, canvas, b, i+1)
		as, err := st.ListExecutions(ctx, org.ID, canvas.ID, a.ID, store.Page{Limit: 1})
		if err != nil || len(as) != 1 {
			t.Fatal(as, err)
		}
		bs, err := st.ListExecutions(ctx, org.ID, canvas.ID, b.ID, store.Page{Limit: 1})
		if err != nil || len(bs) != 1 || bs[0].CreatedAt.Before(as[0].FinishedAt) {
			t.Fatalf("b's newest execution %+v, %v; a's %+v", bs, err, as[0])
		}
		gaps = append(gaps, bs[0].StartedAt.Sub(as[0].FinishedAt))
	}
	slices.Sort(gaps)
	var sum time.Duration
	for _, g := range gaps {
		sum += g
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf(`{"db":%q,"chains":%d,"p50_ms":%.2f,"p90_ms":%.2f,"mean_ms":%.2f,"max_ms":%.2f}`+"\n",
		map[bool]string{false: "sqlite", true: "postgres"}[pg], len(gaps), ms(gaps[len(gaps)/2]), ms(gaps[len(gaps)*9/10]),
		ms(sum/time.Duration(len(gaps))), ms(gaps[len(gaps)-1]))
}

// waitIdle waits until b has finished runs executions.
func waitIdle(t *testing.T, ctx context.Context, st store.Store, org store.Organization, canvas store.Canvas, b store.Stage, runs int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		bs, err := st.ListExecutions(ctx, org.ID, canvas.ID, b.ID, store.Page{Limit: runs + 1})
		if err != nil {
			t.Fatal(err)
		}
		finished := 0
		for _, ex := range bs {
			if ex.State == store.ExecutionFinished {
				finished++
			}
		}
		if finished >= runs {
			return
		}
		time.Sleep(2 * time.Millisecond) // polling, not an assertion
	}
	t.Fatalf("b did not finish %d executions in 30 s", runs)
}
