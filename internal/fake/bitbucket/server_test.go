package bitbucket_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
)

// call sends a request to the fake with basic or Bearer credentials and
// returns the status and decoded body.
func call(t *testing.T, fake *bitbucket.Server, method, path, user, secret string, body any) (int, map[string]any) {
	t.Helper()
	var in io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, fake.URL()+path, in)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, secret)
	} else if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func str(x any) string {
	s, _ := x.(string)
	return s
}

func list(x any) []any {
	l, _ := x.([]any)
	return l
}

// stateName is a pipeline's state.name.
func stateName(p map[string]any) string {
	st, _ := p["state"].(map[string]any)
	return str(st["name"])
}

func newFake(t *testing.T) *bitbucket.Server {
	fake := bitbucket.New(t)
	fake.AddUser("alice", "pw")
	fake.AddWorkspace("acme", map[string]string{"alice": "owner"})
	fake.AddRepo("acme", "app", "alice")
	return fake
}

// TestFakeAnswersAsBitbucket: the error body, 401 without credentials, a
// hook's secret that reads back only as secret_set, Bitbucket's pagination
// and a completed pipeline that cannot be stopped.
func TestFakeAnswersAsBitbucket(t *testing.T) {
	fake := newFake(t)
	status, body := call(t, fake, http.MethodGet, "/2.0/user", "alice", "wrong", nil)
	if status != 401 || body["type"] != "error" {
		t.Errorf("bad password: %d %v", status, body)
	}
	if status, body = call(t, fake, http.MethodGet, "/2.0/user", "alice", "pw", nil); status != 200 || body["username"] != "alice" {
		t.Errorf("GET /2.0/user: %d %v", status, body)
	}
	status, body = call(t, fake, http.MethodPost, "/2.0/repositories/acme/app/hooks", "alice", "pw", map[string]any{
		"url": "https://example.com/hook", "events": []string{"repo:push"}, "secret": "s3cret", "active": true,
	})
	if status != 201 || body["secret_set"] != true || body["secret"] != nil || !strings.HasPrefix(str(body["uuid"]), "{") {
		t.Errorf("create hook: %d %v", status, body)
	}
	if status, _ = call(t, fake, http.MethodPost, "/2.0/repositories/acme/app/hooks", "alice", "pw", map[string]any{
		"url": "https://example.com/hook", "events": []string{"repo:nope"},
	}); status != 400 {
		t.Errorf("unknown event: %d, want 400", status)
	}
	for range 2 {
		call(t, fake, http.MethodPost, "/2.0/repositories/acme/app/hooks", "alice", "pw", map[string]any{"url": "https://example.com/h", "events": []string{"repo:push"}})
	}
	status, body = call(t, fake, http.MethodGet, "/2.0/repositories/acme/app/hooks?pagelen=2", "alice", "pw", nil)
	if status != 200 || body["size"] != 3.0 || len(list(body["values"])) != 2 || body["next"] == nil {
		t.Errorf("page 1: %d %v", status, body)
	}
	fake.SetPipelineResult("SUCCESSFUL", 0)
	status, body = call(t, fake, http.MethodPost, "/2.0/repositories/acme/app/pipelines/", "alice", "pw", map[string]any{
		"target": map[string]any{"type": "pipeline_ref_target", "ref_type": "branch", "ref_name": "main"},
	})
	if status != 201 || stateName(body) != "PENDING" {
		t.Fatalf("run: %d %v", status, body)
	}
	path := "/2.0/repositories/acme/app/pipelines/" + strings.NewReplacer("{", "%7B", "}", "%7D").Replace(str(body["uuid"]))
	call(t, fake, http.MethodGet, path, "alice", "pw", nil)
	if status, body = call(t, fake, http.MethodGet, path, "alice", "pw", nil); stateName(body) != "COMPLETED" {
		t.Errorf("pipeline: %d %v", status, body)
	}
	if status, _ = call(t, fake, http.MethodPost, path+"/stopPipeline", "alice", "pw", nil); status != 400 {
		t.Errorf("stopping a completed pipeline: %d, want 400", status)
	}
}

// TestFakeDeliverSigns: Deliver posts to subscribed, active hooks with
// Bitbucket's headers and an X-Hub-Signature a receiver can check.
func TestFakeDeliverSigns(t *testing.T) {
	fake := newFake(t)
	var got http.Header
	var gotBody []byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		gotBody, _ = io.ReadAll(r.Body)
	}))
	defer rcv.Close()
	call(t, fake, http.MethodPost, "/2.0/repositories/acme/app/hooks", "alice", "pw", map[string]any{"url": rcv.URL, "events": []string{"repo:push"}, "secret": "k"})
	body := []byte(`{"push":{}}`)
	if ds := fake.Deliver(context.Background(), "acme", "app", "pullrequest:created", body); len(ds) != 0 {
		t.Errorf("delivered an event the hook is not subscribed to: %+v", ds)
	}
	ds := fake.Deliver(context.Background(), "acme", "app", "repo:push", body)
	if len(ds) != 1 || ds[0].Status != 200 {
		t.Fatalf("deliveries = %+v", ds)
	}
	if got.Get("X-Hub-Signature") != bitbucket.Sign("k", body) || got.Get("X-Event-Key") != "repo:push" ||
		got.Get("X-Request-UUID") == "" || got.Get("X-Hook-UUID") == "" || !bytes.Equal(gotBody, body) {
		t.Errorf("headers %v body %s", got, gotBody)
	}
}
