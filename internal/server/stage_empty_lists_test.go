package server_test

import (
	"fmt"
	"testing"
)

// TestStageStringListsAnswerEmpty: a time window without weekDays and a
// lastExecution value without results read back as [], as the contract's
// server answers them (it emits unpopulated repeated fields), in the
// answers of create, describe, update and list alike; the stored spec
// keeps what was written, and a listed day still reads back as written.
func TestStageStringListsAnswerEmpty(t *testing.T) {
	se := newStageEnv(t)
	e := se.env
	stage := func(days string) string {
		return `{"stage":{"metadata":{"name":"lists"},"spec":{` +
			`"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],` +
			`"conditions":[{"type":"CONDITION_TYPE_TIME_WINDOW","timeWindow":{"start":"08:00","end":"17:00"` + days + `}}],` +
			`"inputs":[{"name":"V"}],` +
			`"inputMappings":[{"values":[{"name":"V","valueFrom":{"lastExecution":{}}}]}],` +
			`"executor":{"type":"noop"}}}}`
	}
	type answer struct {
		Stage struct {
			Spec map[string]any `json:"spec"`
		} `json:"stage"`
		Stages []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec map[string]any `json:"spec"`
		} `json:"stages"`
	}
	// lists returns the weekDays and results of an answer's stage spec,
	// and whether each is a JSON list.
	lists := func(spec map[string]any) (days, results any) {
		conds, _ := spec["conditions"].([]any)
		if len(conds) == 1 {
			c, _ := conds[0].(map[string]any)
			tw, _ := c["timeWindow"].(map[string]any)
			days = tw["weekDays"]
		}
		maps, _ := spec["inputMappings"].([]any)
		if len(maps) == 1 {
			m, _ := maps[0].(map[string]any)
			values, _ := m["values"].([]any)
			if len(values) == 1 {
				v, _ := values[0].(map[string]any)
				from, _ := v["valueFrom"].(map[string]any)
				last, _ := from["lastExecution"].(map[string]any)
				results = last["results"]
			}
		}
		return days, results
	}
	for _, step := range []struct{ what, method, path, body string }{
		{"create", "POST", "/api/v1/canvases/prod/stages", stage("")},
		{"describe", "GET", "/api/v1/canvases/prod/stages/lists", ""},
		{"update", "PATCH", "/api/v1/canvases/prod/stages/lists", stage(`,"weekDays":null`)},
		{"list", "GET", "/api/v1/canvases/prod/stages", ""},
	} {
		var body any
		if step.body != "" {
			body = step.body
		}
		r := e.do("owner", step.method, step.path, body)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", step.what, r.status, r.body)
		}
		var got answer
		r.decode(t, &got)
		spec := got.Stage.Spec
		if step.what == "list" {
			spec = nil
			for _, st := range got.Stages {
				if st.Metadata.Name == "lists" {
					spec = st.Spec
				}
			}
		}
		days, results := lists(spec)
		if l, ok := days.([]any); !ok || len(l) != 0 {
			t.Errorf("%s: timeWindow.weekDays is %v, want []", step.what, days)
		}
		if l, ok := results.([]any); !ok || len(l) != 0 {
			t.Errorf("%s: lastExecution.results is %v, want []", step.what, results)
		}
	}

	r := e.do("owner", "PATCH", "/api/v1/canvases/prod/stages/lists", stage(`,"weekDays":["monday"]`))
	if r.status != 200 {
		t.Fatalf("update with a day: %d %s", r.status, r.body)
	}
	var got answer
	r.decode(t, &got)
	if days, _ := lists(got.Stage.Spec); fmt.Sprint(days) != "[monday]" {
		t.Errorf("update with a day: weekDays is %v, want [monday]", days)
	}
}
