package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkSoleReadWithEventsInFlight is the sole server's read of a busy
// canvas's batch while the other routing worker's batch is in flight, 3
// or 4 events in turn (the statement text is the same: the list is padded
// to 4). Its LIMIT was bound as the batch plus the events in flight, and
// SQLite compiled the statement again whenever that changed.
func BenchmarkSoleReadWithEventsInFlight(b *testing.B) {
	ctx := b.Context()
	st, err := Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "superplane.db"), SoleServer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s, ok := st.(*db)
	if !ok {
		b.Fatalf("Open returned a %T", st)
	}
	org, err := s.EnsureOrganization(ctx, "acme")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "busy", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(ctx, c); err != nil {
		b.Fatal(err)
	}
	es := EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		KeyID: "k", KeyCiphertext: []byte("sealed"), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateEventSource(ctx, es); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"ref":"refs/heads/main","environment":"production","repository":{"name":"app"}}`)
	var ids []string
	for i := range 120 {
		ev := Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook", DeliveryID: fmt.Sprintf("d-%d", i),
			Raw: payload, Headers: []byte(`{}`), State: EventPending, ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}
		if _, _, err := s.InsertEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	r := s.sole
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.mu.Lock()
		clear(r.inFlight)
		for _, id := range ids[:3+i%2] {
			r.inFlight[id] = false
		}
		found, err := s.readPending(ctx, now, 10)
		clear(r.inFlight)
		r.mu.Unlock()
		if err != nil || len(found) == 0 {
			b.Fatalf("read %d events: %v", len(found), err)
		}
	}
}
