package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testSignatureSchemeAndDeliveryLookup covers what the receivers need for
// replay protection: a source's signature scheme survives create, update
// and every read, and an event is found by its source and delivery id.
func testSignatureSchemeAndDeliveryLookup(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	es := newEventSource(org.ID, c.ID, "std", "webhook", store.Integration{})
	es.SignatureScheme = "standard-webhooks"
	es = mustEventSource(t, s, es)
	if got := findEventSource(t, s, es); got.SignatureScheme != "standard-webhooks" {
		t.Errorf("SignatureScheme read back %q, want standard-webhooks", got.SignatureScheme)
	}
	if got, err := s.FindEventSourceByID(ctx, es.ID); err != nil || got.SignatureScheme != "standard-webhooks" {
		t.Errorf("FindEventSourceByID: scheme %q, %v", got.SignatureScheme, err)
	}
	updated, err := s.UpdateEventSource(ctx, org.ID, c.ID, es.ID, func(e *store.EventSource) error {
		e.SignatureScheme = ""
		return nil
	})
	if err != nil || updated.SignatureScheme != "" {
		t.Fatalf("UpdateEventSource: scheme %q, %v; want it cleared", updated.SignatureScheme, err)
	}

	ev := mustInsertEvent(t, s, newEvent(es, "msg_1", now()))
	got, err := s.FindEventByDeliveryID(ctx, es.ID, "msg_1")
	if err != nil || got.ID != ev.ID {
		t.Fatalf("FindEventByDeliveryID = %s, %v; want %s", got.ID, err, ev.ID)
	}
	for _, tc := range []struct{ source, delivery string }{{es.ID, "msg_2"}, {es.ID, ""}, {uuid.NewString(), "msg_1"}, {"not-a-uuid", "msg_1"}} {
		_, err := s.FindEventByDeliveryID(ctx, tc.source, tc.delivery)
		wantErr(t, err, store.ErrNotFound)
	}
}
