package store

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// BenchmarkEventBatchPostgres is one group commit of the receivers on
// PostgreSQL: a batch of one source's events (the bench's push body, ~1 KiB)
// stored in one transaction. cpu-us/batch is this process's CPU (user and
// system) a batch, what the server spends beside PostgreSQL's own; ns/op
// includes the waits for PostgreSQL.
func BenchmarkEventBatchPostgres(b *testing.B) {
	body := bytes.Repeat([]byte(`{"k":"0123456789abcdef0123456789abcdef0123456789abcdef"},`), 18)
	body = append(append([]byte(`{"a":[`), body[:len(body)-1]...), "]}"...)
	for _, size := range []int{1, 5, 15, 32} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			s := openTestDB(b, pgtest.SchemaURL(b, "eventbatchbench"))
			now := time.Now().UTC().Truncate(time.Microsecond)
			_, _, es := newWebhookSource(b, s, "acme", now)
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.ResetTimer()
			for i := range b.N {
				batch := make([]*pendingEvent, size)
				for j := range batch {
					batch[j] = &pendingEvent{ev: Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
						DeliveryID: fmt.Sprint("d-", i, "-", j), Raw: body, Headers: []byte(`{"content-type":"application/json"}`),
						State: EventPending, ReceivedAt: now}, done: make(chan struct{})}
				}
				s.insertEventBatch(func() []*pendingEvent { return batch })
				if batch[0].err != nil || !batch[0].inserted {
					b.Fatal(batch[0].err)
				}
			}
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/batch")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*size), "cpu-us/event")
		})
	}
}
