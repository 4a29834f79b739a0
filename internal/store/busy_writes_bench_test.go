package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// BenchmarkBusyCanvasWrites is the busy canvas's writes alone, on both
// databases: 16 senders store 128 events through the group commit, then
// routing marks them processed in batches of 100 or 10 (under load the
// server's are small: it routes as deliveries wake it), each event with the
// FilteredRejection of 99 of the canvas's 100 stages, as the engine gives
// it. receive-us and route-us are the wall time an event of each step (the
// second mostly with SQLite's one writer held); cpu-us/event is this
// process's CPU (not PostgreSQL's), route-cpu-us its part while routing.
// BENCHMARKS.md, round seven, compares the base and the branch with it.
func BenchmarkBusyCanvasWrites(b *testing.B) {
	for db, url := range benchDatabases(b) {
		for _, batch := range []int{100, 10} {
			b.Run(fmt.Sprintf("%s/batch %d", db, batch), func(b *testing.B) { busyCanvasWrites(b, url(b), batch) })
		}
	}
	// As serve opens SQLite: routing reads its events, no claim (round eight).
	for _, batch := range []int{100, 10} {
		b.Run(fmt.Sprintf("sqlite-sole-server/batch %d", batch), func(b *testing.B) {
			busyCanvasWrites(b, sqliteURL(b), batch, store.SoleServer())
		})
	}
}

func busyCanvasWrites(b *testing.B, url string, batch int, opts ...store.OpenOption) {
	s, c, ids, names := busyRejectionCanvas(b, url, 100, opts...)
	ctx := b.Context()
	es := busyHook(b, s, c)
	const round, senders = 128, 16
	var receive, route, routeCPU time.Duration
	cpu0 := processCPU(b)
	b.ResetTimer()
	for n := range b.N {
		t0 := time.Now()
		var wg sync.WaitGroup
		for w := range senders {
			wg.Go(func() {
				for i := w; i < round; i += senders {
					ev := benchEvent(es, fmt.Sprint("d-", n, "-", i), time.Now())
					ev.ID = store.NewTimeOrderedID()
					if _, _, err := s.InsertEvent(ctx, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		t1, c1 := time.Now(), processCPU(b)
		for routed := 0; routed < round; {
			k, err := s.RouteEventsTo(ctx, time.Now(), batch, func(ev store.Event) (store.Routed, error) {
				f := store.FilteredRejection{ID: store.NewTimeOrderedID(), OrgID: ev.OrgID, CanvasID: ev.CanvasID,
					EventID: ev.ID, CreatedAt: time.Now(), StageIDs: ids[1:], StageNames: names[1:],
					Message: "push event from hook did not pass the filters of connection hook"}
				return store.Routed{Filtered: []store.FilteredRejection{f}}, nil
			})
			if err != nil || k == 0 {
				b.Fatalf("RouteEventsTo = %d, %v", k, err)
			}
			routed += k
		}
		receive += t1.Sub(t0)
		route += time.Since(t1)
		routeCPU += processCPU(b) - c1
	}
	events := float64(b.N * round)
	b.ReportMetric(float64(receive.Microseconds())/events, "receive-us")
	b.ReportMetric(float64(route.Microseconds())/events, "route-us")
	b.ReportMetric(float64(routeCPU.Microseconds())/events, "route-cpu-us")
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/events, "cpu-us/event")
}

// BenchmarkBusyCanvasReceiveWhileRouting is the busy canvas's writes as
// serve runs them on SQLite (SoleServer): 16 senders each look their
// source up on the pool (FindEventSourceForDelivery, as the receiver
// does) and store an event through the group commit, while one router
// routes batches of up to 100 as they come, each event with the
// FilteredRejection of 99 of the canvas's 100 stages. The group commit's
// and routing's transactions alternate, with the senders' reads between
// them: what pinning the transactions to one connection (txConn) is for.
// cpu-us/event is this process's CPU an event, both steps.
func BenchmarkBusyCanvasReceiveWhileRouting(b *testing.B) {
	s, c, ids, names := busyRejectionCanvas(b, sqliteURL(b), 100, store.SoleServer())
	ctx := b.Context()
	es := busyHook(b, s, c)
	const round, senders = 256, 16
	cpu0 := processCPU(b)
	b.ResetTimer()
	for n := range b.N {
		var wg sync.WaitGroup
		for w := range senders {
			wg.Go(func() {
				for i := w; i < round; i += senders {
					if _, err := s.FindEventSourceForDelivery(ctx, es.ID); err != nil {
						b.Error(err)
						return
					}
					ev := benchEvent(es, fmt.Sprint("d-", n, "-", i), time.Now())
					ev.ID = store.NewTimeOrderedID()
					if _, _, err := s.InsertEvent(ctx, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		deadline := time.Now().Add(time.Minute)
		for routed := 0; routed < round && time.Now().Before(deadline); {
			k, err := s.RouteEventsTo(ctx, time.Now(), 100, func(ev store.Event) (store.Routed, error) {
				f := store.FilteredRejection{ID: store.NewTimeOrderedID(), OrgID: ev.OrgID, CanvasID: ev.CanvasID,
					EventID: ev.ID, CreatedAt: time.Now(), StageIDs: ids[1:], StageNames: names[1:],
					Message: "push event from hook did not pass the filters of connection hook"}
				return store.Routed{Filtered: []store.FilteredRejection{f}}, nil
			})
			if err != nil {
				b.Fatalf("RouteEventsTo: %v", err)
			}
			routed += k
			if k == 0 {
				// Nothing pending yet: the engine's router waits to be
				// woken, it does not spin.
				time.Sleep(200 * time.Microsecond)
			}
		}
		wg.Wait()
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N*round), "cpu-us/event")
}

// busyHook is the busy canvas's webhook source, created in s.
func busyHook(b *testing.B, s store.Store, c store.Canvas) store.EventSource {
	b.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	es := store.EventSource{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		Events: []byte(`[]`), KeyID: "k", KeyCiphertext: make([]byte, 60), KeyVersion: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateEventSource(b.Context(), es); err != nil {
		b.Fatal(err)
	}
	return es
}
