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
