package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// Keys of the test sources. previousKey is the key replaced by a reset, still
// in its grace period for the custom source.
var (
	currentKey  = []byte("current-signing-key-7f3a9c")
	previousKey = []byte("previous-signing-key-0b1d2e")
	strangerKey = []byte("not-this-sources-key-99ab")
)

// memSources is an in-memory Sources.
type memSources struct {
	sources map[string]webhook.Source
	err     error // returned by every Lookup when set
}

func (m *memSources) Lookup(_ context.Context, id string) (webhook.Source, error) {
	if m.err != nil {
		return webhook.Source{}, m.err
	}
	s, ok := m.sources[id]
	if !ok {
		return webhook.Source{}, fmt.Errorf("looking up %q: %w", id, webhook.ErrUnknownSource)
	}
	return s, nil
}

func testSources() *memSources {
	return &memSources{sources: map[string]webhook.Source{
		"custom-1":    {ID: "custom-1", Type: "webhook", Keys: [][]byte{currentKey, previousKey}},
		"gh-1":        {ID: "gh-1", Type: "github", Keys: [][]byte{currentKey}},
		"sem-1":       {ID: "sem-1", Type: "semaphore", Keys: [][]byte{currentKey}},
		"bb-1":        {ID: "bb-1", Type: "bitbucket", Keys: [][]byte{currentKey, previousKey}},
		"ado-1":       {ID: "ado-1", Type: "azure_devops", Keys: [][]byte{currentKey, previousKey}},
		"manual-1":    {ID: "manual-1", Type: "manual", Keys: [][]byte{currentKey}},
		"scheduled-1": {ID: "scheduled-1", Type: "scheduled", Keys: [][]byte{currentKey}},
		// A source whose key was never set must accept nothing, not
		// everything signed with an empty key.
		"nokey-1": {ID: "nokey-1", Type: "webhook", Keys: [][]byte{{}}},
		// A custom source signed the Standard Webhooks way.
		"std-1": {ID: "std-1", Type: "webhook", Keys: [][]byte{currentKey, previousKey}, Scheme: webhook.SchemeStandardWebhooks},
	}}
}

// memSink is an in-memory Sink that deduplicates by (source, delivery id) as
// the store does.
type memSink struct {
	mu       sync.Mutex
	err      error // returned by every Store when set
	panics   bool  // Store panics when set
	stored   []webhook.Delivery
	delivery map[string]string // source id + "\x00" + delivery id -> event id
}

func newMemSink() *memSink { return &memSink{delivery: map[string]string{}} }

func (s *memSink) Store(_ context.Context, d webhook.Delivery) (string, bool, error) {
	if s.panics {
		panic("sink exploded")
	}
	if s.err != nil {
		return "", false, s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := d.SourceID + "\x00" + d.DeliveryID
	if d.DeliveryID != "" {
		if id, ok := s.delivery[key]; ok {
			return id, true, nil
		}
	}
	id := fmt.Sprintf("event-%d", len(s.stored)+1)
	s.stored = append(s.stored, d)
	if d.DeliveryID != "" {
		s.delivery[key] = id
	}
	return id, false, nil
}

func (s *memSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.stored)
}

func (s *memSink) last() webhook.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored[len(s.stored)-1]
}

// newMux routes as the server does, without a method in the patterns so that
// the handler's own method check is what answers.
func newMux(sources webhook.Sources, sink webhook.Sink, cfg webhook.Config) *http.ServeMux {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := webhook.NewHandler(sources, sink, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/sources/{id}", h.ServeCustom)
	mux.HandleFunc("/api/v1/sources/{id}/{integrationType}", h.ServeIntegration)
	return mux
}
