package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strings"
)

// gitlabReceiver serves GitLab project hooks. GitLab does not sign a
// delivery: it sends the hook's secret token as it is in X-Gitlab-Token,
// so the source's key is that token, compared in constant time before the
// body is looked at. The event type comes from X-Gitlab-Event ("Merge
// Request Hook" is merge_request, the name a gitlab source subscribes to);
// the delivery id is Idempotency-Key, which GitLab (17.4 and later) keeps
// across the retries of one delivery, where X-Gitlab-Event-UUID and
// X-Gitlab-Webhook-UUID are new on each request and so cannot tell a retry
// from a new event.
var gitlabReceiver = &receiver{
	sourceType:      TypeGitLab,
	signatureHeader: "X-Gitlab-Token",
	plainToken:      true,
	eventType:       func(h http.Header) string { return GitLabEventType(h.Get("X-Gitlab-Event")) },
	missingType:     "missing X-Gitlab-Event header",
	deliveryID:      func(h http.Header) string { return h.Get("Idempotency-Key") },
}

// GitLabEventType is the event type of a GitLab delivery whose X-Gitlab-Event
// header is header: lower-cased, without the " Hook" suffix, words joined
// with underscores ("Push Hook" is push, "Merge Request Hook" is
// merge_request). "" stays "" (the header is missing).
func GitLabEventType(header string) string {
	name := strings.TrimSpace(header)
	if len(name) > len(" hook") && strings.EqualFold(name[len(name)-len(" hook"):], " hook") {
		name = name[:len(name)-len(" hook")]
	}
	return strings.Join(strings.Fields(strings.ToLower(name)), "_")
}

// verifyToken reports whether token is one of keys. The comparison is of
// SHA-256 digests with hmac.Equal, so it takes the same time whatever the
// token's length and however much of it matches, and every key is tried.
// Empty keys are skipped.
func verifyToken(keys [][]byte, token string) bool {
	got := sha256.Sum256([]byte(token))
	ok := false
	for _, key := range keys {
		if len(key) == 0 {
			continue
		}
		want := sha256.Sum256(key)
		if hmac.Equal(got[:], want[:]) {
			ok = true
		}
	}
	return ok
}
