package server_test

import (
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// v1Fields is testdata/v1_response_fields.json: the contract's object
// definitions, each property with the definition of its object (or array
// items), "" for the rest.
type v1Fields map[string]map[string]string

func loadV1Fields(t *testing.T) v1Fields {
	t.Helper()
	b, err := os.ReadFile("testdata/v1_response_fields.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Definitions v1Fields `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Definitions
}

// missing returns the paths of the properties of definition def that the
// answer body leaves out, at every depth: the contract's server emits
// every field, null or empty where unset, and v1 clients index them.
func (f v1Fields) missing(t *testing.T, def string, body []byte) []string {
	t.Helper()
	if _, ok := f[def]; !ok {
		t.Fatalf("no definition %s in the contract's fields", def)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	var out []string
	f.walk(def, v, "", &out)
	sort.Strings(out)
	return out
}

func (f v1Fields) walk(def string, v any, at string, out *[]string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return // null, or a value the contract's type checks elsewhere cover
	}
	for prop, child := range f[def] {
		got, present := obj[prop]
		if !present {
			*out = append(*out, at+"."+prop)
			continue
		}
		if child == "" {
			continue
		}
		if list, isList := got.([]any); isList {
			for _, item := range list {
				f.walk(child, item, at+"."+prop+"[]", out)
			}
			continue
		}
		f.walk(child, got, at+"."+prop, out)
	}
}

// expectAllFields fails when the answer r leaves out a field of def.
func expectAllFields(t *testing.T, f v1Fields, what, def string, r response) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("%s: %d %s", what, r.status, r.body)
	}
	if missing := f.missing(t, def, r.body); len(missing) > 0 {
		t.Errorf("%s leaves out %v of the contract's %s: %s", what, missing, def, r.body)
	}
}

// TestEventSourceAnswersCarryEveryV1Field: every answer about event
// sources and events carries every field of the contract's schema, null
// where unset, for every type of source: a v1 client indexing
// status.schedule or spec.schedule.daily must not fail.
func TestEventSourceAnswersCarryEveryV1Field(t *testing.T) {
	f := loadV1Fields(t)
	e, _ := githubSourceEnv(t)
	filters := []api.EventSourceEventType{{Type: "webhook", Filters: []api.Filter{
		{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref == 'refs/heads/main'"}},
		{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "headers['x-a'] == 'b'"}},
	}}}
	specs := map[string]api.EventSourceSpec{
		"hook":   {Type: "webhook", Events: filters},
		"button": {Type: "manual"},
		"hourly": {Type: "scheduled", Schedule: &api.EventSourceSchedule{Type: api.ScheduleTypeHourly, Hourly: &api.HourlySchedule{Minute: 5}}},
		"weekly": {Type: "scheduled", Schedule: &api.EventSourceSchedule{Type: api.ScheduleTypeWeekly, Weekly: &api.WeeklySchedule{WeekDay: "WEEK_DAY_MONDAY", Time: "10:00"}}},
		"push": {Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Name: "app"},
			Events: []api.EventSourceEventType{{Type: "push"}}},
	}
	for _, name := range []string{"hook", "button", "hourly", "weekly", "push"} {
		expectAllFields(t, f, "create "+name, "SuperplaneCreateEventSourceResponse",
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody(name, specs[name])))
		expectAllFields(t, f, "describe "+name, "SuperplaneDescribeEventSourceResponse",
			e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources/"+name, nil))
		expectAllFields(t, f, "update "+name, "SuperplaneUpdateEventSourceResponse",
			e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/"+name, sourceBody(name, specs[name])))
		expectAllFields(t, f, "reset-key "+name, "SuperplaneResetEventSourceKeyResponse",
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/"+name+"/reset-key", nil))
	}
	expectAllFields(t, f, "create event", "SuperplaneCreateEventResponse",
		e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","raw":{"v":1}}`))
	// With a last event, status.lastEvent is a whole event too.
	expectAllFields(t, f, "list", "SuperplaneListEventSourcesResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources", nil))
	expectAllFields(t, f, "events", "SuperplaneListEventsResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/events", nil))
	expectAllFields(t, f, "no events", "SuperplaneListEventsResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/events?sourceId=hook", nil))

	// The checker sees what is left out.
	if missing := f.missing(t, "SuperplaneDescribeEventSourceResponse", []byte(`{"eventSource":{"metadata":{},"spec":null,"status":{"lastEvent":null}}}`)); len(missing) == 0 {
		t.Fatal("the checker found nothing missing in a bare answer")
	}
}

// TestOtherAnswersCarryEveryV1Field keeps the answers that already carry
// every field of the contract's schema that way: canvases, secrets,
// integrations, me, stage events and executions (stages have their own
// test below).
func TestOtherAnswersCarryEveryV1Field(t *testing.T) {
	f := loadV1Fields(t)
	se := newStageEnv(t)
	e := se.env
	expectAllFields(t, f, "create secret", "SecretsCreateSecretResponse",
		e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "deploy", map[string]string{"token": "x"})))
	expectAllFields(t, f, "secrets", "SecretsListSecretsResponse", e.do("owner", "GET", "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", nil))
	expectAllFields(t, f, "secret", "SecretsDescribeSecretResponse", e.do("owner", "GET", "/api/v1/secrets/deploy?domainType=DOMAIN_TYPE_ORGANIZATION", nil))
	expectAllFields(t, f, "canvases", "SuperplaneListCanvasesResponse", e.do("viewer", "GET", "/api/v1/canvases", nil))
	expectAllFields(t, f, "canvas", "SuperplaneDescribeCanvasResponse", e.do("viewer", "GET", "/api/v1/canvases/prod", nil))
	expectAllFields(t, f, "me", "SuperplaneMeUser", e.do("viewer", "GET", "/api/v1/me", nil))
	expectAllFields(t, f, "integrations", "IntegrationsListIntegrationsResponse", e.do("viewer", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil))
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	waitExecution(t, e, "deploy", 1)
	expectAllFields(t, f, "stage events", "SuperplaneListStageEventsResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/stages/deploy/events", nil))
	expectAllFields(t, f, "executions", "SuperplaneListStageExecutionsResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/stages/deploy/executions", nil))
}

// TestStageAnswersCarryEveryV1Field: create, describe, update and list of
// stages carry every field of the contract's stage schema, null or "" where
// unset (a condition's unused branch, an executor without integration, a
// value without valueFrom, a mapping without when; lists of objects as []),
// and enums the caller
// left out read back as what the server applies: a connection's
// filterOperator as FILTER_OPERATOR_AND, a secret reference without a
// domain as DOMAIN_TYPE_UNSPECIFIED (looked up in the canvas, then the
// organization).
func TestStageAnswersCarryEveryV1Field(t *testing.T) {
	f := loadV1Fields(t)
	se := newStageEnv(t)
	e := se.env
	gated := httpStage("gated", se.recvURL)
	spec := gated.Stage.Spec
	spec.Conditions = []api.Condition{
		{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 1}},
		{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "08:00", End: "17:00", WeekDays: []string{"monday"}}},
	}
	spec.Inputs = append(spec.Inputs, api.InputDefinition{Name: "ENV"})
	spec.InputMappings[0].Values = append(spec.InputMappings[0].Values, api.ValueDefinition{Name: "ENV", Value: "prod"})
	spec.InputMappings[0].When = &api.InputMappingWhen{TriggeredBy: &struct {
		Connection string `json:"connection"`
	}{Connection: "hook"}}
	for _, r := range []struct {
		what, def string
		resp      response
	}{
		{"create", "SuperplaneCreateStageResponse", e.do("owner", "POST", "/api/v1/canvases/prod/stages", gated)},
		{"create plain", "SuperplaneCreateStageResponse", e.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL))},
		{"describe", "SuperplaneDescribeStageResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/stages/gated", nil)},
		{"update", "SuperplaneUpdateStageResponse", e.do("owner", "PATCH", "/api/v1/canvases/prod/stages/gated", gated)},
		{"list", "SuperplaneListStagesResponse", e.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil)},
	} {
		expectAllFields(t, f, r.what, r.def, r.resp)
	}

	var got api.StageResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod/stages/gated", nil).decode(t, &got)
	if op := got.Stage.Spec.Connections[0].FilterOperator; op != api.FilterOperatorAnd {
		t.Errorf("connection filterOperator left out reads back %q, want %s", op, api.FilterOperatorAnd)
	}
	if dt := got.Stage.Spec.Secrets[0].ValueFrom.Secret.DomainType; dt != api.DomainTypeUnspecified {
		t.Errorf("secret domainType left out reads back %q, want %s", dt, api.DomainTypeUnspecified)
	}

	// A spec written with nothing but a connection and an executor answers
	// its lists as [], as the contract's server does, never null.
	bare := `{"stage":{"metadata":{"name":"bare"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"executor":{"type":"noop"}}}}`
	for what, r := range map[string]response{
		"create bare":   e.do("owner", "POST", "/api/v1/canvases/prod/stages", bare),
		"describe bare": e.do("viewer", "GET", "/api/v1/canvases/prod/stages/bare", nil),
	} {
		var body struct {
			Stage struct {
				Spec map[string]any `json:"spec"`
			} `json:"stage"`
		}
		r.decode(t, &body)
		for _, field := range []string{"connections", "conditions", "inputs", "inputMappings", "outputs", "secrets"} {
			if list, ok := body.Stage.Spec[field].([]any); !ok {
				t.Errorf("%s: spec.%s is %v, want a list", what, field, body.Stage.Spec[field])
			} else if field == "connections" {
				conn, _ := list[0].(map[string]any)
				if filters, ok := conn["filters"].([]any); !ok || len(filters) != 0 {
					t.Errorf("%s: spec.connections[0].filters is %v, want []", what, conn["filters"])
				}
			}
		}
	}

	// With an execution and a queued event, status is whole too, and the
	// last execution carries the stage event it ran, as in the list of
	// executions.
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	ran := waitExecution(t, e, "deploy", 1)[0]
	list := e.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil)
	expectAllFields(t, f, "list after a run", "SuperplaneListStagesResponse", list)
	describe := e.do("viewer", "GET", "/api/v1/canvases/prod/stages/deploy", nil)
	expectAllFields(t, f, "describe after a run", "SuperplaneDescribeStageResponse", describe)
	var listed api.ListStagesResponse
	list.decode(t, &listed)
	var described api.StageResponse
	describe.decode(t, &described)
	for what, st := range map[string]*api.Stage{"list": findStage(listed.Stages, "deploy"), "describe": described.Stage} {
		last := st.Status.LastExecution
		if last == nil || last.ID != ran.ID || last.StageEvent == nil || ran.StageEvent == nil {
			t.Fatalf("%s: last execution %+v, want %s with its stage event", what, last, ran.ID)
		}
		ev := last.StageEvent
		var raw map[string]any
		if ev.TriggerEvent != nil {
			raw, _ = ev.TriggerEvent.RawObject()
		}
		if ev.ID != ran.StageEvent.ID || raw["after"] != "abc" || len(ev.Inputs) != 1 {
			t.Errorf("%s: last execution's stage event %+v, want %s triggered by the push", what, ev, ran.StageEvent.ID)
		}
	}
}

func findStage(list []api.Stage, name string) *api.Stage {
	for i := range list {
		if list[i].Metadata.Name == name {
			return &list[i]
		}
	}
	return &api.Stage{Status: &api.StageStatus{}}
}
