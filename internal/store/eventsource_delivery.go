package store

import "bytes"

// deliverySourceColumns are the event source's columns a delivery is
// verified and judged with (FindEventSourceForDelivery), read into an
// EventSource by deliverySourceDest. The event insert reads the same ones to
// check Event.Verified, so both sides scan alike and compare exactly.
const deliverySourceColumns = `id, org_id, canvas_id, type, events, key_ciphertext,
	prev_key_ciphertext, prev_key_expires_at, signature_scheme`

// deliverySourceDest is the Scan destinations of deliverySourceColumns.
func deliverySourceDest(es *EventSource) []any {
	return []any{&es.ID, &es.OrgID, &es.CanvasID, &es.Type, blobColumn{&es.Events}, blobColumn{&es.KeyCiphertext},
		blobColumn{&es.PrevKeyCiphertext}, nullTimeColumn{&es.PrevKeyExpiresAt}, &es.SignatureScheme}
}

// SameForDelivery tells whether a and b verify and judge a delivery alike:
// the same id, type, signature scheme, sealed keys (a key reset or a rewrap
// changes them), previous key's expiry and event types with their filters.
// A cached copy of a source may be used for a delivery only while it is the
// same as the stored one (Event.Verified).
func SameForDelivery(a, b EventSource) bool {
	return a.ID == b.ID && a.Type == b.Type && a.SignatureScheme == b.SignatureScheme &&
		bytes.Equal(a.KeyCiphertext, b.KeyCiphertext) && bytes.Equal(a.PrevKeyCiphertext, b.PrevKeyCiphertext) &&
		a.PrevKeyExpiresAt.Equal(b.PrevKeyExpiresAt) && bytes.Equal(a.Events, b.Events)
}
