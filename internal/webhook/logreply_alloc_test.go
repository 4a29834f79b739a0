package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"
)

// TestLogReplyAllocations: a delivery's log line costs one allocation
// beyond the handler's own (slog's JSON handler pools its buffer), two
// under the race detector: the attributes are not boxed one by one into
// ...any, which costs eight.
func TestLogReplyAllocations(t *testing.T) {
	h := NewHandler(nopSources{}, nopSink{}, Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	r := httptest.NewRequest("POST", "/api/v1/sources/0b5ee1a2-4b8f-4f0c-9a51-3c2f1f6f1e01", nil)
	r.SetPathValue("id", "0b5ee1a2-4b8f-4f0c-9a51-3c2f1f6f1e01")
	rep := reply{status: 200, deliveryID: "d-1", eventType: "webhook",
		receipt: Receipt{EventID: "0193a1c2-7f00-7000-8000-000000000001"}}
	allocs := testing.AllocsPerRun(200, func() { h.logReply(r, TypeWebhook, rep, 3*time.Millisecond) })
	if allocs > 2 {
		t.Errorf("a delivery's log line: %.1f allocations, want at most 2 (8 with ...any)", allocs)
	}
}

type nopSources struct{}

func (nopSources) Lookup(context.Context, string) (Source, error) { return Source{}, ErrUnknownSource }

type nopSink struct{}

func (nopSink) Store(context.Context, Delivery) (string, bool, error) { return "", false, nil }
