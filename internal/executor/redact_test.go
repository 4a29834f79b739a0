package executor_test

import (
	"encoding/base64"
	"io"
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

// TestHTTPFailureQuotesBodyWithoutSecrets: a refused status records the
// start of the response body, so a user sees why the tool said no; a secret
// the tool echoes in its body (raw, base64, split by a zero-width space, or
// straddling the excerpt's clip point) never shows, not even its start, and
// the excerpt stays short however long the body.
func TestHTTPFailureQuotesBodyWithoutSecrets(t *testing.T) {
	const secret = "sk_live_0123456789abcdefXYZ"
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	split := secret[:10] + "\u200b" + secret[10:]
	bodies := []string{
		`{"error":"invalid token ` + secret + `"}`,
		`{"error":"bad auth","echo":"` + b64 + `"}`,
		"denied:\n\t" + split,
	}
	for pad := 180; pad < 215; pad += 3 {
		bodies = append(bodies, strings.Repeat("x", pad)+secret+strings.Repeat("y", 5000))
	}
	for i, body := range bodies {
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, body)
		})
		req := httpRequest(map[string]any{"url": rc.srv.URL})
		req.Secrets = []string{secret}
		out := run(t, newHTTPRunner(true), req, nil)
		if out.Result != api.ResultFailed || !strings.HasPrefix(out.Message, "HTTP 403: ") {
			t.Fatalf("body %d: outcome %s %q, want failed with \"HTTP 403: \" and the body", i, out.Result, out.Message)
		}
		if n := len([]rune(strings.TrimPrefix(out.Message, "HTTP 403: "))); n > 203 {
			t.Errorf("body %d: excerpt is %d runes, want at most 203", i, n)
		}
		for _, form := range []string{secret, b64} {
			if strings.Contains(out.Message, form[:6]) {
				t.Errorf("body %d: message %q shows the start of %q", i, out.Message, form)
			}
		}
	}
	// The excerpt is what a user reads: the tool's own words are there.
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, "{\"error\":\n  \"version 1.2 is not deployable\"}")
	})
	out := run(t, newHTTPRunner(true), httpRequest(map[string]any{"url": rc.srv.URL}), nil)
	wantOutcome(t, out, api.ResultFailed, api.ResultReasonError, `HTTP 422: {"error": "version 1.2 is not deployable"}`)
}
