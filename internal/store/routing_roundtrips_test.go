package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestRoutingBatchRoundTrips pins what one routing batch sends the
// database, each a round trip on PostgreSQL and under load a wait for a
// CPU: ten events routed nowhere at a known stages version. On PostgreSQL
// the claim is one statement and the routing one more, with no
// transaction around it: the canvas's version locked and the lease
// re-check that marks the events processed (lockedMark): 2 (it was 9: the
// claim's own transaction of four, then the re-check and the mark apart;
// 5 until round thirteen: begin, the version and commit apart). SQLite
// keeps its transactions (in-process calls): 9.
func TestRoutingBatchRoundTrips(t *testing.T) {
	want := map[string]int64{"sqlite": 9, "postgres": 2}
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			n := &store.StatementCounter{}
			s, err := store.Open(ctx, url(t), store.CountStatements(n))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			now := time.Now().UTC().Truncate(time.Microsecond)
			canvas, hook := soleSource(t, s)
			const events = 10
			for i := range events {
				if _, _, err := s.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
					Raw: fmt.Appendf(nil, `{"n":%d}`, i), Headers: []byte(`{}`), State: store.EventPending,
					ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
					t.Fatal(err)
				}
			}
			version, err := s.StagesVersion(ctx, canvas.OrgID, canvas.ID)
			if err != nil {
				t.Fatal(err)
			}
			before := n.Count()
			b, err := s.RouteEventsBatch(ctx, now.Add(time.Second), 100, func(store.Event) (store.Routed, error) {
				return store.Routed{StagesVersion: version, StagesVersionKnown: true}, nil
			})
			statements := n.Count() - before
			if err != nil || b.Done != events || len(b.Ended) != events {
				t.Fatalf("RouteEventsBatch = %d done, %d ended, %v; want %d", b.Done, len(b.Ended), err, events)
			}
			pending, _, err := s.CountEvents(ctx, store.EventFilter{OrgID: canvas.OrgID, CanvasID: canvas.ID, States: []string{store.EventPending}}, 100)
			if err != nil || pending != 0 {
				t.Fatalf("%d events still pending, %v; want none", pending, err)
			}
			if statements > want[name] {
				t.Errorf("routing a batch of %d events took %d statements, want at most %d", events, statements, want[name])
			}
		})
	}
}
