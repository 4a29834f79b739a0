package webhook

import "strings"

// storedHeaders are the headers a Delivery keeps (lower-cased), chosen for
// what they tell a filter or a reader of the event and because none of them
// carries a credential:
//   - content-type, user-agent: what the body is and who sent it;
//   - x-github-event, x-github-delivery, x-github-hook-id,
//     x-github-hook-installation-target-id and -type: which GitHub event,
//     delivery and hook (filters on headers['x-github-event'] are the usual
//     ones);
//   - webhook-id, webhook-timestamp: the Standard Webhooks delivery id and
//     time (the signature, webhook-signature, is not kept);
//   - x-delivery-id, x-request-id, x-correlation-id: a sender's ids for
//     tracing a delivery.
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
	"webhook-id":                             true,
	"webhook-timestamp":                      true,
	"x-delivery-id":                          true,
	"x-request-id":                           true,
	"x-correlation-id":                       true,
}

// customHeaderPrefix is where a custom sender puts metadata for filters
// (headers['x-superplane-force'] == 'true').
const customHeaderPrefix = "x-superplane-"

// credentialWords mark a header name as one that may carry a credential;
// such a header is never stored, even under customHeaderPrefix.
var credentialWords = []string{"auth", "token", "key", "secret", "signature", "password", "cookie", "session", "credential"}

// StoredHeader reports whether a delivery header of this lower-cased name
// is stored with the event (and so shown to every reader of the canvas's
// events and seen by header filters): one of the allow-listed names, or a
// name under X-Superplane-, and in both cases no name that contains a word
// such as token, key, secret, signature, auth or cookie.
func StoredHeader(lower string) bool {
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return false
		}
	}
	return storedHeaders[lower] || (strings.HasPrefix(lower, customHeaderPrefix) && len(lower) > len(customHeaderPrefix))
}
