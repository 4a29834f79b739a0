package store_test

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// processCPU is the CPU time this process has used (user and system).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReceiveAndRouteIDs is the busy canvas's write path on both
// databases, with random event ids (UUIDv4) and time-ordered ones (UUIDv7,
// what the receivers give): 16 senders store 128 events through the group
// commit, durable, then routing marks them processed in batches of 100. The
// time and this process's CPU (not PostgreSQL's) are per event.
func BenchmarkReceiveAndRouteIDs(b *testing.B) {
	urls := map[string]func(testing.TB) string{"sqlite": sqliteURL}
	if os.Getenv(postgresEnv) != "" {
		urls["postgres"] = postgresURL
	}
	for _, db := range []string{"sqlite", "postgres"} {
		url, ok := urls[db]
		if !ok {
			continue
		}
		for _, ids := range []string{"random", "time-ordered"} {
			b.Run(db+"/"+ids, func(b *testing.B) {
				newID := uuid.NewString
				if ids == "time-ordered" {
					newID = store.NewTimeOrderedID
				}
				s, org := openAcme(b, url(b))
				ctx := b.Context()
				now := time.Now().UTC().Truncate(time.Microsecond)
				c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "bench", CreatedAt: now, UpdatedAt: now}
				if err := s.CreateCanvas(ctx, c); err != nil {
					b.Fatal(err)
				}
				es := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
					Events: []byte(`[]`), KeyID: "k", KeyCiphertext: make([]byte, 60), KeyVersion: 1, CreatedAt: now, UpdatedAt: now}
				if err := s.CreateEventSource(ctx, es); err != nil {
					b.Fatal(err)
				}
				const round, senders = 128, 16
				n := 0
				cpu0 := processCPU(b)
				b.ResetTimer()
				for range b.N {
					var wg sync.WaitGroup
					for w := range senders {
						wg.Go(func() {
							for i := w; i < round; i += senders {
								ev := benchEvent(es, fmt.Sprint("d-", n, "-", i), time.Now())
								ev.ID = newID()
								if _, _, err := s.InsertEvent(ctx, ev); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					wg.Wait()
					n++
					for routed := 0; routed < round; {
						k, err := s.RouteEvents(ctx, time.Now(), 100, func(store.Event) ([]store.StageEvent, error) { return nil, nil })
						if err != nil || k == 0 {
							b.Fatalf("RouteEvents = %d, %v", k, err)
						}
						routed += k
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*round), "us/event")
				b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N*round), "cpu-us/event")
			})
		}
	}
}
