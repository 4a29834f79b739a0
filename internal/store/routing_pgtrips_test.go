package store_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStartingBatchRoundTrips pins the round trips (socket writes, what a
// statement cache miss or a deallocation adds included) of the batch a
// probe of the busy canvas lands in on PostgreSQL: busy events each
// filtered out by many stages, and one event that starts a free stage's
// execution, claimed at routing under a per-organization cap. A batch of
// another size was routed first, as under load: each size's text of a
// statement with an IN list or a row list is another statement for pgx's
// cache, prepared in a round trip of its own.
//
// Round fourteen's list (BENCHMARKS.md): the claim; one statement with no
// transaction around it that locks, checks the versions and leases, marks
// the events, writes the rejections, the stage event and the execution it
// starts (lockedMarkPG with lockedStartsPG): 2.
// Round thirteen's: the claim; begin, the
// organization's lock with the canvas's version and the lease re-check
// that marks the events processed and writes their filtered rejections'
// sets and rows (lockedMark), the stage event's insert, the execution's
// insert that also counts the organization's running ones for its cap,
// checks the stage's queue and takes the stage event out of it, commit:
// 6. Round ten's was 7 (the version apart from the mark). Before: 17 (the
// organization's lock apart, the running
// count apart, the stage event's statement
// prepared and deallocated every batch, the queue's check and mark apart,
// the rejections' set and rows apart, the mark's and the rows' texts
// prepared again at each new size).
func TestStartingBatchRoundTrips(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set")
	}
	ctx := t.Context()
	n := &store.StatementCounter{}
	s, err := store.Open(ctx, postgresURL(t), store.CountRoundTrips(n))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	canvas, hook := soleSource(t, s)
	var ids, names []string
	for i := range 20 {
		st := store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: fmt.Sprintf("busy-%d", i),
			Spec: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
		if err := s.CreateStage(ctx, st); err != nil {
			t.Fatal(err)
		}
		ids, names = append(ids, st.ID), append(names, st.Name)
	}
	version, err := s.StagesVersion(ctx, canvas.OrgID, canvas.ID)
	if err != nil {
		t.Fatal(err)
	}
	received := now
	// batch routes busy events and one probe for stage free, which must
	// find it free: each batch its own stage.
	batch := func(busy int, free string) (int64, store.RoutedBatch) {
		t.Helper()
		var probe string
		for i := range busy + 1 {
			received = received.Add(time.Millisecond)
			ev := store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook", Raw: fmt.Appendf(nil, `{"n":%d}`, i),
				Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: received}
			if i == busy/2 {
				probe = ev.ID
			}
			if _, _, err := s.InsertEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		rc := store.RouteClaim{Owner: "router", LeaseUntil: now.Add(time.Hour), Max: 4, MaxPerOrg: 10}
		before := n.Count()
		b, err := s.RouteEventsBatch(store.WithRouteClaim(ctx, rc), received.Add(time.Second), 100, func(ev store.Event) (store.Routed, error) {
			r := store.Routed{StagesVersion: version, StagesVersionKnown: true}
			if ev.ID == probe {
				r.StageEvents = []store.StageEvent{{ID: uuid.NewString(), StageID: free, Connection: "hook",
					TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: hook.ID, TriggerSourceName: hook.Name,
					TriggerEventID: ev.ID, TriggerType: "webhook", TriggerPayload: ev.Raw, TriggerHeaders: []byte(`{}`),
					State: store.StageEventPending, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: received,
					StartIfFree: true}}
				return r, nil
			}
			r.Filtered = []store.FilteredRejection{{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, EventID: ev.ID,
				Message: "filtered out", CreatedAt: received, StageIDs: ids[1:], StageNames: names[1:]}}
			return r, nil
		})
		trips := n.Count() - before
		if err != nil || b.Done != busy+1 || b.Started != 1 || len(b.Claimed) != 1 {
			t.Fatalf("RouteEventsBatch = %d done, %d started, %d claimed, %v; want %d, 1, 1", b.Done, b.Started, len(b.Claimed), err, busy+1)
		}
		return trips, b
	}
	batch(4, ids[1])
	trips, b := batch(7, ids[2])
	if ex := b.Claimed[0]; ex.StageID != ids[2] || ex.State != store.ExecutionStarted || ex.LeaseOwner != "router" {
		t.Errorf("claimed %+v; want the free stage's execution started and leased to router", ex)
	}
	queue, err := s.ListStageEvents(ctx, canvas.OrgID, canvas.ID, ids[2], []string{store.StageEventPending}, store.Page{Limit: 10})
	if err != nil || len(queue) != 0 {
		t.Errorf("the free stage's queue holds %d, %v; want its event out of it (started)", len(queue), err)
	}
	// Every busy event's rejection by a stage is there once, written by
	// the statement that marked it processed.
	rejected, total, err := s.ListRejections(ctx, canvas.OrgID, canvas.ID, store.RejectionFilter{TargetID: ids[3]}, store.Page{Limit: 100})
	if err != nil || total != 11 || len(rejected) != 11 {
		t.Errorf("stage busy-3 has %d rejections (%d listed), %v; want 11, one a busy event", total, len(rejected), err)
	}
	const want = 2
	if trips > want {
		t.Errorf("a batch of 7 busy events and a probe that starts a free stage took %d round trips, want at most %d", trips, want)
	}
	t.Logf("%d round trips", trips)
}
