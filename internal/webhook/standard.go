package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Signature schemes of custom webhook sources (Source.Scheme).
const (
	// SchemeHMAC is the default: X-Signature-256: sha256=<hex HMAC-SHA256
	// of the body>, with the delivery id in Idempotency-Key or
	// X-Delivery-Id. The signature does not cover the delivery id, so a
	// captured delivery replayed with a new id is a new event.
	SchemeHMAC = ""
	// SchemeStandardWebhooks is https://www.standardwebhooks.com/: the
	// webhook-id, webhook-timestamp and webhook-signature headers, the
	// signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>" (several
	// space-separated, any one matching), the key given to the sender as
	// "whsec_<base64 of the key>". The id is the delivery id and the
	// timestamp must be within StandardTolerance of the server's clock, so
	// a replay is either a duplicate of the first delivery or refused.
	SchemeStandardWebhooks = "standard-webhooks"
)

// StandardTolerance is how far a Standard Webhooks timestamp may be from the
// server's clock, either way.
const StandardTolerance = 5 * time.Minute

// StandardSecretPrefix starts a Standard Webhooks secret.
const StandardSecretPrefix = "whsec_"

// StandardSecret is the secret a Standard Webhooks sender is configured
// with for key.
func StandardSecret(key []byte) string {
	return StandardSecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// SignStandard returns the webhook-signature header value for a delivery
// (for tests and senders).
func SignStandard(key []byte, id string, timestamp int64, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, id, strconv.FormatInt(timestamp, 10), body))
}

func standardMAC(key []byte, id, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// verifyStandard checks a Standard Webhooks delivery. It returns the
// delivery id (webhook-id), whether the timestamp is outside the tolerance,
// and ok when one v1 signature verifies under one of keys. The timestamp is
// judged only once the signature holds, so that a forger learns nothing
// from it.
func verifyStandard(h interface{ Values(string) []string }, keys [][]byte, body []byte, now time.Time) (id string, stale, ok bool) {
	ids, stamps, sigs := h.Values("Webhook-Id"), h.Values("Webhook-Timestamp"), h.Values("Webhook-Signature")
	if len(ids) != 1 || len(stamps) != 1 || len(sigs) != 1 {
		return "", false, false
	}
	id = ids[0]
	if id == "" || len(id) > MaxDeliveryIDLength {
		return "", false, false
	}
	ts, err := strconv.ParseInt(stamps[0], 10, 64)
	if err != nil || ts <= 0 {
		return id, false, false
	}
	var candidates [][]byte
	for _, part := range strings.Fields(sigs[0]) {
		version, value, found := strings.Cut(part, ",")
		if !found || version != "v1" {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(value)
		if err != nil || len(sig) != sha256.Size {
			continue
		}
		candidates = append(candidates, sig)
		if len(candidates) == 8 {
			break // a bound on the work a long header can cause
		}
	}
	for _, key := range keys {
		if len(key) == 0 {
			continue
		}
		want := standardMAC(key, id, stamps[0], body)
		for _, sig := range candidates {
			if hmac.Equal(want, sig) {
				ok = true
			}
		}
	}
	if !ok {
		return id, false, false
	}
	d := now.Sub(time.Unix(ts, 0))
	return id, d > StandardTolerance || d < -StandardTolerance, true
}
