package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestRoutingThatStartsGoesBeforeGroupCommit: with SQLite's one writer
// held and a delivery's group commit waiting for it, a routing batch that
// may start a free stage's execution (the claim of that execution, since
// claims moved into routing) takes the writer first, as ClaimExecution
// does; a batch that starts nothing waits its turn behind the delivery.
func TestRoutingThatStartsGoesBeforeGroupCommit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start bool
		want  string
	}{
		{"starts", true, "[engine receiver]"},
		{"starts nothing", false, "[receiver engine]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			f := newHeldWriterFixture(t, SoleServer())
			s, org, c, es, now := f.s, f.org, f.canvas, f.source, f.now
			stage := Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "deploy", Spec: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
			if err := s.CreateStage(ctx, stage); err != nil {
				t.Fatal(err)
			}
			version, err := s.StagesVersion(ctx, org.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.InsertEvent(ctx, Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
				DeliveryID: "d-0", Raw: []byte(`{}`), Headers: []byte(`{}`), State: EventPending, ReceivedAt: now}); err != nil {
				t.Fatal(err)
			}
			// The order the writes take the writer in, as SQLite sees it:
			// the routing transaction's first write is its stage event.
			if _, err := s.sql.ExecContext(ctx, `CREATE TABLE write_order (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL);
				CREATE TRIGGER engine_wrote AFTER UPDATE ON events WHEN NEW.state <> OLD.state BEGIN INSERT INTO write_order (who) VALUES ('engine'); END;
				CREATE TRIGGER receiver_wrote AFTER INSERT ON events BEGIN INSERT INTO write_order (who) VALUES ('receiver'); END;`); err != nil {
				t.Fatal(err)
			}
			w := writerOf(t, s)

			release := f.holdWriter(t)
			var wg sync.WaitGroup
			var deliveryErr, routeErr error
			var b RoutedBatch
			wg.Go(func() {
				_, _, deliveryErr = s.InsertEvent(context.Background(), Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
					DeliveryID: "d-1", Raw: []byte(`{}`), Headers: []byte(`{}`), State: EventPending, ReceivedAt: now})
			})
			waitFor(t, w, 0, 1)
			wg.Go(func() {
				routeCtx := WithRouteClaim(context.Background(), RouteClaim{Owner: "server-1", LeaseUntil: now.Add(time.Minute), Max: 1})
				b, routeErr = s.RouteEventsBatch(routeCtx, now, 1, func(ev Event) (Routed, error) {
					var evs []StageEvent
					if tc.start {
						evs = []StageEvent{{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, StageID: stage.ID, Connection: "hook",
							TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: es.ID, TriggerSourceName: "hook", TriggerEventID: ev.ID,
							TriggerType: "webhook", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`), State: StageEventPending,
							Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now, StartIfFree: true}}
					}
					return Routed{StageEvents: evs, StagesVersion: version, StagesVersionKnown: true}, nil
				})
			})
			waitForWaiters(t, w, 2)
			release()
			wg.Wait()
			if deliveryErr != nil || routeErr != nil || b.Done != 1 {
				t.Fatalf("delivery: %v; routing: %d routed, %v", deliveryErr, b.Done, routeErr)
			}
			if tc.start && len(b.Claimed) != 1 {
				t.Fatalf("routing claimed %d executions, want 1", len(b.Claimed))
			}
			if order := writeOrder(t, s); order != tc.want {
				t.Errorf("writes in the order %s, want %s", order, tc.want)
			}
		})
	}
}

// writerOf is the writer lock of s's SQLite database.
func writerOf(t *testing.T, s *db) *writerLock {
	t.Helper()
	conn, err := s.sql.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var w *writerLock
	if err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*sqliteConn)
		if !ok {
			return fmt.Errorf("a connection is a %T", dc)
		}
		w = sc.writer
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// waitForWaiters polls until n writers wait for w, of either kind, for at
// most 10 s.
func waitForWaiters(t *testing.T, w *writerLock, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, l := w.waiters()
		if h+l == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("writer waiters: %d priority, %d ordinary; want %d in all", h, l, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// writeOrder is the write_order table's writers, in order.
func writeOrder(t *testing.T, s *db) string {
	t.Helper()
	rows, err := s.sql.QueryContext(t.Context(), `SELECT who FROM write_order ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var order []string
	for rows.Next() {
		var who string
		if err := rows.Scan(&who); err != nil {
			t.Fatal(err)
		}
		order = append(order, who)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(order)
}
