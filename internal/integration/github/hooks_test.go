package github_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

func TestEnsureGitHubHook(t *testing.T) {
	f := newGitHubFixture(t)
	f.fake.AddToken("ghp_admin", "octocat", []string{"repo"})
	f.fake.AddToken("ghp_reader", "reader", []string{"repo"})
	f.fake.AddRepo("acme", "app", "octocat")
	ctx := context.Background()
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/s1/github", Secret: "k3y-one", Events: []string{"push", "pull_request"}}

	res, err := gt.EnsureHook(ctx, f.verifier, "https://github.com/acme", "ghp_admin", "app", want, "", false)
	if err != nil || !res.Created || res.ID == "" {
		t.Fatalf("first ensure: %+v %v", res, err)
	}
	hooks := f.fake.Hooks("acme", "app")
	if len(hooks) != 1 || hooks[0].URL != want.CallbackURL || hooks[0].Secret != "k3y-one" || hooks[0].ContentType != "json" || !hooks[0].Active ||
		strings.Join(hooks[0].Events, ",") != "pull_request,push" {
		t.Fatalf("hook on GitHub: %+v", hooks)
	}

	// Looking again changes nothing: no duplicate, nothing repaired.
	again, err := gt.EnsureHook(ctx, f.verifier, "https://github.com/acme", "ghp_admin", "app", want, res.ID, false)
	if err != nil || again.Created || again.Repaired || again.ID != res.ID || len(f.fake.Hooks("acme", "app")) != 1 {
		t.Fatalf("second ensure: %+v %v (%d hooks)", again, err, len(f.fake.Hooks("acme", "app")))
	}

	// A hook deleted on GitHub is recreated and reported as repaired.
	if !f.fake.RemoveHook("acme", "app", hooks[0].ID) {
		t.Fatal("fake did not remove the hook")
	}
	repaired, err := gt.EnsureHook(ctx, f.verifier, "https://github.com/acme", "ghp_admin", "app", want, res.ID, false)
	if err != nil || !repaired.Repaired || !repaired.Created || len(f.fake.Hooks("acme", "app")) != 1 {
		t.Fatalf("after deletion on GitHub: %+v %v", repaired, err)
	}

	// Changed events are pushed; a new key is pushed when asked.
	want.Events = []string{"push"}
	want.Secret = "k3y-two"
	upd, err := gt.EnsureHook(ctx, f.verifier, "https://github.com/acme", "ghp_admin", "app", want, repaired.ID, true)
	hooks = f.fake.Hooks("acme", "app")
	if err != nil || !upd.Repaired || len(hooks) != 1 || strings.Join(hooks[0].Events, ",") != "push" || hooks[0].Secret != "k3y-two" {
		t.Fatalf("update: %+v %v %+v", upd, err, hooks)
	}

	// A token without admin gets GitHub's answer as a reason, never the token.
	_, err = gt.EnsureHook(ctx, f.verifier, "https://github.com/acme", "ghp_reader", "app", want, "", false)
	var he *integration.HookError
	if !errors.As(err, &he) || strings.Contains(he.Reason, "ghp_reader") || !strings.Contains(he.Reason, "acme/app") {
		t.Fatalf("without admin: %v", err)
	}

	// Delete leaves nothing behind, and deleting again is fine.
	if err := gt.DeleteHook(ctx, f.verifier, "https://github.com/acme", "ghp_admin", "app", want.CallbackURL); err != nil {
		t.Fatal(err)
	}
	if n := len(f.fake.Hooks("acme", "app")); n != 0 {
		t.Fatalf("%d hooks left after delete", n)
	}
	if err := gt.DeleteHook(ctx, f.verifier, "https://github.com/acme", "ghp_admin", "app", want.CallbackURL); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}
