package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStageListAnswersTheSameBytes: the stage list, which answers each
// spec from a cache of encoded specs (issue 17, round eight), answers byte
// for byte what the single stage's answer (the spec decoded and encoded on
// every read) says of each stage, on a canvas with queued events carrying
// inputs, last executions with their events and outputs, conditions, input
// mappings, a spec left minimal and text the encoder escapes; and once a
// stage is changed (through the API or by another server on the database),
// created or deleted, the list answers that, not what it cached.
func TestStageListAnswersTheSameBytes(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			e := newEnv(t, onDatabase(t, db)...)
			createCanvas(t, e, "prod")
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
			// gate waits for an approval: its events stay queued with
			// their inputs. run runs each event and records an output.
			// plain is the spec v1Spec fills the most of.
			for _, body := range []string{
				`{"stage":{"metadata":{"name":"gate","description":"waits <for> a & b \u2028 é"},"spec":{
					"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.v > 0"}}]}],
					"conditions":[{"type":"CONDITION_TYPE_APPROVAL","approval":{"count":1}},
						{"type":"CONDITION_TYPE_TIME_WINDOW","timeWindow":{"start":"00:00","end":"23:59"}}],
					"inputs":[{"name":"V","description":"the value"}],
					"inputMappings":[{"values":[{"name":"V","valueFrom":{"eventData":{"connection":"button","expression":"$.v"}}}]}],
					"executor":{"type":"noop","spec":{"note":"<&>"}}}}}`,
				`{"stage":{"metadata":{"name":"run"},"spec":{
					"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],
					"inputs":[{"name":"V"}],
					"inputMappings":[{"values":[{"name":"V","valueFrom":{"eventData":{"connection":"button","expression":"$.v"}}}]}],
					"outputs":[{"name":"out"}],
					"executor":{"type":"noop","spec":{"outputs":{"out":"${{ inputs.V }}"}}}}}}`,
				`{"stage":{"metadata":{"name":"plain"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],"executor":{"type":"noop","spec":{}}}}}`,
			} {
				e.do("owner", "POST", "/api/v1/canvases/prod/stages", body).decode(t, &api.StageResponse{})
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
			}()
			for _, raw := range []string{`{"sourceId":"button","raw":{"v":1}}`, `{"sourceId":"button","raw":{"v":2}}`} {
				e.do("owner", "POST", "/api/v1/canvases/prod/events", raw).decode(t, &api.EventResponse{})
			}
			waitExecution(t, e, "run", 2)
			waitExecution(t, e, "plain", 2)
			// The gate's two events are queued once the engine routed them:
			// the older waits for its approval, the newer behind it.
			deadline := time.Now().Add(60 * time.Second)
			for {
				var gate api.StageResponse
				e.do("viewer", "GET", "/api/v1/canvases/prod/stages/gate", nil).decode(t, &gate)
				if q := gate.Stage.Status.Queue; q.Total == 2 && len(q.Items) == 2 && q.Items[1].State == api.StageEventStateWaiting {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("gate's queue: %+v", gate.Stage.Status.Queue)
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			<-done

			// Twice: the second list answers from the cache.
			sameAsSingles(t, e, "gate", "plain", "run")
			sameAsSingles(t, e, "gate", "plain", "run")
			e.do("owner", "PATCH", "/api/v1/canvases/prod/stages/plain", `{"stage":{"metadata":{"name":"plain","description":"changed"},"spec":{
				"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button","filterOperator":"FILTER_OPERATOR_OR"}],"executor":{"type":"noop","spec":{"x":1}}}}}`).decode(t, &api.StageResponse{})
			list := sameAsSingles(t, e, "gate", "plain", "run")
			if !bytes.Contains(list, []byte(`"filterOperator":"FILTER_OPERATOR_OR"`)) || !bytes.Contains(list, []byte(`"x":1`)) {
				t.Fatalf("the list answers plain's old spec: %s", list)
			}
			// A change written by another server on the same database (here
			// straight to the store) is listed at once too.
			org, err := e.store.EnsureOrganization(context.Background(), "acme")
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.store.FindCanvas(context.Background(), org.ID, "prod")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.store.UpdateStage(context.Background(), c.OrgID, c.ID, "run", func(st *store.Stage) error {
				st.Description = "changed elsewhere"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if list := sameAsSingles(t, e, "gate", "plain", "run"); !bytes.Contains(list, []byte("changed elsewhere")) {
				t.Fatalf("the list answers run's old description: %s", list)
			}
			// Created and deleted stages are listed, and no longer listed.
			e.do("owner", "POST", "/api/v1/canvases/prod/stages", `{"stage":{"metadata":{"name":"zeta"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],"executor":{"type":"noop","spec":{}}}}}`).decode(t, &api.StageResponse{})
			sameAsSingles(t, e, "gate", "plain", "run", "zeta")
			if r := e.do("owner", "DELETE", "/api/v1/canvases/prod/stages/plain", nil); r.status != 200 {
				t.Fatalf("delete: %d %s", r.status, r.body)
			}
			sameAsSingles(t, e, "gate", "run", "zeta")
		})
	}
}

// sameAsSingles asserts the list's bytes are those of the single stages'
// answers (names in the list's order) put in a list, and returns them.
func sameAsSingles(t *testing.T, e *env, names ...string) []byte {
	t.Helper()
	list := e.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil)
	if list.status != 200 {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	want := []byte(`{"stages":[`)
	for i, name := range names {
		one := e.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+name, nil)
		stage, ok := bytes.CutPrefix(one.body, []byte(`{"stage":`))
		if stage, ok2 := bytes.CutSuffix(stage, []byte("}\n")); ok && ok2 {
			if i > 0 {
				want = append(want, ',')
			}
			want = append(want, stage...)
			continue
		}
		t.Fatalf("%s answers %d %s", name, one.status, one.body)
	}
	want = append(want, "]}\n"...)
	if !bytes.Equal(list.body, want) {
		t.Fatalf("the list answers\n%s\nthe single stages\n%s", list.body, want)
	}
	// Every part the fixture is there for is in the answer.
	var out api.ListStagesResponse
	if err := json.Unmarshal(list.body, &out); err != nil {
		t.Fatal(err)
	}
	return list.body
}
