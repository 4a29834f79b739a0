package datadog_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	fakedatadog "github.com/superplane/terraform-provider-superplane/internal/fake/datadog"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/datadog"
)

const (
	callback  = "https://superplane.example.com/api/v1/sources/src-1/datadog"
	sourceKey = "source-key-0123456789"
	hookName  = "superplane-rollback"
)

func (f fixture) hookCreds(t *testing.T) (string, string) {
	t.Helper()
	base, token, err := dd.HookCredentials(f.v, settings(t, "datadoghq.eu"), map[string]string{"api": apiKey, "app": appKey})
	if err != nil {
		t.Fatal(err)
	}
	return base, token
}

func headerOf(t *testing.T, h fakedatadog.Webhook) string {
	t.Helper()
	var m map[string]string
	if h.CustomHeaders == nil || json.Unmarshal([]byte(*h.CustomHeaders), &m) != nil {
		t.Fatalf("webhook %s has no custom headers object: %v", h.Name, h.CustomHeaders)
	}
	return m[datadog.TokenHeader]
}

// TestWebhookProvisionRepairDelete: a source's webhook is created with the
// key header and the payload, left alone when right, repaired when altered
// or deleted in Datadog, rewritten with a new key, checked read-only, and
// deleted; deleting again or a webhook delivering elsewhere is no error.
func TestWebhookProvisionRepairDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base, token := f.hookCreds(t)
	want := integration.Hook{CallbackURL: callback, Secret: sourceKey}

	res, err := dd.EnsureHook(ctx, f.v, base, token, hookName, want, "", false)
	if err != nil || !res.Created || res.ID != hookName {
		t.Fatalf("create: %+v, %v", res, err)
	}
	h, ok := f.fake.Webhook(hookName)
	if !ok || h.URL != callback || h.EncodeAs != "json" || headerOf(t, h) != sourceKey || h.Payload == nil || *h.Payload != datadog.DefaultPayload {
		t.Fatalf("webhook in Datadog: %+v", h)
	}
	// Again: nothing to do, no write.
	before := len(f.fake.Requests())
	res, err = dd.EnsureHook(ctx, f.v, base, token, hookName, want, hookName, false)
	if err != nil || res.Created || res.Repaired {
		t.Fatalf("second ensure: %+v, %v", res, err)
	}
	for _, r := range f.fake.Requests()[before:] {
		if r.Method != "GET" {
			t.Errorf("an ensure of a webhook in place wrote: %s %s", r.Method, r.Path)
		}
	}
	if c, err := dd.CheckHook(ctx, f.v, base, token, hookName, integration.Hook{CallbackURL: callback}, hookName); err != nil || c.State != integration.HookOK {
		t.Errorf("check in place: %+v, %v", c, err)
	}

	// Someone removes the key header in Datadog's UI: check says drifted,
	// ensure repairs it.
	altered := h
	empty := `{}`
	altered.CustomHeaders = &empty
	f.fake.SetWebhook(altered)
	if c, _ := dd.CheckHook(ctx, f.v, base, token, hookName, integration.Hook{CallbackURL: callback}, hookName); c.State != integration.HookDrifted || !strings.Contains(c.Reason, datadog.TokenHeader) {
		t.Errorf("check after the header was removed: %+v", c)
	}
	res, err = dd.EnsureHook(ctx, f.v, base, token, hookName, want, hookName, false)
	if err != nil || !res.Repaired {
		t.Fatalf("repair: %+v, %v", res, err)
	}
	if h, _ := f.fake.Webhook(hookName); headerOf(t, h) != sourceKey {
		t.Error("the repair did not put the key back")
	}
	// Deleted in Datadog: missing, then re-created and reported repaired.
	f.fake.DeleteWebhook(hookName)
	if c, _ := dd.CheckHook(ctx, f.v, base, token, hookName, integration.Hook{CallbackURL: callback}, hookName); c.State != integration.HookMissing {
		t.Errorf("check after delete: %+v", c)
	}
	res, err = dd.EnsureHook(ctx, f.v, base, token, hookName, want, hookName, false)
	if err != nil || !res.Created || !res.Repaired {
		t.Fatalf("re-create: %+v, %v", res, err)
	}
	// A key reset pushes the new key.
	rotated := integration.Hook{CallbackURL: callback, Secret: "new-source-key-987654"}
	if _, err := dd.EnsureHook(ctx, f.v, base, token, hookName, rotated, hookName, true); err != nil {
		t.Fatal(err)
	}
	if h, _ := f.fake.Webhook(hookName); headerOf(t, h) != rotated.Secret {
		t.Error("a key reset did not reach the webhook")
	}

	// Delete removes it; a second delete is fine.
	if err := dd.DeleteHook(ctx, f.v, base, token, hookName, callback); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.fake.Webhook(hookName); ok {
		t.Fatal("the webhook is still in Datadog after delete")
	}
	if err := dd.DeleteHook(ctx, f.v, base, token, hookName, callback); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

// TestWebhookOfSomebodyElse: a webhook of that name delivering elsewhere is
// neither taken over nor deleted, and the failure says why.
func TestWebhookOfSomebodyElse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base, token := f.hookCreds(t)
	f.fake.SetWebhook(fakedatadog.Webhook{Name: "pagerduty", URL: "https://events.example.com/hook", EncodeAs: "json"})
	_, err := dd.EnsureHook(ctx, f.v, base, token, "pagerduty", integration.Hook{CallbackURL: callback, Secret: sourceKey}, "", false)
	if he, ok := errors.AsType[*integration.HookError](err); !ok || !strings.Contains(he.Reason, "another URL") {
		t.Fatalf("ensure over another webhook: %v", err)
	}
	if err := dd.DeleteHook(ctx, f.v, base, token, "pagerduty", callback); err != nil {
		t.Fatal(err)
	}
	if h, ok := f.fake.Webhook("pagerduty"); !ok || h.URL != "https://events.example.com/hook" {
		t.Errorf("somebody else's webhook was changed: %+v %v", h, ok)
	}
}

// TestWebhookErrorsShowNoSecret: Datadog's refusal (an application key
// without the webhooks permission) is quoted, without either key or the
// source's key; a bad name fails before any request.
func TestWebhookErrorsShowNoSecret(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base, token := f.hookCreds(t)
	f.fake.AllowWebhookWrites(false)
	_, err := dd.EnsureHook(ctx, f.v, base, token, hookName, integration.Hook{CallbackURL: callback, Secret: sourceKey}, "", false)
	he, ok := errors.AsType[*integration.HookError](err)
	if !ok || !strings.Contains(he.Reason, "Forbidden") {
		t.Fatalf("refused write: %v", err)
	}
	for _, s := range []string{apiKey, appKey, sourceKey} {
		if strings.Contains(he.Reason, s) {
			t.Errorf("reason %q shows a secret", he.Reason)
		}
	}
	before := len(f.fake.Requests())
	_, err = dd.EnsureHook(ctx, f.v, base, token, "no spaces allowed", integration.Hook{CallbackURL: callback, Secret: sourceKey}, "", false)
	if he, ok := errors.AsType[*integration.HookError](err); !ok || !strings.Contains(he.Reason, "not a Datadog webhook name") {
		t.Errorf("bad name: %v", err)
	}
	if n := len(f.fake.Requests()) - before; n != 0 {
		t.Errorf("a bad name made %d requests", n)
	}
}
