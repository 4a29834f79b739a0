package semaphore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

const semaphoreURL = "https://acme.semaphoreci.com"

// verifySemaphore verifies against apiURL and checks that the token never
// appears in the reason.
func verifySemaphore(t *testing.T, apiURL, token string) integration.Result {
	t.Helper()
	v := &integration.Verifier{SemaphoreAPIURL: apiURL, Client: fakes}
	res := registry.Verify(context.Background(), v, "semaphore", semaphoreURL, token)
	if strings.Contains(res.Reason, token) {
		t.Errorf("reason %q contains the token", res.Reason)
	}
	return res
}

// semaphoreStub answers every request with status and body.
func semaphoreStub(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = fmt.Fprint(w, strings.ReplaceAll(body, "$TOKEN", strings.TrimPrefix(r.Header.Get("Authorization"), "Token ")))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestVerifySemaphore(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		fake := fakesemaphore.New(t)
		fake.AddToken("sem-token")
		fake.AddProject("api")
		wantOK(t, verifySemaphore(t, fake.URL()+"/", "sem-token"))
		if got := fake.Requests(); !slices.Equal(got, []string{"GET /api/v1alpha/projects"}) {
			t.Errorf("requests = %v, want the project list", got)
		}
	})

	t.Run("OK with no projects yet", func(t *testing.T) {
		fake := fakesemaphore.New(t)
		fake.AddToken("sem-token")
		wantOK(t, verifySemaphore(t, fake.URL(), "sem-token"))
	})

	t.Run("unauthorized", func(t *testing.T) {
		fake := fakesemaphore.New(t)
		fake.AddToken("sem-token")
		wantFailure(t, verifySemaphore(t, fake.URL(), "sem-wrong"), "Semaphore: unauthorized (token is not valid for organization acme)")
	})

	t.Run("unauthorized with a message, token echoed", func(t *testing.T) {
		res := verifySemaphore(t, semaphoreStub(t, http.StatusUnauthorized, `{"message":"token $TOKEN expired"}`), "sem-old")
		wantFailure(t, res, "organization acme): token *** expired")
	})

	t.Run("organization not found", func(t *testing.T) {
		wantFailure(t, verifySemaphore(t, semaphoreStub(t, http.StatusNotFound, "Not Found"), "sem-token"), "Semaphore organization acme not found")
	})

	t.Run("unexpected status with a bounded snippet", func(t *testing.T) {
		res := verifySemaphore(t, semaphoreStub(t, http.StatusBadGateway, strings.Repeat("x", 5000)), "sem-token")
		wantFailure(t, res, "502 Bad Gateway", "xxx...")
		if len(res.Reason) > 300 {
			t.Errorf("reason is %d bytes, want the body cut to a short snippet", len(res.Reason))
		}
	})

	t.Run("not a project list", func(t *testing.T) {
		wantFailure(t, verifySemaphore(t, semaphoreStub(t, http.StatusOK, "<html>login</html>"), "sem-token"), "unexpected answer from Semaphore")
	})

	t.Run("redirect is not followed", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/login" {
				_, _ = fmt.Fprint(w, "[]")
				return
			}
			http.Redirect(w, r, "/login", http.StatusFound)
		}))
		t.Cleanup(srv.Close)
		wantFailure(t, verifySemaphore(t, srv.URL, "sem-token"), "302 Found")
	})

	t.Run("unreachable", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		wantFailure(t, verifySemaphore(t, closed.URL, "sem-token"), "cannot reach Semaphore")
	})

	t.Run("URL of the wrong shape", func(t *testing.T) {
		fake := fakesemaphore.New(t)
		v := &integration.Verifier{SemaphoreAPIURL: fake.URL(), Client: fakes}
		res := registry.Verify(context.Background(), v, "semaphore", "https://Acme.semaphoreci.com", "sem-token")
		wantFailure(t, res, "uppercase")
		if got := fake.Requests(); len(got) != 0 {
			t.Errorf("requests = %v, want none", got)
		}
	})
}
