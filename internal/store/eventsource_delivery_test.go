package store_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestFindEventSourceForDelivery: the receiver's one-statement lookup
// answers what the full lookup does for every field a delivery needs (the
// previous key during its grace period included), and a missing or
// malformed id is not found.
func TestFindEventSourceForDelivery(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, org := openAcme(t, url(t))
			now := time.Now().UTC().Truncate(time.Microsecond)
			c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
			if err := st.CreateCanvas(ctx, c); err != nil {
				t.Fatal(err)
			}
			es := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
				Events: []byte(`[{"type":"push"}]`), KeyID: "k", KeyCiphertext: []byte("sealed-2"), KeyVersion: 2,
				PrevKeyCiphertext: []byte("sealed-1"), PrevKeyExpiresAt: now.Add(time.Hour), SignatureScheme: "standard-webhooks",
				CreatedAt: now, UpdatedAt: now}
			if err := st.CreateEventSource(ctx, es); err != nil {
				t.Fatal(err)
			}
			full, err := st.FindEventSourceByID(ctx, es.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.FindEventSourceForDelivery(ctx, es.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != full.ID || got.OrgID != full.OrgID || got.CanvasID != full.CanvasID || got.Type != full.Type ||
				!bytes.Equal(got.Events, full.Events) || !bytes.Equal(got.KeyCiphertext, full.KeyCiphertext) ||
				!bytes.Equal(got.PrevKeyCiphertext, full.PrevKeyCiphertext) || !got.PrevKeyExpiresAt.Equal(full.PrevKeyExpiresAt) ||
				got.SignatureScheme != full.SignatureScheme {
				t.Errorf("for a delivery: %+v\nfull lookup: %+v", got, full)
			}
			if !got.PrevKeyExpiresAt.Equal(es.PrevKeyExpiresAt) || string(got.PrevKeyCiphertext) != "sealed-1" {
				t.Errorf("previous key %q until %s, want sealed-1 until %s", got.PrevKeyCiphertext, got.PrevKeyExpiresAt, es.PrevKeyExpiresAt)
			}
			for _, id := range []string{uuid.NewString(), "not-an-id"} {
				if _, err := st.FindEventSourceForDelivery(ctx, id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("source %s: %v, want ErrNotFound", id, err)
				}
			}
		})
	}
}
