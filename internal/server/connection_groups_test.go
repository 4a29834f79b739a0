package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// groupBody is a connection group request; spec is the JSON of the spec.
func groupBody(name, spec string) string {
	return fmt.Sprintf(`{"connectionGroup":{"metadata":{"name":%q,"description":"joins builds"},"spec":%s}}`, name, spec)
}

const pairSpec = `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_EVENT_SOURCE","name":"b"}],
	"groupBy":{"fields":[{"name":"version","expression":"$.version"}]}}`

// groupCanvas is a canvas with webhook sources a and b; it returns the
// canvas's path and the sources' signing keys by name.
func groupCanvas(t *testing.T, e *env, name string) (string, map[string]api.EventSourceResponse) {
	t.Helper()
	c := "/api/v1/canvases/" + createCanvas(t, e, name).Metadata.ID
	sources := map[string]api.EventSourceResponse{}
	for _, n := range []string{"a", "b"} {
		var es api.EventSourceResponse
		e.do("owner", "POST", c+"/event-sources", sourceBody(n, api.EventSourceSpec{Type: "webhook"})).decode(t, &es)
		sources[n] = es
	}
	return c, sources
}

// TestConnectionGroupsAPI: create answers the spec with its defaults,
// describe finds the group by name and id, update replaces the spec, and
// delete removes it; every field of the contract is present.
func TestConnectionGroupsAPI(t *testing.T) {
	e := newEnv(t)
	c, _ := groupCanvas(t, e, "prod")

	var created api.ConnectionGroupResponse
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", pairSpec)).decode(t, &created)
	g := created.ConnectionGroup
	if g.Metadata.ID == "" || g.Metadata.Name != "pair" || g.Metadata.Description != "joins builds" || g.Metadata.CreatedBy == "" ||
		g.Metadata.UpdatedBy != g.Metadata.CreatedBy || g.Metadata.CreatedAt == nil || g.Metadata.UpdatedAt == nil {
		t.Errorf("created metadata = %+v", g.Metadata)
	}
	if g.Spec.Timeout != api.DefaultGroupTimeout || g.Spec.TimeoutBehavior != api.TimeoutBehaviorDrop || len(g.Spec.Connections) != 2 ||
		g.Spec.Connections[0].Filters == nil || len(g.Spec.GroupBy.Fields) != 1 {
		t.Errorf("created spec = %+v; want the defaults (86400 s, drop) filled in", g.Spec)
	}
	r := e.do("viewer", "GET", c+"/connection-groups/pair", nil)
	var raw map[string]map[string]map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "description", "canvasId", "createdAt", "createdBy", "updatedAt", "updatedBy"} {
		if _, ok := raw["connectionGroup"]["metadata"][k]; !ok {
			t.Errorf("describe: metadata.%s missing: %s", k, r.body)
		}
	}
	for _, k := range []string{"connections", "groupBy", "timeout", "timeoutBehavior"} {
		if _, ok := raw["connectionGroup"]["spec"][k]; !ok {
			t.Errorf("describe: spec.%s missing: %s", k, r.body)
		}
	}
	var byID api.ConnectionGroupResponse
	e.do("viewer", "GET", c+"/connection-groups/"+g.Metadata.ID, nil).decode(t, &byID)
	if byID.ConnectionGroup.Metadata.Name != "pair" {
		t.Errorf("describe by id = %+v", byID.ConnectionGroup.Metadata)
	}

	var updated api.ConnectionGroupResponse
	e.do("admin", "PATCH", c+"/connection-groups/pair", groupBody("pair2", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_EVENT_SOURCE","name":"b"}],
		"groupBy":{"fields":[{"name":"sha","expression":"$.sha"}]},"timeout":60,"timeoutBehavior":"TIMEOUT_BEHAVIOR_EMIT"}`)).decode(t, &updated)
	if u := updated.ConnectionGroup; u.Metadata.Name != "pair2" || u.Spec.Timeout != 60 || u.Spec.TimeoutBehavior != api.TimeoutBehaviorEmit ||
		u.Spec.GroupBy.Fields[0].Name != "sha" || u.Metadata.ID != g.Metadata.ID {
		t.Errorf("updated = %+v %+v", u.Metadata, u.Spec)
	}
	var list api.ListConnectionGroupsResponse
	e.do("viewer", "GET", c+"/connection-groups", nil).decode(t, &list)
	if len(list.ConnectionGroups) != 1 || list.ConnectionGroups[0].Metadata.Name != "pair2" {
		t.Errorf("list = %+v", list)
	}
	expectError(t, e.do("owner", "POST", c+"/connection-groups", groupBody("pair2", pairSpec)), http.StatusConflict, api.CodeAlreadyExists, "pair2")

	var fieldSets api.ListConnectionGroupFieldSetsResponse
	e.do("viewer", "GET", c+"/connection-groups/pair2/field-sets", nil).decode(t, &fieldSets)
	if fieldSets.FieldSets == nil || len(fieldSets.FieldSets) != 0 {
		t.Errorf("field sets of a new group = %+v; want []", fieldSets)
	}
	expectError(t, e.do("viewer", "GET", c+"/connection-groups/pair2/field-sets?states=STATE_WAITING", nil), http.StatusBadRequest, api.CodeInvalidArgument, "states[0]")

	if r := e.do("owner", "DELETE", c+"/connection-groups/pair2", nil); r.status != http.StatusOK {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	expectError(t, e.do("viewer", "GET", c+"/connection-groups/pair2", nil), http.StatusNotFound, api.CodeNotFound, "pair2")
	expectError(t, e.do("viewer", "GET", "/api/v1/canvases/nope/connection-groups", nil), http.StatusNotFound, api.CodeNotFound, "nope")
}

// TestConnectionGroupsBadInput: every mistake is a 400 naming its field.
func TestConnectionGroupsBadInput(t *testing.T) {
	e := newEnv(t)
	c, _ := groupCanvas(t, e, "prod")
	conns := `"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_EVENT_SOURCE","name":"b"}]`
	groupBy := `"groupBy":{"fields":[{"name":"version","expression":"$.version"}]}`
	for _, tc := range []struct{ name, body, field string }{
		{"no metadata", `{"connectionGroup":{"spec":` + pairSpec + `}}`, "connectionGroup.metadata.name"},
		{"no body", `{}`, "connectionGroup.metadata.name"},
		{"bad name", groupBody("a/b", pairSpec), "connectionGroup.metadata.name"},
		{"uuid name", groupBody("0b7f3e2c-3a51-4c53-9d55-2f8ad1c1c0e1", pairSpec), "connectionGroup.metadata.name"},
		{"no spec", `{"connectionGroup":{"metadata":{"name":"g"}}}`, "connectionGroup.spec"},
		{"one connection", groupBody("g", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"}],`+groupBy+`}`), "connectionGroup.spec.connections"},
		{"unknown source", groupBody("g", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_EVENT_SOURCE","name":"zz"}],`+groupBy+`}`), "connectionGroup.spec.connections[1].name"},
		{"unknown stage", groupBody("g", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_STAGE","name":"zz"}],`+groupBy+`}`), "connectionGroup.spec.connections[1].name"},
		{"bad type", groupBody("g", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_CONNECTION_GROUP","name":"b"}],`+groupBy+`}`), "connectionGroup.spec.connections[1].type"},
		{"twice", groupBody("g", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_EVENT_SOURCE","name":"a"}],`+groupBy+`}`), "connectionGroup.spec.connections[1].name"},
		{"bad filter", groupBody("g", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.x =="}}]},{"type":"TYPE_EVENT_SOURCE","name":"b"}],`+groupBy+`}`), "connectionGroup.spec.connections[0]"},
		{"no groupBy", groupBody("g", `{`+conns+`}`), "connectionGroup.spec.groupBy.fields"},
		{"bad field name", groupBody("g", `{`+conns+`,"groupBy":{"fields":[{"name":"1x","expression":"$.v"}]}}`), "connectionGroup.spec.groupBy.fields[0].name"},
		{"field twice", groupBody("g", `{`+conns+`,"groupBy":{"fields":[{"name":"v","expression":"$.v"},{"name":"v","expression":"$.w"}]}}`), "connectionGroup.spec.groupBy.fields[1].name"},
		{"no expression", groupBody("g", `{`+conns+`,"groupBy":{"fields":[{"name":"v"}]}}`), "connectionGroup.spec.groupBy.fields[0].expression"},
		{"bad expression", groupBody("g", `{`+conns+`,"groupBy":{"fields":[{"name":"v","expression":"$.v +"}]}}`), "connectionGroup.spec.groupBy.fields[0].expression"},
		{"timeout too long", groupBody("g", `{`+conns+`,`+groupBy+`,"timeout":604801}`), "connectionGroup.spec.timeout"},
		{"negative timeout", groupBody("g", `{`+conns+`,`+groupBy+`,"timeout":-1}`), "connectionGroup.spec.timeout"},
		{"bad behaviour", groupBody("g", `{`+conns+`,`+groupBy+`,"timeoutBehavior":"TIMEOUT_BEHAVIOR_WAIT"}`), "connectionGroup.spec.timeoutBehavior"},
		{"timeout type", groupBody("g", `{`+conns+`,`+groupBy+`,"timeout":"long"}`), "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.do("owner", "POST", c+"/connection-groups", tc.body), http.StatusBadRequest, api.CodeInvalidArgument, tc.field)
		})
	}
	// Update checks the same way.
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", pairSpec)).decode(t, &api.ConnectionGroupResponse{})
	expectError(t, e.do("owner", "PATCH", c+"/connection-groups/pair", groupBody("", `{`+conns+`,`+groupBy+`,"timeout":604801}`)),
		http.StatusBadRequest, api.CodeInvalidArgument, "connectionGroup.spec.timeout")
	expectError(t, e.do("owner", "PATCH", c+"/connection-groups/pair", `{}`), http.StatusBadRequest, api.CodeInvalidArgument, "connectionGroup")
}

// groupStageBody is a noop stage connected to group, taking VERSION from
// the group event's fields.
func groupStageBody(name, group string) string {
	return fmt.Sprintf(`{"stage":{"metadata":{"name":%q},"spec":{"connections":[{"type":"TYPE_CONNECTION_GROUP","name":%q}],
		"inputs":[{"name":"VERSION"}],"inputMappings":[{"values":[{"name":"VERSION","valueFrom":{"eventData":{"connection":%q,"expression":"$.fields.version"}}}]}],
		"executor":{"type":"noop","spec":{}}}}}`, name, group, group)
}

// TestConnectionGroupsInUse: a group a stage connects to cannot be deleted
// or renamed, and a source a group gathers from cannot be deleted (409
// naming them); a stage cannot connect to a group that does not exist.
func TestConnectionGroupsInUse(t *testing.T) {
	e := newEnv(t)
	c, _ := groupCanvas(t, e, "prod")
	expectError(t, e.do("owner", "POST", c+"/stages", groupStageBody("deploy", "pair")), http.StatusBadRequest, api.CodeInvalidArgument,
		`stage.spec.connections[0].name: connection group "pair" does not exist`)
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", pairSpec)).decode(t, &api.ConnectionGroupResponse{})
	e.do("owner", "POST", c+"/stages", groupStageBody("deploy", "pair")).decode(t, &api.StageResponse{})

	expectError(t, e.do("owner", "DELETE", c+"/connection-groups/pair", nil), http.StatusConflict, api.CodeAlreadyExists, `stage "deploy"`)
	expectError(t, e.do("owner", "PATCH", c+"/connection-groups/pair", groupBody("renamed", pairSpec)), http.StatusConflict, api.CodeAlreadyExists, `stage "deploy"`)
	expectError(t, e.do("owner", "DELETE", c+"/event-sources/a", nil), http.StatusConflict, api.CodeAlreadyExists, `connection group "pair"`)
	// The same name is no rename.
	e.do("owner", "PATCH", c+"/connection-groups/pair", groupBody("pair", pairSpec)).decode(t, &api.ConnectionGroupResponse{})

	if r := e.do("owner", "DELETE", c+"/stages/deploy", nil); r.status != http.StatusOK {
		t.Fatalf("delete stage: %d %s", r.status, r.body)
	}
	if r := e.do("owner", "DELETE", c+"/connection-groups/pair", nil); r.status != http.StatusOK {
		t.Fatalf("delete group once unused: %d %s", r.status, r.body)
	}
	if r := e.do("owner", "DELETE", c+"/event-sources/a", nil); r.status != http.StatusOK {
		t.Fatalf("delete source once unused: %d %s", r.status, r.body)
	}
}

// TestConnectionGroupsEndToEnd: signed deliveries to a and b with the
// same version become one group event in the connected stage, which runs
// with the version; the field-sets listing shows the complete field set
// with both events, and a lone event's field set waiting.
func TestConnectionGroupsEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
	}()
	t.Cleanup(func() { cancel(); <-done })

	c, sources := groupCanvas(t, e, "prod")
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", pairSpec)).decode(t, &api.ConnectionGroupResponse{})
	e.do("owner", "POST", c+"/stages", groupStageBody("deploy", "pair")).decode(t, &api.StageResponse{})
	send := func(source, body string) {
		t.Helper()
		es := sources[source]
		if status, resp := deliver(t, e, "/api/v1/sources/"+es.EventSource.Metadata.ID, []byte(body), map[string]string{
			"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(es.Key), []byte(body)),
		}); status != http.StatusOK {
			t.Fatalf("delivery to %s: %d %s", source, status, resp)
		}
	}
	send("a", `{"version":"1.0"}`)
	send("b", `{"version":"2.0"}`)
	send("b", `{"version":"1.0"}`)

	var execs api.ListExecutionsResponse
	deadline := time.Now().Add(60 * time.Second)
	for {
		e.do("viewer", "GET", c+"/stages/deploy/executions", nil).decode(t, &execs)
		if len(execs.Executions) == 1 && execs.Executions[0].State == api.ExecutionStateFinished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the group event did not run the stage: %+v", execs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var queue api.ListStageEventsResponse
	e.do("viewer", "GET", c+"/stages/deploy/events", nil).decode(t, &queue)
	if len(queue.Events) != 1 {
		t.Fatalf("the stage has %d events, want the one group event", len(queue.Events))
	}
	ev := queue.Events[0]
	if ev.TriggerEvent.SourceType != api.EventSourceTypeConnectionGroup || ev.TriggerEvent.SourceName != "pair" ||
		len(ev.Inputs) != 1 || ev.Inputs[0].Value != "1.0" {
		t.Errorf("the stage event = %+v (trigger %+v); want the group's, VERSION 1.0", ev, ev.TriggerEvent)
	}

	var sets api.ListConnectionGroupFieldSetsResponse
	e.do("viewer", "GET", c+"/connection-groups/pair/field-sets", nil).decode(t, &sets)
	if len(sets.FieldSets) != 2 {
		t.Fatalf("field sets = %+v; want two", sets)
	}
	states := map[string]api.ConnectionGroupFieldSet{}
	for _, fs := range sets.FieldSets {
		states[fs.Fields[0].Value] = fs
	}
	one, two := states["1.0"], states["2.0"]
	if one.State != api.FieldSetStateProcessed || one.StateReason != api.FieldSetReasonOK || len(one.Events) != 2 || one.Hash == "" ||
		one.Events[0].SourceType != api.ConnectionTypeEventSource || one.Events[0].SourceName != "a" || one.Events[1].SourceName != "b" {
		t.Errorf("the complete field set = %+v", one)
	}
	if two.State != api.FieldSetStatePending || two.StateReason != api.FieldSetReasonNone || len(two.Events) != 1 {
		t.Errorf("the waiting field set = %+v", two)
	}
	var pending api.ListConnectionGroupFieldSetsResponse
	e.do("viewer", "GET", c+"/connection-groups/pair/field-sets?states=STATE_PENDING", nil).decode(t, &pending)
	if len(pending.FieldSets) != 1 || pending.FieldSets[0].ID != two.ID {
		t.Errorf("pending field sets = %+v", pending)
	}
	if strings.Contains(string(e.do("viewer", "GET", c+"/connection-groups/pair/field-sets", nil).body), `"fields":null`) {
		t.Error("a field set answers null fields")
	}
}

// TestFieldSetStatesAreTheWire: the store's field set states and reasons
// are the contract's.
func TestFieldSetStatesAreTheWire(t *testing.T) {
	for _, c := range [][2]string{
		{store.FieldSetPending, api.FieldSetStatePending},
		{store.FieldSetProcessed, api.FieldSetStateProcessed},
		{store.FieldSetDiscarded, api.FieldSetStateDiscarded},
		{store.FieldSetReasonOK, api.FieldSetReasonOK},
		{store.FieldSetReasonTimeout, api.FieldSetReasonTimeout},
	} {
		if c[0] != c[1] {
			t.Errorf("the store writes %q, the API says %q", c[0], c[1])
		}
	}
}

// TestConnectionGroupsJoinAStage: a group joins a stage's finished
// execution (its outputs) with a source's event; the stage cannot be
// deleted while the group gathers from it, and an event the group cannot
// key is a rejection listed under the group's name.
func TestConnectionGroupsJoinAStage(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
	}()
	t.Cleanup(func() { cancel(); <-done })

	c, sources := groupCanvas(t, e, "prod")
	e.do("owner", "POST", c+"/stages", `{"stage":{"metadata":{"name":"build"},"spec":{
		"connections":[{"type":"TYPE_EVENT_SOURCE","name":"b"}],
		"inputs":[{"name":"V"}],"inputMappings":[{"values":[{"name":"V","valueFrom":{"eventData":{"connection":"b","expression":"$.version"}}}]}],
		"outputs":[{"name":"version"}],
		"executor":{"type":"noop","spec":{"outputs":{"version":"${{ inputs.V }}"}}}}}}`).decode(t, &api.StageResponse{})
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_STAGE","name":"build"}],
		"groupBy":{"fields":[{"name":"version","expression":"$.outputs != nil ? $.outputs.version : $.version"}]}}`)).decode(t, &api.ConnectionGroupResponse{})
	e.do("owner", "POST", c+"/stages", groupStageBody("deploy", "pair")).decode(t, &api.StageResponse{})
	expectError(t, e.do("owner", "DELETE", c+"/stages/build", nil), http.StatusConflict, api.CodeAlreadyExists, `connection group "pair"`)

	send := func(source, body string) {
		t.Helper()
		es := sources[source]
		if status, resp := deliver(t, e, "/api/v1/sources/"+es.EventSource.Metadata.ID, []byte(body), map[string]string{
			"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(es.Key), []byte(body)),
		}); status != http.StatusOK {
			t.Fatalf("delivery to %s: %d %s", source, status, resp)
		}
	}
	send("a", `{"other":"no version"}`)
	send("b", `{"version":"7.0"}`)
	send("a", `{"version":"7.0"}`)

	var execs api.ListExecutionsResponse
	deadline := time.Now().Add(60 * time.Second)
	for {
		e.do("viewer", "GET", c+"/stages/deploy/executions", nil).decode(t, &execs)
		if len(execs.Executions) == 1 && execs.Executions[0].State == api.ExecutionStateFinished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the group of a stage and a source did not run deploy: %+v", execs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var sets api.ListConnectionGroupFieldSetsResponse
	e.do("viewer", "GET", c+"/connection-groups/pair/field-sets?states=STATE_PROCESSED", nil).decode(t, &sets)
	if len(sets.FieldSets) != 1 || len(sets.FieldSets[0].Events) != 2 {
		t.Fatalf("processed field sets = %+v; want one with the source's event and the execution", sets)
	}
	var fromStage *api.ConnectionGroupEvent
	for i, ev := range sets.FieldSets[0].Events {
		if ev.SourceType == api.ConnectionTypeStage {
			fromStage = &sets.FieldSets[0].Events[i]
		}
	}
	if fromStage == nil || fromStage.SourceName != "build" || fromStage.ID == "" {
		t.Errorf("the field set's events %+v; want one from stage build (its execution)", sets.FieldSets[0].Events)
	}

	var rejections api.ListEventRejectionsResponse
	e.do("viewer", "GET", c+"/rejections?targetType=TYPE_CONNECTION_GROUP&targetId=pair", nil).decode(t, &rejections)
	if len(rejections.Rejections) != 1 || !strings.Contains(rejections.Rejections[0].Message, "groupBy field version has no value") {
		t.Errorf("the group's rejections = %+v; want the event without a version", rejections)
	}
}

// TestConnectionGroupsRefuseLoops: a stage cannot both listen to a group
// and be one of its connections, whichever is saved second.
func TestConnectionGroupsRefuseLoops(t *testing.T) {
	e := newEnv(t)
	c, _ := groupCanvas(t, e, "prod")
	e.do("owner", "POST", c+"/stages", `{"stage":{"metadata":{"name":"build"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"b"}],"executor":{"type":"noop","spec":{}}}}}`).decode(t, &api.StageResponse{})
	loop := `{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_STAGE","name":"build"}],"groupBy":{"fields":[{"name":"v","expression":"$.v"}]}}`
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", loop)).decode(t, &api.ConnectionGroupResponse{})
	expectError(t, e.do("owner", "PATCH", c+"/stages/build", groupStageBody("build", "pair")), http.StatusBadRequest, api.CodeInvalidArgument,
		`stage.spec.connections[0].name: connection group "pair" gathers from stage "build"`)

	e.do("owner", "PATCH", c+"/connection-groups/pair", groupBody("pair", pairSpec)).decode(t, &api.ConnectionGroupResponse{})
	e.do("owner", "PATCH", c+"/stages/build", groupStageBody("build", "pair")).decode(t, &api.StageResponse{})
	expectError(t, e.do("owner", "PATCH", c+"/connection-groups/pair", groupBody("pair", loop)), http.StatusBadRequest, api.CodeInvalidArgument,
		`connectionGroup.spec.connections[1].name: stage "build" connects to this group`)
}
