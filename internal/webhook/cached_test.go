package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// cachedSources answers Lookup from a copy kept in memory (Source.Cached)
// and LookupStored from the stored sources, which the test changes behind
// the copy's back, as another replica would; it counts the stored reads.
type cachedSources struct {
	mu     sync.Mutex
	kept   map[string]webhook.Source
	stored *memSources
	reads  int
}

func (c *cachedSources) Lookup(ctx context.Context, id string) (webhook.Source, error) {
	c.mu.Lock()
	s, ok := c.kept[id]
	c.mu.Unlock()
	if ok {
		s.Cached = true
		return s, nil
	}
	return c.LookupStored(ctx, id)
}

func (c *cachedSources) LookupStored(ctx context.Context, id string) (webhook.Source, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	s, err := c.stored.Lookup(ctx, id)
	if err != nil {
		delete(c.kept, id)
		return s, err
	}
	c.kept[id] = s
	return s, nil
}

// changedSink answers ErrSourceChanged for a delivery whose Found is not
// the stored source's current version, as the store's Event.Verified check
// does, and stores the others in sink.
type changedSink struct {
	sink    *memSink
	version func(id string) string
}

func (s changedSink) Store(ctx context.Context, d webhook.Delivery) (string, bool, error) {
	if v, _ := d.Found.(string); v != s.version(d.SourceID) {
		return "", false, fmt.Errorf("storing: %w", webhook.ErrSourceChanged)
	}
	return s.sink.Store(ctx, d)
}

// TestReceiveCachedSource: with a Sources that keeps sources in memory, a
// key reset, a source's deletion or any change its Sink reports
// (ErrSourceChanged) made elsewhere apply to the very next delivery: the
// receiver decides again on the stored source, once, and only then.
func TestReceiveCachedSource(t *testing.T) {
	stored := &memSources{sources: map[string]webhook.Source{
		"custom-1": {ID: "custom-1", Type: "webhook", Keys: [][]byte{previousKey}, Found: "v1"},
	}}
	sources := &cachedSources{kept: map[string]webhook.Source{}, stored: stored}
	sink := newMemSink()
	version := func(id string) string { v, _ := stored.sources[id].Found.(string); return v }
	mux := newMux(sources, changedSink{sink: sink, version: version}, webhook.Config{})
	send := func(key []byte, n int) int {
		t.Helper()
		body := fmt.Sprintf(`{"n":%d}`, n)
		return do(mux, custom(body, webhook.Sign(key, []byte(body))).with("X-Delivery-Id", fmt.Sprint("d-", n))).Code
	}

	for i := range 3 {
		if code := send(previousKey, i); code != http.StatusOK {
			t.Fatalf("delivery %d: %d", i, code)
		}
	}
	if sources.reads != 1 {
		t.Errorf("3 deliveries read the stored source %d times, want 1 (then memory)", sources.reads)
	}

	// A key reset elsewhere, no grace: the new key verifies at once, the
	// old one no longer does.
	stored.sources["custom-1"] = webhook.Source{ID: "custom-1", Type: "webhook", Keys: [][]byte{currentKey}, Found: "v2"}
	if code := send(currentKey, 10); code != http.StatusOK {
		t.Errorf("delivery signed with the new key after a reset elsewhere: %d, want 200", code)
	}
	if code := send(previousKey, 11); code != http.StatusUnauthorized {
		t.Errorf("delivery signed with the old key after the reset: %d, want 401", code)
	}

	// A change the keys do not show (a filter): the Sink refuses the
	// remembered version, and the delivery is stored with the stored one.
	stored.sources["custom-1"] = webhook.Source{ID: "custom-1", Type: "webhook", Keys: [][]byte{currentKey}, Found: "v3"}
	before := sink.count()
	if code := send(currentKey, 12); code != http.StatusOK || sink.count() != before+1 || sink.last().Found != "v3" {
		t.Errorf("delivery after a change elsewhere: %d, stored %d, with %v; want 200, 1, v3", code, sink.count()-before, sink.last().Found)
	}

	// Deleted elsewhere: refused as an unknown source, nothing stored.
	delete(stored.sources, "custom-1")
	before = sink.count()
	if code := send(currentKey, 13); code != http.StatusUnauthorized || sink.count() != before {
		t.Errorf("delivery after the source's deletion elsewhere: %d, stored %d; want 401, nothing", code, sink.count()-before)
	}

	// A forged delivery costs one stored read more than a good one, never
	// a loop.
	stored.sources["custom-1"] = webhook.Source{ID: "custom-1", Type: "webhook", Keys: [][]byte{currentKey}, Found: "v4"}
	if code := send(currentKey, 14); code != http.StatusOK {
		t.Fatalf("delivery after the source came back: %d", code)
	}
	reads := sources.reads
	if code := send(strangerKey, 15); code != http.StatusUnauthorized || sources.reads != reads+1 {
		t.Errorf("forged delivery: %d after %d stored reads, want 401 after 1", code, sources.reads-reads)
	}
}

// TestReceiveSourceChangedWithoutCache: ErrSourceChanged for a source read
// from where it is stored (a change racing the delivery) is a 503, which
// the sender retries; the receiver does not loop.
func TestReceiveSourceChangedWithoutCache(t *testing.T) {
	sink := newMemSink()
	sink.err = fmt.Errorf("storing: %w", webhook.ErrSourceChanged)
	good := webhook.Sign(currentKey, []byte(objectBody))
	rec := do(newMux(testSources(), sink, webhook.Config{}), custom(objectBody, good))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
}
