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
// beyond the handler's own (slog's JSON handler pools its buffer): the
// attributes are not boxed one by one into ...any, which costs eight. Under
// the race detector, which drops pooled buffers at random, up to five.
func TestLogReplyAllocations(t *testing.T) {
	h := NewHandler(nopSources{}, nopSink{}, Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	r := httptest.NewRequest("POST", "/api/v1/sources/0b5ee1a2-4b8f-4f0c-9a51-3c2f1f6f1e01", nil)
	r.SetPathValue("id", "0b5ee1a2-4b8f-4f0c-9a51-3c2f1f6f1e01")
	rep := reply{status: 200, deliveryID: "d-1", eventType: "webhook",
		receipt: Receipt{EventID: "0193a1c2-7f00-7000-8000-000000000001"}}
	allocs := testing.AllocsPerRun(200, func() { h.logReply(nil, r, TypeWebhook, rep, 3*time.Millisecond) })
	bound := 1.0
	if raceEnabled {
		bound = 5
	}
	if allocs > bound {
		t.Errorf("a delivery's log line: %.1f allocations, want at most %.0f (8 with ...any)", allocs, bound)
	}
}

type nopSources struct{}

func (nopSources) Lookup(context.Context, string) (Source, error) { return Source{}, ErrUnknownSource }

type nopSink struct{}

func (nopSink) Store(context.Context, Delivery) (string, bool, error) { return "", false, nil }
