package webhook

import (
	"bytes"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// storedHeaders are the headers a Delivery keeps (lower-cased), chosen for
// what they tell a filter or a reader of the event and because none of them
// carries a credential:
//   - content-type, user-agent: what the body is and who sent it;
//   - x-github-event, x-github-delivery, x-github-hook-id,
//     x-github-hook-installation-target-id and -type: which GitHub event,
//     delivery and hook (filters on headers['x-github-event'] are the usual
//     ones);
//   - x-gitlab-event, x-gitlab-event-uuid, x-gitlab-webhook-uuid,
//     x-gitlab-instance: which GitLab event, delivery, hook request and
//     instance (headers['x-gitlab-event'] == 'Push Hook'); the token,
//     X-Gitlab-Token, is not kept;
//   - x-event-key, x-hook-uuid, x-request-uuid, x-attempt-number: which
//     Bitbucket event, hook, delivery and attempt;
//   - webhook-id, webhook-timestamp: the Standard Webhooks delivery id and
//     time (the signature, webhook-signature, is not kept);
//   - idempotency-key, x-delivery-id: a custom sender's delivery id, by which
//     redeliveries are recognised (Idempotency-Key names an id the sender
//     chose for the delivery, not a credential, despite the word "key");
//   - x-request-id, x-correlation-id: a sender's ids for tracing a delivery.
//
// Everything else is dropped: Authorization, Cookie, X-Api-Key,
// X-Gitlab-Token, the signatures, and any header a sender may have put a
// secret in. A custom sender's own metadata goes in X-Superplane-* headers
// (see StoredHeader).
var storedHeaders = map[string]bool{
	"content-type":                           true,
	"user-agent":                             true,
	"x-github-event":                         true,
	"x-github-delivery":                      true,
	"x-github-hook-id":                       true,
	"x-github-hook-installation-target-id":   true,
	"x-github-hook-installation-target-type": true,
	"x-gitlab-event":                         true,
	"x-gitlab-event-uuid":                    true,
	"x-gitlab-webhook-uuid":                  true,
	"x-gitlab-instance":                      true,
	"x-event-key":                            true,
	"x-hook-uuid":                            true,
	"x-request-uuid":                         true,
	"x-attempt-number":                       true,
	"webhook-id":                             true,
	"webhook-timestamp":                      true,
	"idempotency-key":                        true,
	"x-delivery-id":                          true,
	"x-request-id":                           true,
	"x-correlation-id":                       true,
}

// customHeaderPrefix is where a custom sender puts metadata for filters
// (headers['x-superplane-force'] == 'true').
const customHeaderPrefix = "x-superplane-"

// credentialWords mark a header name under customHeaderPrefix as one that
// may carry a credential; such a header is never stored.
var credentialWords = []string{"auth", "token", "key", "secret", "signature", "password", "cookie", "session", "credential"}

// StoredHeader reports whether a delivery header of this lower-cased name
// is stored with the event (and so shown to every reader of the canvas's
// events and seen by header filters): one of the allow-listed names, or a
// name under X-Superplane- that contains none of the words token, key,
// secret, signature, auth, cookie, password, session or credential.
func StoredHeader(lower string) bool {
	if storedHeaders[lower] {
		return true
	}
	if !strings.HasPrefix(lower, customHeaderPrefix) || len(lower) == len(customHeaderPrefix) {
		return false
	}
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return false
		}
	}
	return true
}

// deliveryHeaders returns the headers to store: those StoredHeader allows,
// with lower-cased names and values joined with ", ". Two spellings of one
// name (a header map not built by net/http, which canonicalizes names) are
// joined in the order of the names, so deterministically; without them,
// which is every delivery net/http parsed, no order is needed, and the
// names are not sorted (round eleven: sorting and lower-casing every
// header's name was most of this function's cost).
func deliveryHeaders(header http.Header) map[string]string {
	out := make(map[string]string, len(header))
	for name, values := range header {
		lower, ok := storedName(name)
		if !ok {
			continue
		}
		if _, seen := out[lower]; seen {
			return deliveryHeadersSorted(header)
		}
		out[lower] = strings.Join(values, ", ")
	}
	return out
}

// deliveryHeadersSorted is deliveryHeaders for a header with two
// spellings of one stored name: names are visited in order.
func deliveryHeadersSorted(header http.Header) map[string]string {
	out := make(map[string]string, len(header))
	for _, name := range slices.Sorted(maps.Keys(header)) {
		lower, ok := storedName(name)
		if !ok {
			continue
		}
		value := strings.Join(header[name], ", ")
		if prev, seen := out[lower]; seen {
			value = prev + ", " + value
		}
		out[lower] = value
	}
	return out
}

// storedName returns strings.ToLower(name) and StoredHeader of it, without
// allocating for a name that is not stored or is one of storedHeaders:
// an ASCII name is lower-cased in a buffer on the stack.
func storedName(name string) (lower string, ok bool) {
	var buf [64]byte
	if len(name) > len(buf) {
		lower = strings.ToLower(name)
		return lower, StoredHeader(lower)
	}
	b := buf[:len(name)]
	for i := range len(name) {
		c := name[i]
		if c >= utf8.RuneSelf {
			lower = strings.ToLower(name)
			return lower, StoredHeader(lower)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	if l, ok := storedNames[string(b)]; ok {
		return l, true
	}
	if !bytes.HasPrefix(b, []byte(customHeaderPrefix)) {
		return "", false
	}
	lower = string(b)
	return lower, StoredHeader(lower)
}

// storedNames maps each of storedHeaders to itself, so that storedName
// returns a name it looked up with bytes without allocating a string.
var storedNames = func() map[string]string {
	m := make(map[string]string, len(storedHeaders))
	for name := range storedHeaders {
		m[name] = name
	}
	return m
}()
