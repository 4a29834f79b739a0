package github_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-github/v62/github"
)

// received is what a receiver saw of one delivery.
type received struct {
	event, delivery string
	push            *github.PushEvent
	err             error
}

// newReceiver serves a webhook receiver that checks each delivery with
// go-github's own validation (the signature under secret) and parses it.
func newReceiver(t *testing.T, secret string) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := received{event: github.WebHookType(r), delivery: github.DeliveryID(r)}
		payload, err := github.ValidatePayload(r, []byte(secret))
		if err == nil {
			var ev any
			ev, err = github.ParseWebHook(rec.event, payload)
			if p, ok := ev.(*github.PushEvent); ok {
				rec.push = p
			}
		}
		rec.err = err
		mu.Lock()
		got = append(got, rec)
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

// TestPushDeliversSignedEvents: a push reaches every active hook that
// subscribes to push, signed with that hook's secret so that go-github's
// ValidatePayload accepts it, in JSON or form encoding as the hook asks;
// an inactive hook and a hook for other events get nothing.
func TestPushDeliversSignedEvents(t *testing.T) {
	ctx := context.Background()
	fake, _ := newActionsFake(t)
	fake.AddToken("ghp_admin", "octocat", []string{"admin:repo_hook"})
	admin := newClient(t, fake, "ghp_admin")

	jsonHook, jsonGot := newReceiver(t, "s3cret")
	formHook, formGot := newReceiver(t, "other")
	idle, idleGot := newReceiver(t, "idle")
	issues, issuesGot := newReceiver(t, "issues")
	create := func(url, contentType, secret string, events []string, active bool) {
		t.Helper()
		_, _, err := admin.Repositories.CreateHook(ctx, "acme", "app", &github.Hook{
			Events: events, Active: github.Bool(active),
			Config: &github.HookConfig{URL: github.String(url), ContentType: github.String(contentType), Secret: github.String(secret)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	create(jsonHook.URL, "json", "s3cret", []string{"push"}, true)
	create(formHook.URL, "form", "other", []string{"*"}, true)
	create(idle.URL, "json", "idle", []string{"push"}, false)
	create(issues.URL, "json", "issues", []string{"issues"}, true)

	ds := fake.Push("acme", "app", "refs/heads/main", "c0ffee1")
	if len(ds) != 2 {
		t.Fatalf("deliveries = %+v, want two (the active push and * hooks)", ds)
	}
	for _, d := range ds {
		if d.Status != http.StatusOK || d.Event != "push" || d.ID == "" || d.Error != "" {
			t.Errorf("delivery = %+v, want push answered 200", d)
		}
	}
	for name, got := range map[string]func() []received{"json": jsonGot, "form": formGot} {
		recs := got()
		if len(recs) != 1 {
			t.Fatalf("%s hook received %d deliveries, want 1", name, len(recs))
		}
		r := recs[0]
		if r.err != nil || r.event != "push" || r.push == nil {
			t.Fatalf("%s hook: event %q, err %v; want a valid push", name, r.event, r.err)
		}
		if r.push.GetRef() != "refs/heads/main" || r.push.GetAfter() != "c0ffee1" ||
			r.push.GetRepo().GetFullName() != "acme/app" || r.push.GetHeadCommit().GetID() != "c0ffee1" {
			t.Errorf("%s hook: push = ref %q after %q repo %q head %q", name, r.push.GetRef(), r.push.GetAfter(),
				r.push.GetRepo().GetFullName(), r.push.GetHeadCommit().GetID())
		}
	}
	if n := len(idleGot()) + len(issuesGot()); n != 0 {
		t.Errorf("the inactive hook and the issues hook received %d deliveries, want none", n)
	}
}

// TestDeliverReportsTheReceiversAnswer: a receiver that refuses the
// signature (its secret differs from the hook's) shows as its status, and
// an unreachable one as an error, so a caller sees why nothing arrived.
func TestDeliverReportsTheReceiversAnswer(t *testing.T) {
	ctx := context.Background()
	fake, _ := newActionsFake(t)
	fake.AddToken("ghp_admin", "octocat", []string{"admin:repo_hook"})
	admin := newClient(t, fake, "ghp_admin")
	wrong, _ := newReceiver(t, "not-the-hook-secret")
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	for _, u := range []string{wrong.URL, gone.URL} {
		if _, _, err := admin.Repositories.CreateHook(ctx, "acme", "app", &github.Hook{
			Config: &github.HookConfig{URL: github.String(u), ContentType: github.String("json"), Secret: github.String("s3cret")},
		}); err != nil {
			t.Fatal(err)
		}
	}
	ds := fake.Deliver("acme", "app", "push", map[string]any{"ref": "refs/heads/main"})
	if len(ds) != 2 {
		t.Fatalf("deliveries = %+v, want 2", ds)
	}
	if ds[0].Status != http.StatusUnauthorized {
		t.Errorf("wrong secret: status %d, want 401", ds[0].Status)
	}
	if ds[1].Status != 0 || ds[1].Error == "" {
		t.Errorf("unreachable receiver: %+v, want an error and no status", ds[1])
	}
}
