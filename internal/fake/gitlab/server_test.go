package gitlab_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
)

// call sends a request to the fake with the token in the PRIVATE-TOKEN
// header (or as a Bearer token when bearer) and returns the status, the
// decoded body and the headers.
func call(t *testing.T, s *gitlab.Server, method, path, token string, bearer bool, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.APIURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if bearer {
		req.Header.Set("Authorization", "Bearer "+token)
	} else if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// A list (GET .../hooks) does not decode into a map: out stays nil.
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// TestFakeFollowsGitLabsAnswers: both documented token headers work; a bad
// token is GitLab's 401 body; a project the user is not a member of is 404;
// hooks need Maintainer (403 below); hooks never show their token and list
// with pagination headers; a pipeline on a missing ref is GitLab's 400.
func TestFakeFollowsGitLabsAnswers(t *testing.T) {
	s := gitlab.New(t)
	s.AddToken("maint", "dev")
	s.AddToken("devtok", "ci")
	s.AddProject("acme/app")
	s.Grant("acme/app", "dev", gitlab.AccessMaintainer)
	s.Grant("acme/app", "ci", gitlab.AccessDeveloper)

	for _, bearer := range []bool{false, true} {
		if st, body, _ := call(t, s, "GET", "/user", "maint", bearer, nil); st != 200 || body["username"] != "dev" {
			t.Errorf("GET /user (bearer %v) = %d %v", bearer, st, body)
		}
	}
	if st, body, _ := call(t, s, "GET", "/user", "nope", false, nil); st != 401 || body["message"] != "401 Unauthorized" {
		t.Errorf("bad token = %d %v", st, body)
	}
	if st, body, _ := call(t, s, "GET", "/projects/acme%2Fapp", "maint", false, nil); st != 200 ||
		!strings.Contains(mustJSON(body["permissions"]), `"project_access":{"access_level":40`) {
		t.Errorf("project by path = %d %v", st, body)
	}
	if st, body, _ := call(t, s, "GET", "/projects/acme%2Fother", "maint", false, nil); st != 404 || body["message"] != "404 Project Not Found" {
		t.Errorf("unknown project = %d %v", st, body)
	}
	if st, _, _ := call(t, s, "POST", "/projects/1/hooks", "devtok", false, map[string]any{"url": "https://x"}); st != 403 {
		t.Errorf("developer creating a hook = %d, want 403", st)
	}
	if st, body, _ := call(t, s, "POST", "/projects/1/hooks", "maint", false, map[string]any{}); st != 400 || body["error"] != "url is missing" {
		t.Errorf("hook without url = %d %v", st, body)
	}
	st, body, _ := call(t, s, "POST", "/projects/1/hooks", "maint", false, map[string]any{"url": "https://x", "token": "secret", "pipeline_events": true})
	if h := body; st != 201 || h["push_events"] != true || h["pipeline_events"] != true || h["enable_ssl_verification"] != true {
		t.Errorf("create hook = %d %v", st, body)
	} else if _, shown := h["token"]; shown {
		t.Error("the hook's token is shown")
	}
	if st, _, hdr := call(t, s, "GET", "/projects/acme%2Fapp/hooks?per_page=1", "maint", false, nil); st != 200 || hdr.Get("X-Total") != "1" || hdr.Get("X-Next-Page") != "" {
		t.Errorf("list hooks = %d %v", st, hdr)
	}
	if st, body, _ := call(t, s, "POST", "/projects/1/pipeline", "devtok", false, map[string]any{"ref": "nope"}); st != 400 ||
		!strings.Contains(mustJSON(body), "Reference not found") {
		t.Errorf("pipeline on a missing ref = %d %v", st, body)
	}
	if st, body, _ := call(t, s, "POST", "/projects/1/pipeline", "devtok", false, map[string]any{"ref": "main",
		"variables": []map[string]string{{"key": "A", "value": "b"}}}); st != 201 || body["status"] != "created" {
		t.Errorf("pipeline = %d %v", st, body)
	}
	if st, body, _ := call(t, s, "POST", "/projects/1/pipelines/1001/cancel", "devtok", false, nil); st != 200 || body["status"] != "canceled" {
		t.Errorf("cancel = %d %v", st, body)
	}
	if st, _, _ := call(t, s, "DELETE", "/projects/1/hooks/1", "maint", false, nil); st != 204 {
		t.Errorf("delete hook = %d", st)
	}
	if st, _, _ := call(t, s, "DELETE", "/projects/1/hooks/1", "maint", false, nil); st != 404 {
		t.Errorf("delete a deleted hook = %d", st)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
