package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestSourceAndExecutionListStatementsDoNotGrow: listing a canvas's event
// sources, each with a last event, and a stage's executions, each with its
// stage event, sends the database as many statements for six as for one, on
// both databases (issue 17, goal 1: one query a list, not one a row).
func TestSourceAndExecutionListStatementsDoNotGrow(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var n store.StatementCounter
			opts := onDatabase(t, db, withStatementCounter(&n))
			e := newEnv(t, opts...)
			createCanvas(t, e, "prod")
			// The engine runs only while the events run: its statements
			// are not the lists'.
			press := func(executions int, sources ...string) {
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() {
					defer close(done)
					e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
				}()
				defer func() { cancel(); <-done }()
				for _, s := range sources {
					e.do("owner", "POST", "/api/v1/canvases/prod/events", fmt.Sprintf(`{"sourceId":%q,"raw":{"v":1}}`, s)).decode(t, &api.EventResponse{})
				}
				waitExecution(t, e, "run", executions)
			}
			count := func(path string, check func(body []byte)) int64 {
				before := n.Count()
				r := e.do("viewer", "GET", path, nil)
				c := n.Count() - before
				if r.status != 200 {
					t.Fatalf("%s: %d %s", path, r.status, r.body)
				}
				check(r.body)
				return c
			}
			sources := func(want int) int64 {
				return count("/api/v1/canvases/prod/event-sources", func(body []byte) {
					var out api.ListEventSourcesResponse
					response{status: 200, body: body}.decode(t, &out)
					if len(out.EventSources) != want {
						t.Fatalf("%d sources listed, want %d", len(out.EventSources), want)
					}
					for _, es := range out.EventSources {
						if es.Status.LastEvent == nil {
							t.Fatalf("source %s lists no last event", es.Metadata.Name)
						}
					}
				})
			}
			executions := func(want int) int64 {
				return count("/api/v1/canvases/prod/stages/run/executions", func(body []byte) {
					var out api.ListExecutionsResponse
					response{status: 200, body: body}.decode(t, &out)
					if len(out.Executions) != want {
						t.Fatalf("%d executions listed, want %d", len(out.Executions), want)
					}
					for _, ex := range out.Executions {
						if ex.StageEvent == nil || ex.StageEvent.TriggerEvent == nil {
							t.Fatalf("execution %s lists no stage event", ex.ID)
						}
					}
				})
			}
			// A token's first use records it, which is not what a list costs.
			e.do("viewer", "GET", "/api/v1/me", nil).decode(t, &api.Me{})

			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("s0", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
			e.do("owner", "POST", "/api/v1/canvases/prod/stages", `{"stage":{"metadata":{"name":"run"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"s0"}],"executor":{"type":"noop","spec":{}}}}}`).
				decode(t, &api.StageResponse{})
			press(1, "s0")
			// A first list may open a connection (PostgreSQL sets its
			// search path then), which is not what a list costs.
			sources(1)
			oneSource := sources(1)
			executions(1)
			oneExecution := executions(1)
			// Authentication, the canvas, the stage, and the page with its
			// stage events and count (issue 17, round ten; the page, its
			// events and the count were three).
			if oneExecution > 4 {
				t.Errorf("listing executions took %d statements, want at most 4", oneExecution)
			}
			var more []string
			for i := 1; i < 6; i++ {
				name := fmt.Sprintf("s%d", i)
				e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody(name, api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
				more = append(more, name)
			}
			press(6, append(more, "s0", "s0", "s0", "s0", "s0")...)
			sources(6)
			if six := sources(6); six != oneSource {
				t.Errorf("listing six sources took %d statements, one source %d; want the same", six, oneSource)
			}
			executions(6)
			if six := executions(6); six != oneExecution {
				t.Errorf("listing six executions took %d statements, one execution %d; want the same", six, oneExecution)
			}
			t.Logf("statements a list on %s: sources %d, executions %d", db, oneSource, oneExecution)
		})
	}
}
