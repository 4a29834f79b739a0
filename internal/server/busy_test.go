package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// sourceReads counts the reads of event sources by id: a delivery's lookup.
type sourceReads struct {
	store.Store
	n atomic.Int64
}

func (s *sourceReads) FindEventSourceByID(ctx context.Context, id string) (store.EventSource, error) {
	s.n.Add(1)
	return s.Store.FindEventSourceByID(ctx, id)
}

func (s *sourceReads) FindEventSourceForDelivery(ctx context.Context, id string) (store.EventSource, error) {
	s.n.Add(1)
	return s.Store.FindEventSourceForDelivery(ctx, id)
}

// TestDeliveryReadsItsSourceOnce: a delivery reads its source at most once
// (the receiver's lookup; storing the event uses what it read), and not at
// all while the receiver keeps it, yet a filter change applies to the very
// next delivery (TestKeptSourceFollowsChangesOnEveryReplica for changes
// made on another server).
func TestDeliveryReadsItsSourceOnce(t *testing.T) {
	reads := &sourceReads{}
	e := newEnv(t, envOption{wrap: func(st store.Store) store.Store { reads.Store = st; return reads }})
	createCanvas(t, e, "prod")
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
	path := "/api/v1/sources/" + created.EventSource.Metadata.ID
	send := func(key string, n int) int {
		body := []byte(fmt.Sprintf(`{"n":%d}`, n))
		status, _ := deliver(t, e, path, body, map[string]string{"Content-Type": "application/json",
			"X-Signature-256": webhook.Sign([]byte(key), body), "X-Delivery-Id": fmt.Sprint("d-", n)})
		return status
	}
	before := reads.n.Load()
	for i := range 3 {
		if status := send(created.Key, i); status != 200 {
			t.Fatalf("delivery %d: %d", i, status)
		}
	}
	if got := reads.n.Load() - before; got != 1 {
		t.Errorf("3 deliveries read their source %d times, want 1", got)
	}

	// A filter change: the next delivery is judged by it.
	var updated api.EventSourceResponse
	e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/hook", sourceBody("hook", api.EventSourceSpec{Type: "webhook",
		Events: []api.EventSourceEventType{{Type: "webhook", Filters: []api.Filter{{Type: api.FilterTypeData,
			Data: &api.DataFilter{Expression: "$.n == 100"}}}}}})).decode(t, &updated)
	if status := send(created.Key, 4); status != 200 {
		t.Fatalf("delivery after the filter change: %d", status)
	}
	var events api.ListEventsResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/events?limit=1", nil).decode(t, &events)
	if len(events.Events) != 1 || events.Events[0].State != api.EventStateRejected {
		t.Fatalf("the delivery after the filter change: %+v, want rejected by the new filter", events.Events)
	}
}

// TestEventIDsAreTimeOrdered: a delivery's event id is a UUIDv7, later
// deliveries' ids sort after earlier ones', so the events' primary-key
// index grows at its end (a page or two a group commit, not one an event).
func TestEventIDsAreTimeOrdered(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
	path := "/api/v1/sources/" + created.EventSource.Metadata.ID
	var ids []string
	for i := range 5 {
		body := []byte(fmt.Sprintf(`{"n":%d}`, i))
		status, answer := deliver(t, e, path, body, map[string]string{"Content-Type": "application/json",
			"X-Signature-256": webhook.Sign([]byte(created.Key), body), "X-Delivery-Id": fmt.Sprint("d-", i)})
		var receipt webhook.Receipt
		if err := json.Unmarshal([]byte(answer), &receipt); status != 200 || err != nil {
			t.Fatalf("delivery %d: %d %s", i, status, answer)
		}
		id, err := uuid.Parse(receipt.EventID)
		if err != nil || id.Version() != 7 {
			t.Errorf("event id %s: version %d (%v), want 7", receipt.EventID, id.Version(), err)
		}
		ids = append(ids, receipt.EventID)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("event ids in the order received: %v, not sorted", ids)
	}
}
