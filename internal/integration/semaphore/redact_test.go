package semaphore_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// TestReasonsNeverShowASecretStart has Semaphore echo the token, and the
// hook's signing key in base64, at every offset around the point where
// reasons used to be clipped: neither, nor their first characters, may be
// in the reason.
func TestReasonsNeverShowASecretStart(t *testing.T) {
	const token = "sem-token-0123456789abcdef"
	const hookKey = "hook-signing-key-fedcba9876543210"
	b64 := base64.StdEncoding.EncodeToString([]byte(hookKey))
	for pad := 120; pad < 200; pad += 9 {
		for _, echo := range []string{"$TOKEN", base64.StdEncoding.EncodeToString([]byte("Token:" + token)), b64, hookKey} {
			body := `{"message":"` + strings.Repeat("m", pad) + " " + echo + ` rejected"}`

			res := verifySemaphore(t, semaphoreStub(t, http.StatusUnauthorized, body), token)
			// Verification knows only the token.
			wantNoStart(t, "verify", res.Reason, token)

			v := &integration.Verifier{SemaphoreAPIURL: semaphoreStub(t, http.StatusUnprocessableEntity, body)}
			_, err := sem.EnsureHook(context.Background(), v, semaphoreURL, token, "api",
				integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/x/semaphore", Secret: hookKey}, "", true)
			if err == nil {
				t.Fatal("EnsureSemaphoreHook succeeded against a failing Semaphore")
			}
			wantNoStart(t, "hook", err.Error(), token, hookKey)
		}
	}
}

func wantNoStart(t *testing.T, what, reason string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s))} {
			if strings.Contains(reason, form[:6]) {
				t.Errorf("%s reason %q shows the start of %q", what, reason, form)
			}
		}
	}
}
