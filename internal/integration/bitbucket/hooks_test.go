package bitbucket_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	fakebitbucket "github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

const callback = "https://superplane.example.com/api/v1/sources/0b6f3c6e-1b7e-4a51-9b66-8d7f1b1f0c11/bitbucket"

func wantHook() integration.Hook {
	return integration.Hook{CallbackURL: callback, Secret: "source-key-0123456789abcdef", Events: []string{"repo:push", "pullrequest:created"}}
}

// onlyHook returns the one hook of acme/app, failing unless there is
// exactly one.
func onlyHook(t *testing.T, fake *fakebitbucket.Server) fakebitbucket.Hook {
	t.Helper()
	hooks := fake.Hooks("acme", "app")
	if len(hooks) != 1 {
		t.Fatalf("hooks = %+v, want one", hooks)
	}
	return hooks[0]
}

// TestHookProvisioned: EnsureHook creates one active hook with the source's
// URL, events and secret, and finds it (without a second) the next time.
func TestHookProvisioned(t *testing.T) {
	fake, v := newFake(t)
	ctx := context.Background()
	res, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), "", false)
	if err != nil || !res.Created || res.Repaired || res.ID == "" {
		t.Fatalf("EnsureHook = %+v, %v; want created", res, err)
	}
	h := onlyHook(t, fake)
	if h.UUID != res.ID || h.URL != callback || h.Secret != wantHook().Secret || !h.Active || h.SkipCert ||
		!slices.Equal(h.Events, []string{"pullrequest:created", "repo:push"}) {
		t.Errorf("hook = %+v", h)
	}
	again, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), res.ID, false)
	if err != nil || again.Created || again.Repaired || again.ID != res.ID {
		t.Errorf("second EnsureHook = %+v, %v; want the same hook untouched", again, err)
	}
	check, err := bb.CheckHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), res.ID)
	if err != nil || check.State != integration.HookOK {
		t.Errorf("CheckHook = %+v, %v; want ok", check, err)
	}
	onlyHook(t, fake)
}

// TestHookRepaired: a hook deleted, altered (events, inactive, its secret
// removed) or duplicated on Bitbucket is seen by CheckHook and put back by
// EnsureHook.
func TestHookRepaired(t *testing.T) {
	for _, c := range []struct {
		name   string
		breakH func(fake *fakebitbucket.Server, id string)
		state  string
		reason string
	}{
		{"deleted", func(f *fakebitbucket.Server, id string) { f.RemoveHook("acme", "app", id) }, integration.HookMissing, "no webhook of Bitbucket repository acme/app"},
		{"events changed", func(f *fakebitbucket.Server, id string) {
			f.EditHook("acme", "app", id, func(h *fakebitbucket.Hook) { h.Events = []string{"repo:fork"} })
		}, integration.HookDrifted, "events are [repo:fork]"},
		{"deactivated", func(f *fakebitbucket.Server, id string) {
			f.EditHook("acme", "app", id, func(h *fakebitbucket.Hook) { h.Active = false })
		}, integration.HookDrifted, "inactive"},
		{"secret removed", func(f *fakebitbucket.Server, id string) {
			f.EditHook("acme", "app", id, func(h *fakebitbucket.Hook) { h.Secret = "" })
		}, integration.HookDrifted, "no secret"},
		{"certificate check off", func(f *fakebitbucket.Server, id string) {
			f.EditHook("acme", "app", id, func(h *fakebitbucket.Hook) { h.SkipCert = true })
		}, integration.HookDrifted, "certificate verification is off"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake, v := newFake(t)
			ctx := context.Background()
			first, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), "", false)
			if err != nil {
				t.Fatal(err)
			}
			c.breakH(fake, first.ID)
			check, err := bb.CheckHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), first.ID)
			if err != nil || check.State != c.state || !strings.Contains(check.Reason, c.reason) {
				t.Errorf("CheckHook = %+v, %v; want %s with %q", check, err, c.state, c.reason)
			}
			res, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), first.ID, false)
			if err != nil || !res.Repaired {
				t.Errorf("EnsureHook = %+v, %v; want repaired", res, err)
			}
			h := onlyHook(t, fake)
			if h.Secret != wantHook().Secret || !h.Active || h.SkipCert || len(h.Events) != 2 {
				t.Errorf("repaired hook = %+v", h)
			}
			if check, err := bb.CheckHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), res.ID); err != nil || check.State != integration.HookOK {
				t.Errorf("CheckHook after the repair = %+v, %v", check, err)
			}
		})
	}
}

// TestHookDuplicatesRemoved: two hooks for the source (an interrupted
// provisioning, or someone's copy) are drifted, and EnsureHook keeps the
// known one and deletes the other.
func TestHookDuplicatesRemoved(t *testing.T) {
	fake, v := newFake(t)
	ctx := context.Background()
	first, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), "", false); err != nil {
		t.Fatal(err)
	}
	// The second call found the first hook: make a real duplicate by hand.
	if _, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", integration.Hook{CallbackURL: callback + "-copy", Secret: "x", Events: []string{"repo:push"}}, "", false); err != nil {
		t.Fatal(err)
	}
	hooks := fake.Hooks("acme", "app")
	fake.EditHook("acme", "app", hooks[1].UUID, func(h *fakebitbucket.Hook) { h.URL = callback })
	check, err := bb.CheckHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), first.ID)
	if err != nil || check.State != integration.HookDrifted || !strings.Contains(check.Reason, "2 webhooks") {
		t.Errorf("CheckHook = %+v, %v; want drifted by a duplicate", check, err)
	}
	res, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), first.ID, false)
	if err != nil || res.Removed != 1 || res.ID != first.ID {
		t.Errorf("EnsureHook = %+v, %v; want the duplicate removed", res, err)
	}
	if h := onlyHook(t, fake); h.UUID != first.ID {
		t.Errorf("kept hook %s, want %s", h.UUID, first.ID)
	}
}

// TestHookSecretPushed: a new key reaches the existing hook when asked.
func TestHookSecretPushed(t *testing.T) {
	fake, v := newFake(t)
	ctx := context.Background()
	first, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	rotated := wantHook()
	rotated.Secret = "rotated-key-fedcba9876543210"
	res, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", rotated, first.ID, true)
	if err != nil || res.Created || res.Repaired {
		t.Errorf("EnsureHook = %+v, %v", res, err)
	}
	if h := onlyHook(t, fake); h.Secret != rotated.Secret {
		t.Errorf("hook secret not updated")
	}
}

// TestHookDeleted: DeleteHook removes the source's hook and leaves others;
// a hook or repository already gone is no error.
func TestHookDeleted(t *testing.T) {
	fake, v := newFake(t)
	ctx := context.Background()
	if _, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", wantHook(), "", false); err != nil {
		t.Fatal(err)
	}
	other := integration.Hook{CallbackURL: "https://ci.example.com/hook", Secret: "s", Events: []string{"repo:push"}}
	if _, err := bb.EnsureHook(ctx, v, workspaceURL, aliceCred, "app", other, "", false); err != nil {
		t.Fatal(err)
	}
	if err := bb.DeleteHook(ctx, v, workspaceURL, aliceCred, "app", callback); err != nil {
		t.Fatal(err)
	}
	if h := onlyHook(t, fake); h.URL != other.CallbackURL {
		t.Errorf("left hook %+v, want only the other one", h)
	}
	if err := bb.DeleteHook(ctx, v, workspaceURL, aliceCred, "app", callback); err != nil {
		t.Errorf("second DeleteHook: %v", err)
	}
	if err := bb.DeleteHook(ctx, v, workspaceURL, aliceCred, "gone", callback); err != nil {
		t.Errorf("DeleteHook of a missing repository: %v", err)
	}
}

// TestHookErrorsNameTheCause: a user who may not administer the repository
// gets Bitbucket's 403 in words, a repository the credential cannot see a
// 404 in words; neither shows the credential or the key.
func TestHookErrorsNameTheCause(t *testing.T) {
	_, v := newFake(t)
	ctx := context.Background()
	_, err := bb.EnsureHook(ctx, v, workspaceURL, bobCred, "app", wantHook(), "", false)
	var he *integration.HookError
	if !errors.As(err, &he) || !strings.Contains(he.Reason, "may not manage the webhooks of repository acme/app") {
		t.Errorf("member's EnsureHook = %v, want a HookError saying it needs admin", err)
	}
	_, err = bb.EnsureHook(ctx, v, workspaceURL, repoToken, "app", wantHook(), "", false)
	if !errors.As(err, &he) || !strings.Contains(he.Reason, "repository acme/app not found") {
		t.Errorf("other repository's token = %v, want not found", err)
	}
	for _, s := range []string{aliceSecret, "ATBB-bob", wantHook().Secret} {
		if he != nil && strings.Contains(he.Reason, s) {
			t.Errorf("reason %q shows a secret", he.Reason)
		}
	}
	// A repository access token administers its own repository.
	if _, err := bb.EnsureHook(ctx, v, workspaceURL, repoToken, "web", wantHook(), "", false); err != nil {
		t.Errorf("repository token on its repository: %v", err)
	}
}
