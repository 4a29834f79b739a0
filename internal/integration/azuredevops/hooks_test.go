package azuredevops_test

import (
	"context"
	"strings"
	"testing"

	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

const callback = "https://superplane.example.com/api/v1/sources/src-1/azure_devops"

func wantHook() integration.Hook {
	return integration.Hook{CallbackURL: callback, Secret: "source-key-abcdef0123456789", Events: []string{"git.push", "ms.vss-pipelines.run-state-changed-event"}}
}

// ours returns the fake's subscriptions to the callback URL.
func ours(fake *fakeado.Server) []fakeado.Subscription {
	var out []fakeado.Subscription
	for _, s := range fake.Subscriptions("acme") {
		if s.ConsumerInputs["url"] == callback {
			out = append(out, s)
		}
	}
	return out
}

// TestHookProvisioned: one subscription per event, of the right publisher,
// on the project, delivering to the callback with the source's key in
// X-Superplane-Token; a second Ensure changes nothing.
func TestHookProvisioned(t *testing.T) {
	ctx := context.Background()
	fake, v := newFake(t)
	res, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), "", false)
	if err != nil || !res.Created || res.Repaired || res.ID == "" {
		t.Fatalf("EnsureHook = %+v, %v; want created", res, err)
	}
	subs := ours(fake)
	if len(subs) != 2 {
		t.Fatalf("subscriptions = %+v, want two", subs)
	}
	publishers := map[string]string{}
	for _, s := range subs {
		publishers[s.EventType] = s.PublisherID
		if s.ConsumerID != "webHooks" || s.ConsumerActionID != "httpRequest" || s.Status != "enabled" ||
			s.ConsumerInputs["httpHeaders"] != "X-Superplane-Token: source-key-abcdef0123456789" || s.PublisherInputs["projectId"] == "" {
			t.Errorf("subscription = %+v", s)
		}
		if !strings.Contains(res.ID, s.ID) {
			t.Errorf("hook id %q does not name subscription %s", res.ID, s.ID)
		}
	}
	if publishers["git.push"] != "tfs" || publishers["ms.vss-pipelines.run-state-changed-event"] != "pipelines" {
		t.Errorf("publishers = %v", publishers)
	}
	again, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), res.ID, false)
	if err != nil || again.Created || again.Repaired || again.Removed != 0 || again.ID != res.ID {
		t.Errorf("second EnsureHook = %+v, %v; want nothing done", again, err)
	}
	if n := len(ours(fake)); n != 2 {
		t.Errorf("%d subscriptions after a second Ensure, want 2", n)
	}
	check, err := ado.CheckHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), res.ID)
	if err != nil || check.State != integration.HookOK {
		t.Errorf("CheckHook = %+v, %v; want ok", check, err)
	}
}

// TestHookRepaired: a deleted, disabled, duplicated or foreign
// subscription is seen by CheckHook and fixed by EnsureHook; a key pushed
// after a reset reaches every subscription.
func TestHookRepaired(t *testing.T) {
	ctx := context.Background()
	fake, v := newFake(t)
	res, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	subs := ours(fake)
	// Deleted by hand.
	fake.RemoveSubscription("acme", subs[0].ID)
	check, err := ado.CheckHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), res.ID)
	if err != nil || check.State != integration.HookDrifted || !strings.Contains(check.Reason, "no subscription for") {
		t.Errorf("CheckHook after a deletion = %+v, %v", check, err)
	}
	fixed, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), res.ID, false)
	if err != nil || !fixed.Repaired || len(ours(fake)) != 2 {
		t.Fatalf("EnsureHook after a deletion = %+v, %v, %d subscriptions", fixed, err, len(ours(fake)))
	}
	// Disabled by hand.
	subs = ours(fake)
	fake.EditSubscription("acme", subs[1].ID, func(s *fakeado.Subscription) { s.Status = "disabledByUser" })
	check, _ = ado.CheckHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), fixed.ID)
	if check.State != integration.HookDrifted || !strings.Contains(check.Reason, "disabledByUser") {
		t.Errorf("CheckHook after a disable = %+v", check)
	}
	again, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), fixed.ID, false)
	if err != nil || !again.Repaired {
		t.Errorf("EnsureHook after a disable = %+v, %v", again, err)
	}
	for _, s := range ours(fake) {
		if s.Status != "enabled" {
			t.Errorf("subscription %s is %s after the repair", s.ID, s.Status)
		}
	}
	// All gone: missing.
	for _, s := range ours(fake) {
		fake.RemoveSubscription("acme", s.ID)
	}
	check, _ = ado.CheckHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), again.ID)
	if check.State != integration.HookMissing {
		t.Errorf("CheckHook with none = %+v, want missing", check)
	}
	// A key reset is pushed to every subscription.
	res, _ = ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), "", false)
	rotated := wantHook()
	rotated.Secret = "new-source-key-9876543210"
	if _, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", rotated, res.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, s := range ours(fake) {
		if s.ConsumerInputs["httpHeaders"] != "X-Superplane-Token: new-source-key-9876543210" {
			t.Errorf("subscription %s still has the old key", s.ID)
		}
	}
	// Fewer events: the subscription of the dropped one goes.
	one := rotated
	one.Events = []string{"git.push"}
	got, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", one, res.ID, false)
	if err != nil || got.Removed != 1 || len(ours(fake)) != 1 {
		t.Errorf("EnsureHook with one event = %+v, %v, %d subscriptions", got, err, len(ours(fake)))
	}
}

// TestHookDeleted: DeleteHook removes every subscription to the source and
// leaves others; deleting again is no error.
func TestHookDeleted(t *testing.T) {
	ctx := context.Background()
	fake, v := newFake(t)
	other := wantHook()
	other.CallbackURL = "https://superplane.example.com/api/v1/sources/src-2/azure_devops"
	if _, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", other, "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := ado.EnsureHook(ctx, v, orgURL, alicePAT, "Fabrikam", wantHook(), "", false); err != nil {
		t.Fatal(err)
	}
	if err := ado.DeleteHook(ctx, v, orgURL, alicePAT, "Fabrikam", callback); err != nil {
		t.Fatal(err)
	}
	if n := len(ours(fake)); n != 0 {
		t.Errorf("%d subscriptions left, want 0", n)
	}
	if n := len(fake.Subscriptions("acme")); n != 2 {
		t.Errorf("%d subscriptions of the other source, want 2", n)
	}
	if err := ado.DeleteHook(ctx, v, orgURL, alicePAT, "Fabrikam", callback); err != nil {
		t.Errorf("second DeleteHook = %v", err)
	}
}

// TestHookRefused: a token without the hooks scope, or a project it cannot
// see, fails in words without the PAT or the source's key.
func TestHookRefused(t *testing.T) {
	ctx := context.Background()
	_, v := newFake(t)
	_, err := ado.EnsureHook(ctx, v, orgURL, bobPAT, "Other", wantHook(), "", false)
	if err == nil || !strings.Contains(err.Error(), "service hooks") || !strings.Contains(err.Error(), "vso.hooks_write") {
		t.Errorf("EnsureHook without the scope = %v", err)
	}
	_, err = ado.EnsureHook(ctx, v, orgURL, bobPAT, "Fabrikam", wantHook(), "", false)
	if err == nil || !strings.Contains(err.Error(), "project Fabrikam not found") {
		t.Errorf("EnsureHook on an unseen project = %v", err)
	}
	_, err = ado.EnsureHook(ctx, v, orgURL, ghostPAT, "Fabrikam", wantHook(), "", false)
	if err == nil {
		t.Fatal("EnsureHook with an unknown PAT succeeded")
	}
	for _, secret := range []string{bobPAT, ghostPAT, wantHook().Secret} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows a secret", err)
		}
	}
}
