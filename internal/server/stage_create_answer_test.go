package server_test

import (
	"testing"
)

// TestCreateStageAnswersItsGet: the answer to a stage's create, whose
// status the service no longer queries (nothing can be queued for a stage
// that did not exist), is what a GET right after answers: an empty queue,
// a total of 0, no last execution.
func TestCreateStageAnswersItsGet(t *testing.T) {
	se := newStageEnv(t)
	e := se.env
	// Another stage with a queue and executions, so the canvas is not empty.
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &map[string]any{})
	se.post(t, `{"ref":"refs/heads/main","after":"abc123"}`)
	waitExecution(t, e, "deploy", 1)

	for _, name := range []string{"fresh", "fresh-2"} {
		var created, got map[string]any
		e.do("owner", "POST", "/api/v1/canvases/prod/stages", noopStage(name)).decode(t, &created)
		e.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+name, nil).decode(t, &got)
		for _, d := range jsonDiff("", created["stage"], got["stage"]) {
			t.Errorf("%s: create answered %s", name, d)
		}
		status, _ := created["stage"].(map[string]any)["status"].(map[string]any)
		queue, _ := status["queue"].(map[string]any)
		if items, _ := queue["items"].([]any); items == nil || len(items) != 0 || queue["total"] != float64(0) || status["lastExecution"] != nil {
			t.Errorf("%s: create answered status %v, want an empty queue and no execution", name, status)
		}
	}
}
