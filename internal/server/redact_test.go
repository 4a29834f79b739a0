package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestStageSecretNeverClippedIntoResult puts a stage's secret in the query
// of the URL it calls, where the start of the secret falls just before the
// point where error text used to be clipped (200 characters), and breaks
// the connection so that the error quotes the URL: the execution's message
// holds neither the secret nor its first characters.
func TestStageSecretNeverClippedIntoResult(t *testing.T) {
	se := newStageEnv(t)
	se.recv.respond = func(w http.ResponseWriter, _ *http.Request) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	}
	req := httpStage("deploy", se.recvURL+"/"+strings.Repeat("p", 137)+"?k=${{ secrets.TOKEN }}")
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", req).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"x"}`)
	ex := waitExecution(t, se.env, "deploy", 1)[0]
	if ex.Result != api.ResultFailed || !strings.Contains(ex.ResultMessage, "?k=***") {
		t.Fatalf("want a failure quoting the masked URL, got %+v", ex)
	}
	b, _ := json.Marshal(ex)
	if strings.Contains(string(b), deployToken[:6]) {
		t.Fatalf("execution record shows the start of the secret: %s", b)
	}
}
