package webhook_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// gitlabSources adds a gitlab source, with a key in its grace period, to
// the test sources.
func gitlabSources() *memSources {
	s := testSources()
	s.sources["gl-1"] = webhook.Source{ID: "gl-1", Type: "gitlab", Keys: [][]byte{currentKey, previousKey}}
	return s
}

// postGitLab delivers body to the gitlab route as GitLab does; token ""
// sends no X-Gitlab-Token.
func postGitLab(t *testing.T, mux http.Handler, id, token, event, idempotency, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/"+id+"/gitlab", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitLab/17.6.0")
	if token != "" {
		req.Header.Set("X-Gitlab-Token", token)
	}
	if event != "" {
		req.Header.Set("X-Gitlab-Event", event)
	}
	req.Header.Set("X-Gitlab-Event-UUID", "2a4bc2b4-6e1d-4b55-9d1a-1f6f0b3a2c11")
	req.Header.Set("X-Gitlab-Webhook-UUID", "7c1e2d3f-0000-4000-8000-000000000001")
	if idempotency != "" {
		req.Header.Set("Idempotency-Key", idempotency)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

// TestGitLabDeliveryWithTheSourcesToken: a delivery carrying the source's
// key as X-Gitlab-Token is stored with the event type from X-Gitlab-Event,
// the Idempotency-Key as its delivery id and GitLab's headers, never the
// token; a retry with the same Idempotency-Key is a duplicate.
func TestGitLabDeliveryWithTheSourcesToken(t *testing.T) {
	sink := newMemSink()
	mux := newMux(gitlabSources(), sink, webhook.Config{})
	body := `{"object_kind":"merge_request","project":{"path_with_namespace":"acme/app"}}`
	rec := postGitLab(t, mux, "gl-1", string(currentKey), "Merge Request Hook", "idem-1", body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	d := sink.last()
	if d.Type != "merge_request" || d.DeliveryID != "idem-1" || string(d.Body) != body {
		t.Errorf("delivery = %+v", d)
	}
	if d.Headers["x-gitlab-event"] != "Merge Request Hook" || d.Headers["x-gitlab-event-uuid"] == "" || d.Headers["idempotency-key"] != "idem-1" {
		t.Errorf("headers = %v, want GitLab's event headers kept", d.Headers)
	}
	if _, kept := d.Headers["x-gitlab-token"]; kept {
		t.Error("the X-Gitlab-Token header was stored")
	}
	// GitLab retries with the same Idempotency-Key.
	rec = postGitLab(t, mux, "gl-1", string(currentKey), "Merge Request Hook", "idem-1", body)
	var receipt webhook.Receipt
	if err := json.Unmarshal(rec.Body.Bytes(), &receipt); err != nil || rec.Code != http.StatusOK || !receipt.Duplicate {
		t.Errorf("retry: %d %s", rec.Code, rec.Body)
	}
	// The key of before a reset works during its grace period.
	if rec := postGitLab(t, mux, "gl-1", string(previousKey), "Push Hook", "idem-2", body); rec.Code != http.StatusOK || sink.last().Type != "push" {
		t.Errorf("grace key: %d %s", rec.Code, rec.Body)
	}
	if n := sink.count(); n != 2 {
		t.Errorf("%d deliveries stored, want 2", n)
	}
}

// TestGitLabDeliveryRefused: a wrong token, a token with extra text, no
// token, another source's route and a GitHub signature are refused before
// the body is read as JSON, and nothing is stored.
func TestGitLabDeliveryRefused(t *testing.T) {
	sink := newMemSink()
	mux := newMux(gitlabSources(), sink, webhook.Config{})
	for _, c := range []struct {
		name, id, token, body, want string
	}{
		{"wrong token", "gl-1", string(strangerKey), `{}`, "unknown event source or invalid signature"},
		{"token prefix", "gl-1", string(currentKey[:len(currentKey)-1]), `{}`, "unknown event source or invalid signature"},
		{"token and more", "gl-1", string(currentKey) + "x", `{}`, "unknown event source or invalid signature"},
		{"not JSON, wrong token", "gl-1", string(strangerKey), `not json`, "unknown event source or invalid signature"},
		{"missing token", "gl-1", "", `{}`, "missing X-Gitlab-Token header"},
		{"unknown source", "gl-404", string(currentKey), `{}`, "unknown event source or invalid signature"},
		{"github source on the gitlab route", "gh-1", string(currentKey), `{}`, "unknown event source or invalid signature"},
	} {
		rec := postGitLab(t, mux, c.id, c.token, "Push Hook", "", c.body)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d %s, want 401 with %q", c.name, rec.Code, rec.Body, c.want)
		}
		if strings.Contains(rec.Body.String(), string(currentKey)) {
			t.Errorf("%s: the answer shows the key", c.name)
		}
	}
	// Two tokens: which one was meant is ambiguous.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/gl-1/gitlab", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitlab-Event", "Push Hook")
	req.Header.Add("X-Gitlab-Token", string(strangerKey))
	req.Header.Add("X-Gitlab-Token", string(currentKey))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("two tokens: %d", rec.Code)
	}
	// A gitlab source's route does not take a GitHub signature.
	if rec := postGitHubTo(t, mux, "gl-1"); rec.Code != http.StatusUnauthorized {
		t.Errorf("github route for a gitlab source: %d", rec.Code)
	}
	if n := sink.count(); n != 0 {
		t.Errorf("%d deliveries stored, want none", n)
	}
	// With the right token, the body's checks come next.
	if rec := postGitLab(t, mux, "gl-1", string(currentKey), "Push Hook", "", `not json`); rec.Code != http.StatusBadRequest {
		t.Errorf("not JSON with the right token: %d %s", rec.Code, rec.Body)
	}
	if rec := postGitLab(t, mux, "gl-1", string(currentKey), "", "", `{}`); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "missing X-Gitlab-Event header") {
		t.Errorf("no event header: %d %s", rec.Code, rec.Body)
	}
}

// postGitHubTo posts a correctly signed GitHub delivery to the github
// route of id.
func postGitHubTo(t *testing.T, mux http.Handler, id string) *httptest.ResponseRecorder {
	t.Helper()
	body := []byte(`{}`)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/"+id+"/github", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", webhook.Sign(currentKey, body))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

// TestGitLabEventType: GitLab's event header names become the event names
// a gitlab source subscribes to.
func TestGitLabEventType(t *testing.T) {
	for header, want := range map[string]string{
		"Push Hook": "push", "Tag Push Hook": "tag_push", "Merge Request Hook": "merge_request",
		"Pipeline Hook": "pipeline", "Job Hook": "job", "Wiki Page Hook": "wiki_page",
		"Confidential Issue Hook": "confidential_issue", "Hook": "hook", "": "",
	} {
		if got := webhook.GitLabEventType(header); got != want {
			t.Errorf("GitLabEventType(%q) = %q, want %q", header, got, want)
		}
	}
}
