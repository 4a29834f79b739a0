package server_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestListEntriesAreTheirGet: the provider refreshes secrets, event
// sources and stages from their lists instead of one GET each
// (internal/client's listreads.go), which is right only while each list
// entry is exactly what the object's GET answers. The test lists every
// type the provider reads that way, with objects in the states a refresh
// meets (a secret in each domain; a source that received an event and one
// that did not; stages with a finished execution, one with an event
// waiting for approval, one that never ran), and compares each entry with its GET field by field,
// as JSON.
func TestListEntriesAreTheirGet(t *testing.T) {
	se := newStageEnv(t)
	e := se.env
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "org-secret", map[string]string{"a": "1", "b": "2"})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "org-other", map[string]string{"x": "y"})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "canvas-secret", map[string]string{"k": "v"})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("quiet", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", matrixStageBody("gated", 1)).decode(t, &api.StageResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", noopStage("noop")).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"abc123"}`)
	waitExecution(t, e, "deploy", 1)
	waitFor(t, 15*time.Second, "the gated stage's event waiting for approval", func() bool {
		var st api.StageResponse
		e.do("viewer", "GET", "/api/v1/canvases/prod/stages/gated", nil).decode(t, &st)
		return st.Stage.Status != nil && st.Stage.Status.Queue != nil && st.Stage.Status.Queue.Total > 0
	})
	waitFor(t, 15*time.Second, "the noop stage's execution to finish", func() bool {
		var st api.StageResponse
		e.do("viewer", "GET", "/api/v1/canvases/prod/stages/noop", nil).decode(t, &st)
		return st.Stage.Status != nil && st.Stage.Status.LastExecution != nil && st.Stage.Status.LastExecution.State == api.ExecutionStateFinished
	})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", noopStage("idle")).decode(t, &api.StageResponse{})

	var me api.Me
	e.do("viewer", "GET", "/api/v1/me", nil).decode(t, &me)
	var canvas api.CanvasResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod", nil).decode(t, &canvas)
	domains := map[string]string{
		"organization": "domainType=" + api.DomainTypeOrganization + "&domainId=" + me.OrganizationID,
		"canvas":       "domainType=" + api.DomainTypeCanvas + "&domainId=" + canvas.Canvas.Metadata.ID,
	}
	for scope, q := range domains {
		compareListWithGets(t, e, "secrets in the "+scope, "/api/v1/secrets?"+q, "secrets", "secret",
			func(id string) string { return "/api/v1/secrets/" + url.PathEscape(id) + "?" + q })
	}
	compareListWithGets(t, e, "event sources", "/api/v1/canvases/prod/event-sources", "eventSources", "eventSource",
		func(id string) string { return "/api/v1/canvases/prod/event-sources/" + id })
	compareListWithGets(t, e, "stages", "/api/v1/canvases/prod/stages", "stages", "stage",
		func(id string) string { return "/api/v1/canvases/prod/stages/" + id })
}

// compareListWithGets lists listPath and compares each entry of the
// listKey array with the getKey object of its GET.
func compareListWithGets(t *testing.T, e *env, what, listPath, listKey, getKey string, getPath func(id string) string) {
	t.Helper()
	var list map[string][]map[string]any
	e.do("viewer", "GET", listPath, nil).decode(t, &list)
	entries := list[listKey]
	if len(entries) < 2 {
		t.Fatalf("%s: the list has %d entries, want the test's objects", what, len(entries))
	}
	for _, entry := range entries {
		meta, _ := entry["metadata"].(map[string]any)
		id, _ := meta["id"].(string)
		if id == "" {
			t.Errorf("%s: a list entry without an id: %v", what, entry)
			continue
		}
		var one map[string]any
		e.do("viewer", "GET", getPath(id), nil).decode(t, &one)
		for _, d := range jsonDiff("", entry, one[getKey]) {
			t.Errorf("%s: %s %q: %s", what, getKey, meta["name"], d)
		}
	}
}

// jsonDiff lists where two decoded JSON values differ, by path.
func jsonDiff(at string, list, get any) []string {
	lm, lok := list.(map[string]any)
	gm, gok := get.(map[string]any)
	if lok && gok {
		keys := map[string]bool{}
		for k := range lm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		var out []string
		for _, k := range sorted {
			out = append(out, jsonDiff(at+"."+k, lm[k], gm[k])...)
		}
		return out
	}
	la, laok := list.([]any)
	ga, gaok := get.([]any)
	if laok && gaok && len(la) == len(ga) {
		var out []string
		for i := range la {
			out = append(out, jsonDiff(fmt.Sprintf("%s[%d]", at, i), la[i], ga[i])...)
		}
		return out
	}
	if reflect.DeepEqual(list, get) {
		return nil
	}
	l, _ := json.Marshal(list)
	g, _ := json.Marshal(get)
	return []string{fmt.Sprintf("%s: list %s, GET %s", at, l, g)}
}
