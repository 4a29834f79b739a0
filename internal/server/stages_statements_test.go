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

// TestStageListStatementsDoNotGrow: listing a canvas's stages, each with a
// last execution and its stage event in its status, sends the database as
// many statements for six stages as for one, on both databases (issue 17,
// goal 1: a list is not one query per stage).
func TestStageListStatementsDoNotGrow(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var n store.StatementCounter
			opts := onDatabase(t, db, withStatementCounter(&n))
			e := newEnv(t, opts...)
			createCanvas(t, e, "prod")
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
			stage := func(name string) {
				body := fmt.Sprintf(`{"stage":{"metadata":{"name":%q},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],"executor":{"type":"noop","spec":{}}}}}`, name)
				e.do("owner", "POST", "/api/v1/canvases/prod/stages", body).decode(t, &api.StageResponse{})
			}
			// The engine runs only while the stages run: its statements
			// are not the list's.
			press := func(names ...string) {
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() {
					defer close(done)
					e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
				}()
				defer func() { cancel(); <-done }()
				e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","raw":{"v":1}}`).decode(t, &api.EventResponse{})
				for _, name := range names {
					waitExecution(t, e, name, 1)
				}
			}
			list := func() int64 {
				var out api.ListStagesResponse
				before := n.Count()
				e.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil).decode(t, &out)
				count := n.Count() - before
				for _, st := range out.Stages {
					if last := st.Status.LastExecution; last == nil || last.StageEvent == nil {
						t.Fatalf("stage %s lists no last execution with its event: %+v", st.Metadata.Name, last)
					}
				}
				return count
			}
			// A token's first use records it, which is not what a list costs.
			e.do("viewer", "GET", "/api/v1/me", nil).decode(t, &api.Me{})

			stage("s0")
			press("s0")
			// A first list may open a connection (PostgreSQL sets its
			// search path then), which is not what a list costs.
			list()
			one := list()
			names := []string{"s1", "s2", "s3", "s4", "s5"}
			for _, name := range names {
				stage(name)
			}
			press(names...)
			list()
			if six := list(); six != one {
				t.Errorf("listing six stages took %d statements, one stage %d; want the same", six, one)
			}
			t.Logf("statements per stage list on %s: %d", db, one)
		})
	}
}
