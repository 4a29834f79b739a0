package server_test

import (
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestSecretCreateNeedsData: a secret created without spec, without
// spec.local or with no values is a 400 naming the missing field, and
// nothing is stored (v1 stored an empty secret that failed only when a
// stage ran).
func TestSecretCreateNeedsData(t *testing.T) {
	e := newEnv(t)
	org := `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"db"}`
	for _, tc := range []struct{ name, body, field string }{
		{"NoSpec", org + `}}`, "secret.spec is required"},
		{"NullSpec", org + `,"spec":null}}`, "secret.spec is required"},
		{"NoLocal", org + `,"spec":{"provider":"PROVIDER_LOCAL"}}}`, "secret.spec.local is required"},
		{"NoData", org + `,"spec":{"local":{}}}}`, "secret.spec.local.data is required"},
		{"EmptyData", org + `,"spec":{"local":{"data":{}}}}}`, "secret.spec.local.data is required"},
		{"SnakeCaseEmptyData", `{"domain_type":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"db"},"spec":{"local":{"data":{}}}}}`, "secret.spec.local.data is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.do("owner", "POST", "/api/v1/secrets", tc.body), 400, api.CodeInvalidArgument, tc.field)
		})
	}
	var list api.ListSecretsResponse
	e.do("owner", "GET", "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &list)
	if len(list.Secrets) != 0 {
		t.Fatalf("refused creates stored %d secrets", len(list.Secrets))
	}
	// The deliberate fixes stay: a missing canvas is still a 404, not a
	// 400 about the body.
	expectError(t, e.do("owner", "POST", "/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"ghost","secret":{"metadata":{"name":"db"}}}`),
		404, api.CodeNotFound, "ghost")
}

// TestEventSourceUpdateNeedsMetadata: the contract's update is a full
// replacement, so an update without metadata is a 400 naming it, and the
// source is unchanged.
func TestEventSourceUpdateNeedsMetadata(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	req := sourceBody("hook", api.EventSourceSpec{Type: "webhook"})
	req.EventSource.Metadata.Description = "kept"
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", req).decode(t, &api.EventSourceResponse{})
	for _, body := range []string{
		`{"eventSource":{"spec":{"type":"webhook"}}}`,
		`{"eventSource":{"metadata":null,"spec":{"type":"webhook"}}}`,
	} {
		expectError(t, e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/hook", body), 400, api.CodeInvalidArgument, "eventSource.metadata is required")
	}
	var got api.EventSourceResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/event-sources/hook", nil).decode(t, &got)
	if got.EventSource.Metadata.Description != "kept" {
		t.Fatalf("a refused update changed the description to %q", got.EventSource.Metadata.Description)
	}
	// With metadata (its name may be left out, keeping the current one)
	// the update goes through.
	e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/hook", `{"eventSource":{"metadata":{"description":"new"},"spec":{"type":"webhook"}}}`).decode(t, &got)
	if got.EventSource.Metadata.Name != "hook" || got.EventSource.Metadata.Description != "new" {
		t.Fatalf("update: %+v", got.EventSource.Metadata)
	}
}
