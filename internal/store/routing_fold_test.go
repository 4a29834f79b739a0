package store_test

import (
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestMarkedOnlyFailureWritesNothing: on PostgreSQL a busy canvas's batch
// is one statement with no transaction around it (routeApartPG); when
// that statement fails (here two events give the same rejection id), it
// writes nothing, the routing transaction that runs after it fails the
// same way and is rolled back, and the pool's connections serve the next
// batch, which routes the events.
func TestMarkedOnlyFailureWritesNothing(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set")
	}
	ctx := t.Context()
	s, err := store.Open(ctx, postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	canvas, hook := soleSource(t, s)
	stage := store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: "deploy", Spec: []byte(`{}`),
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := s.CreateStage(ctx, stage); err != nil {
		t.Fatal(err)
	}
	version, err := s.StagesVersion(ctx, canvas.OrgID, canvas.ID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Truncate(time.Microsecond)
	var ids []string
	for i := range 3 {
		ev, _, err := s.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook", Raw: []byte(`{}`),
			Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: start.Add(time.Duration(i-10) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	route := func(rejection func() string) func(store.Event) (store.Routed, error) {
		return func(ev store.Event) (store.Routed, error) {
			return store.Routed{StagesVersion: version, StagesVersionKnown: true, Filtered: []store.FilteredRejection{{
				ID: rejection(), OrgID: ev.OrgID, CanvasID: ev.CanvasID, EventID: ev.ID, Message: "filtered out",
				CreatedAt: ev.ReceivedAt, StageIDs: []string{stage.ID}, StageNames: []string{stage.Name}}}}, nil
		}
	}
	same := uuid.NewString()
	b, err := s.RouteEventsBatch(ctx, start, 10, route(func() string { return same }))
	if err == nil || b.Done != 0 || len(b.Ended) != 0 {
		t.Fatalf("RouteEventsBatch with a rejection id twice = %+v, %v; want an error and nothing done", b, err)
	}
	t.Logf("the batch failed: %v", err)
	for _, id := range ids {
		ev, err := s.FindEvent(ctx, canvas.OrgID, canvas.ID, id)
		if err != nil || ev.State != store.EventPending {
			t.Fatalf("event after the failed batch: %+v, %v; want pending", ev, err)
		}
	}
	if _, total, err := s.ListRejections(ctx, canvas.OrgID, canvas.ID, store.RejectionFilter{}, store.Page{Limit: 10}); err != nil || total != 0 {
		t.Fatalf("rejections after the failed batch: %d, %v; want none", total, err)
	}
	// Past the lease each event, its attempt unfinished, is tried alone.
	done := 0
	for range 6 {
		b, err := s.RouteEventsBatch(ctx, start.Add(store.RouteLease+time.Second), 10, route(uuid.NewString))
		if err != nil {
			t.Fatalf("RouteEventsBatch after the failure: %v", err)
		}
		if done += b.Done; done == len(ids) {
			break
		}
	}
	if _, total, err := s.ListRejections(ctx, canvas.OrgID, canvas.ID, store.RejectionFilter{}, store.Page{Limit: 10}); err != nil || done != len(ids) || total != len(ids) {
		t.Fatalf("after the failure: %d routed, %d rejections, %v; want %d of each", done, total, err, len(ids))
	}
}
