package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
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

// discardSink stores nothing, so a long benchmark does not grow memory.
type discardSink struct{}

func (discardSink) Store(context.Context, webhook.Delivery) (string, bool, error) {
	return "event-1", false, nil
}
