package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// BenchmarkReceive measures one accepted GitHub delivery of 5 KiB through
// routing, verification, validation and an in-memory sink.
func BenchmarkReceive(b *testing.B) {
	body := []byte(`{"ref":"refs/heads/main","pad":"` + strings.Repeat("x", 5<<10-40) + `"}`)
	signature := webhook.Sign(currentKey, body)
	mux := newMux(testSources(), discardSink{}, webhook.Config{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/gh-1/github", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", signature)
		req.Header.Set("X-GitHub-Event", "push")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkReceiveCustom measures one accepted delivery to a custom
// source of the busy canvas's body (superplane-bench's push, ~700 bytes)
// with the headers its load sends: the receiver's share of a busy canvas
// delivery (BENCHMARKS.md, round eleven).
func BenchmarkReceiveCustom(b *testing.B) {
	body := []byte(`{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",` +
		`"after":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","repository":{"id":1296269,"name":"app",` +
		`"full_name":"acme/app","private":true,"default_branch":"main","html_url":"https://github.com/acme/app"},` +
		`"pusher":{"name":"octocat","email":"octocat@example.com"},"head_commit":{"id":` +
		`"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","message":"Release 1.2.3: faster queue heads and smaller` +
		` pages","timestamp":"2026-11-23T10:00:00Z","author":{"name":"Octo Cat","email":"octocat@example.com"},` +
		`"added":[],"removed":[],"modified":["internal/server/engine.go","internal/store/stagestore.go"]},` +
		`"environment":"env-3","version":"1.2.3","labels":["release","backend"]}`)
	signature := webhook.Sign(currentKey, body)
	mux := newMux(testSources(), discardSink{}, webhook.Config{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/custom-1", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-256", signature)
		req.Header.Set("X-Delivery-Id", "busy-"+strconv.Itoa(i))
		req.Header.Set("User-Agent", "Go-http-client/1.1")
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// discardSink stores nothing, so a long benchmark does not grow memory.
type discardSink struct{}

func (discardSink) Store(context.Context, webhook.Delivery) (string, bool, error) {
	return "event-1", false, nil
}
