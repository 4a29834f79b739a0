package executor_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// TestHTTPErrorMessageNeverShowsASecretStart puts a secret in the query of
// the URL an http stage calls, at every offset around the point where the
// message used to be clipped, and in base64 too; the connection breaks, so
// net/http's error quotes the URL. Neither the secret, nor its encoded form,
// nor the first characters of either may be in the outcome's message.
func TestHTTPErrorMessageNeverShowsASecretStart(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	const secret = "sk_live_0123456789abcdefXYZ"
	b64 := base64.RawURLEncoding.EncodeToString([]byte(secret))
	r := newHTTPRunner(true)
	for pad := 150; pad < 200; pad += 7 {
		for _, q := range []string{"key=" + url.QueryEscape(secret), "auth=" + b64} {
			u := rc.srv.URL + "/" + strings.Repeat("p", pad) + "?" + q
			req := httpRequest(map[string]any{"url": u})
			req.Secrets = []string{secret}
			out := run(t, r, req, nil)
			if out.Result != api.ResultFailed {
				t.Fatalf("pad %d: result %s, want failed", pad, out.Result)
			}
			if n := len([]rune(out.Message)); n > executor.MaxMessage+3 {
				t.Errorf("message is %d runes, want at most %d", n, executor.MaxMessage+3)
			}
			for _, form := range []string{secret, b64} {
				if strings.Contains(out.Message, form[:6]) {
					t.Errorf("pad %d: message %q shows the start of %q", pad, out.Message, form)
				}
			}
		}
	}
}
