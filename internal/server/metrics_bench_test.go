package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// BenchmarkDeliveryMetrics measures a signed delivery through the whole
// server (routing, lookup, signature, an event stored in SQLite), without
// metrics and with them (a request's series, the delivery's, three timed
// store calls): what instrumentation costs the hottest path.
func BenchmarkDeliveryMetrics(b *testing.B) {
	for _, bc := range []struct {
		name string
		m    *metrics.Metrics
	}{
		{"off", nil},
		{"on", metrics.New(metrics.Config{Version: "bench", ExecutorTypes: api.ExecutorTypes(), HookTypes: api.IntegrationTypes()})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h, path, key := benchDeliveryServer(b, bc.m)
			body := []byte(`{"ref":"refs/heads/main","n":1}`)
			signature := webhook.Sign([]byte(key), body)
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Signature-256", signature)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("delivery: %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// benchDeliveryServer is a server over SQLite, wired as serve wires it
// with m, and a custom webhook source's receiver path and key.
func benchDeliveryServer(b *testing.B, m *metrics.Metrics) (http.Handler, string, string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	raw, err := store.Open(ctx, filepath.Join(dir, "superplane.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	st := metrics.Store(raw, m)
	keyFile := filepath.Join(dir, "keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		b.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	sl := sealer.New(ks)
	h := server.New(st, service.New(st, sl, log), log, server.WithMetrics(m))
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "owner@example.com")
	if err != nil {
		b.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: api.RoleOwner}); err != nil {
		b.Fatal(err)
	}
	call := func(path string, in, out any) {
		body, _ := json.Marshal(in)
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), out) != nil {
			b.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	call("/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}, &api.CanvasResponse{})
	var src api.EventSourceResponse
	call("/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"}), &src)
	return h, "/api/v1/sources/" + src.EventSource.Metadata.ID, src.Key
}
