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

// TestEventSourceAndExecutionListsAnswerTheSameBytes: the event source and
// execution lists, written without encoding/json (issue 17, round nine),
// answer byte for byte what the single answers written by encoding/json
// say: each source as its GET answers it, and the newest execution as its
// stage's status.lastExecution, with payloads and text the encoder escapes
// (<>&, U+2028, é); and after a source is changed (through the API, by
// another server on the database), receives an event, has its key reset,
// is created or deleted, and after each new execution.
func TestEventSourceAndExecutionListsAnswerTheSameBytes(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			e := newEnv(t, onDatabase(t, db)...)
			createCanvas(t, e, "prod")
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", `{"eventSource":{"metadata":{"name":"hook","description":"from <a> & b \u2028 é"},"spec":{"type":"webhook"}}}`).decode(t, &api.EventSourceResponse{})
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", `{"eventSource":{"metadata":{"name":"std"},"spec":{"type":"webhook","signatureScheme":"`+api.SignatureSchemeStandardWebhooks+`"}}}`).decode(t, &api.EventSourceResponse{})
			sourcesAsSingles(t, e, "button", "hook", "std")
			sourcesAsSingles(t, e, "button", "hook", "std")

			e.do("owner", "POST", "/api/v1/canvases/prod/stages", `{"stage":{"metadata":{"name":"run"},"spec":{
				"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],
				"inputs":[{"name":"V"}],
				"inputMappings":[{"values":[{"name":"V","valueFrom":{"eventData":{"connection":"button","expression":"$.v"}}}]}],
				"outputs":[{"name":"out"}],
				"executor":{"type":"noop","spec":{"outputs":{"out":"${{ inputs.V }} <&>"}}}}}}`).decode(t, &api.StageResponse{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
			}()
			defer func() { cancel(); <-done }()
			for i, raw := range []string{
				`{"sourceId":"button","raw":{"v":"a <b> & \"c\" d","n":12345678901234567890}}`,
				`{"sourceId":"button","raw":{"v":"é \u2028 end","nested":{"list":[1, 2.50, null]}}}`,
			} {
				e.do("owner", "POST", "/api/v1/canvases/prod/events", raw).decode(t, &api.EventResponse{})
				waitExecution(t, e, "run", i+1)
				executionsAsLastExecution(t, e, "run", i+1)
				sourcesAsSingles(t, e, "button", "hook", "std")
			}

			e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/hook", `{"eventSource":{"metadata":{"name":"hook","description":"changed"},"spec":{"type":"webhook"}}}`).decode(t, &api.EventSourceResponse{})
			if list := sourcesAsSingles(t, e, "button", "hook", "std"); !bytes.Contains(list, []byte(`"description":"changed"`)) {
				t.Fatalf("the list answers hook's old description: %s", list)
			}
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/std/reset-key", nil).decode(t, &api.EventSourceResponse{})
			if list := sourcesAsSingles(t, e, "button", "hook", "std"); !bytes.Contains(list, []byte(`"keyVersion":2`)) {
				t.Fatalf("the list answers std's old key version: %s", list)
			}
			// Written by another server on the same database (here straight
			// to the store).
			org, err := e.store.EnsureOrganization(context.Background(), "acme")
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.store.FindCanvas(context.Background(), org.ID, "prod")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.store.UpdateEventSource(context.Background(), c.OrgID, c.ID, "button", func(es *store.EventSource) error {
				es.Description = "changed elsewhere"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if list := sourcesAsSingles(t, e, "button", "hook", "std"); !bytes.Contains(list, []byte("changed elsewhere")) {
				t.Fatalf("the list answers button's old description: %s", list)
			}
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("zeta", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
			sourcesAsSingles(t, e, "button", "hook", "std", "zeta")
			if r := e.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/hook", nil); r.status != 200 {
				t.Fatalf("delete: %d %s", r.status, r.body)
			}
			sourcesAsSingles(t, e, "button", "std", "zeta")
		})
	}
}

// sourcesAsSingles asserts the source list's bytes are those of the single
// sources' answers (names in the list's order) put in a list, and returns
// them.
func sourcesAsSingles(t *testing.T, e *env, names ...string) []byte {
	t.Helper()
	list := e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources", nil)
	if list.status != 200 {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	want := []byte(`{"eventSources":[`)
	for i, name := range names {
		one := e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources/"+name, nil)
		src, ok := bytes.CutPrefix(one.body, []byte(`{"eventSource":`))
		// The single answer also has the key field, always empty on a GET.
		if src, ok2 := bytes.CutSuffix(src, []byte(`,"key":""}`+"\n")); ok && ok2 {
			if i > 0 {
				want = append(want, ',')
			}
			want = append(want, src...)
			continue
		}
		t.Fatalf("%s answers %d %s", name, one.status, one.body)
	}
	want = append(want, "]}\n"...)
	if !bytes.Equal(list.body, want) {
		t.Fatalf("the list answers\n%s\nthe single sources\n%s", list.body, want)
	}
	return list.body
}

// executionsAsLastExecution asserts the stage's newest execution is listed
// first with the bytes of its stage's status.lastExecution (encoding/json's),
// and that the list holds n executions.
func executionsAsLastExecution(t *testing.T, e *env, stage string, n int) {
	t.Helper()
	list := e.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+stage+"/executions", nil)
	var page struct {
		Executions []json.RawMessage `json:"executions"`
		TotalCount int64             `json:"totalCount"`
	}
	list.decode(t, &page)
	var one struct {
		Stage struct {
			Status struct {
				LastExecution json.RawMessage `json:"lastExecution"`
			} `json:"status"`
		} `json:"stage"`
	}
	e.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+stage, nil).decode(t, &one)
	if len(page.Executions) != n || page.TotalCount != int64(n) {
		t.Fatalf("%d executions listed of %d, want %d: %s", len(page.Executions), page.TotalCount, n, list.body)
	}
	if last := one.Stage.Status.LastExecution; !bytes.Equal(page.Executions[0], last) {
		t.Fatalf("the list answers\n%s\nthe stage's last execution\n%s", page.Executions[0], last)
	}
	for _, part := range []string{`\u003cb\u003e \u0026`, `"out","value":`} {
		if n == 1 && !bytes.Contains(page.Executions[0], []byte(part)) {
			t.Fatalf("the execution lacks %s: %s", part, page.Executions[0])
		}
	}
}
