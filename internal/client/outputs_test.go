package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestPushOutputs: the client posts the execution's outputs to
// /api/v1/outputs with its token as the bearer and reads the names back;
// a refused token is a typed 401 whose message does not echo the token.
func TestPushOutputs(t *testing.T) {
	const token = "spo_run-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req api.PushOutputsRequest
		if r.Method != http.MethodPost || r.URL.Path != api.OutputsPath || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(api.Error{Code: api.CodeUnauthenticated, Message: "the token is not valid for execution " + req.ExecutionID, Details: []any{}})
			return
		}
		_ = json.NewEncoder(w).Encode(api.PushOutputsResponse{ExecutionID: req.ExecutionID, Outputs: []string{"VERSION"}})
	}))
	defer srv.Close()

	c, err := New(Config{Endpoint: srv.URL, Token: token, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.PushOutputs(t.Context(), "ex-1", map[string]string{"VERSION": "1.2.3"})
	if err != nil || out.ExecutionID != "ex-1" || strings.Join(out.Outputs, ",") != "VERSION" {
		t.Fatalf("PushOutputs = %+v, %v", out, err)
	}

	bad, err := New(Config{Endpoint: srv.URL, Token: "spo_wrong", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.PushOutputs(t.Context(), "ex-1", map[string]string{"VERSION": "1.2.3"})
	if !IsUnauthorized(err) || strings.Contains(err.Error(), "spo_wrong") {
		t.Fatalf("with a wrong token: %v", err)
	}
}
