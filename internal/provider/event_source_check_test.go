package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestEventSourceReadWithViewerToken: when the server refuses the check
// (a viewer token), Read falls back to a plain GET, warns that the hook was
// not checked, and never asks for a repair.
func TestEventSourceReadWithViewerToken(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(api.Error{Code: api.CodeInvalidArgument, Message: "unexpected"})
			return
		}
		if r.URL.Query().Get("check") == "true" {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(api.Error{Code: api.CodePermissionDenied, Message: "role viewer may not check"})
			return
		}
		_ = json.NewEncoder(w).Encode(api.EventSourceResponse{EventSource: &api.EventSource{
			Metadata: &api.EventSourceMetadata{ID: sourceUUID, Name: "hook"},
			Spec:     &api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"}},
			Status:   &api.EventSourceStatus{KeyVersion: 1, Webhook: &api.WebhookStatus{URL: "http://sp/x/github", State: "ready", Reason: "ok"}},
		}})
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: "spt_viewer", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := &EventSourceResource{client: c}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	state := sampleModel()
	state.Type, state.Key = types.StringValue("github"), types.StringNull()
	req := resource.ReadRequest{State: tfsdk.State{Schema: sresp.Schema, Raw: eventSourceValue(t, r, state)}}
	resp := &resource.ReadResponse{State: req.State}
	r.Read(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if w := resp.Diagnostics.Warnings(); len(w) != 1 || !strings.Contains(w[0].Detail(), "only owner and admin tokens") {
		t.Errorf("warnings = %v", w)
	}
	var got EventSourceResourceModel
	resp.Diagnostics.Append(resp.State.Get(ctx, &got)...)
	if obs, _ := got.Status.Attributes()["webhook_observed"].(types.String); !obs.IsNull() {
		t.Errorf("webhook_observed = %s, want null (not checked)", obs)
	}
	if hookDrifted(ctx, got.Status) {
		t.Error("an unchecked hook plans a repair")
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"GET /api/v1/canvases/prod/event-sources/" + sourceUUID + "?check=true", "GET /api/v1/canvases/prod/event-sources/" + sourceUUID + "?"}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
