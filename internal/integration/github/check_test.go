package github_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// onlyReads fails the test when any of requests is not a GET.
func onlyReads(t *testing.T, what string, requests []string) {
	t.Helper()
	for _, r := range requests {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("%s changed the tool: %s", what, r)
		}
	}
}

func TestCheckGitHubHook(t *testing.T) {
	f := newGitHubFixture(t)
	f.fake.AddToken("ghp_admin", "octocat", []string{"repo"})
	f.fake.AddRepo("acme", "app", "octocat")
	ctx := context.Background()
	const owner = "https://github.com/acme"
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/s1/github", Secret: "k3y", Events: []string{"push", "pull_request"}}
	check := func(knownID string) integration.HookCheck {
		t.Helper()
		before := len(f.fake.Requests())
		got, err := gt.CheckHook(ctx, f.verifier, owner, "ghp_admin", "app", want, knownID)
		if err != nil {
			t.Fatal(err)
		}
		onlyReads(t, "a check", f.fake.Requests()[before:])
		return got
	}

	if got := check(""); got.State != integration.HookMissing {
		t.Fatalf("before provisioning: %+v", got)
	}
	res, err := gt.EnsureHook(ctx, f.verifier, owner, "ghp_admin", "app", want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := check(res.ID); got.State != integration.HookOK {
		t.Fatalf("as provisioned: %+v", got)
	}
	// Events changed on GitHub: drifted, naming what differs, and not fixed.
	id := f.fake.Hooks("acme", "app")[0].ID
	req, _ := http.NewRequest(http.MethodPatch, fmt.Sprintf("%srepos/acme/app/hooks/%d", f.fake.URL(), id), bytes.NewReader([]byte(`{"events":["issues"]}`)))
	req.Header.Set("Authorization", "token ghp_admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got := check(res.ID); got.State != integration.HookDrifted || !strings.Contains(got.Reason, "issues") {
		t.Fatalf("after editing events on GitHub: %+v", got)
	}
	if h := f.fake.Hooks("acme", "app"); len(h) != 1 || strings.Join(h[0].Events, ",") != "issues" {
		t.Fatalf("the check changed the hook: %+v", h)
	}
	// Another hook than the one SuperPlane made: drifted (its secret is not ours).
	if got := check("12345"); got.State != integration.HookDrifted || !strings.Contains(got.Reason, "12345") {
		t.Fatalf("a hook other than the known one: %+v", got)
	}
	// Deleted on GitHub: missing, and still deleted.
	f.fake.RemoveHook("acme", "app", id)
	if got := check(res.ID); got.State != integration.HookMissing {
		t.Fatalf("after deleting on GitHub: %+v", got)
	}
	if n := len(f.fake.Hooks("acme", "app")); n != 0 {
		t.Fatalf("the check made %d hooks", n)
	}
	// A check that cannot be made is an error, not a state.
	if _, err := gt.CheckHook(ctx, f.verifier, owner, "ghp_unknown", "app", want, res.ID); err == nil {
		t.Fatal("a bad token checked fine")
	}
}
