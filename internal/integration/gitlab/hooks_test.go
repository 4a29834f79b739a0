package gitlab_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	fakegitlab "github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

const callback = "https://superplane.example.com/api/v1/sources/src-1/gitlab"

func wantHook(events ...string) integration.Hook {
	return integration.Hook{CallbackURL: callback, Secret: "source-secret-0123456789abcdef", Events: events}
}

// TestHookProvisionedRepairedAndDeleted: a hook is created once with the
// source's token and events, found again rather than duplicated, repaired
// when it drifted or vanished, checked read-only, and deleted.
func TestHookProvisionedRepairedAndDeleted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	want := wantHook("push", "merge_request")

	res, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, "", false)
	if err != nil || !res.Created || res.Repaired || res.ID == "" {
		t.Fatalf("first ensure = %+v, %v", res, err)
	}
	hooks := f.fake.Hooks(projectPath)
	if len(hooks) != 1 {
		t.Fatalf("hooks = %+v, want one", hooks)
	}
	h := hooks[0]
	if h.URL != callback || h.Token != want.Secret || !h.EnableSSLVerification ||
		!h.Events["push_events"] || !h.Events["merge_requests_events"] || h.Events["pipeline_events"] {
		t.Errorf("hook = %+v, want the callback, the source's token, SSL on, push and merge requests only", h)
	}
	if c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID); err != nil || c.State != integration.HookOK {
		t.Errorf("check of a fresh hook = %+v, %v", c, err)
	}

	// Again: nothing changes, nothing is created.
	again, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID, false)
	if err != nil || again.Created || again.Repaired || again.ID != res.ID || len(f.fake.Hooks(projectPath)) != 1 {
		t.Fatalf("second ensure = %+v, %v; hooks %+v", again, err, f.fake.Hooks(projectPath))
	}

	// Someone turns SSL verification off and adds pipeline events.
	id, _ := strconv.Atoi(res.ID)
	f.fake.EditHook(projectPath, id, func(h *fakegitlab.Hook) {
		h.EnableSSLVerification = false
		h.Events["pipeline_events"] = true
	})
	c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID)
	if err != nil || c.State != integration.HookDrifted || !strings.Contains(c.Reason, "SSL verification is off") || !strings.Contains(c.Reason, "pipeline") {
		t.Errorf("check of a drifted hook = %+v, %v", c, err)
	}
	if h := f.fake.Hooks(projectPath)[0]; h.EnableSSLVerification {
		t.Error("the check changed the hook")
	}
	fixed, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID, false)
	if err != nil || !fixed.Repaired || fixed.ID != res.ID {
		t.Fatalf("repair = %+v, %v", fixed, err)
	}
	if h := f.fake.Hooks(projectPath)[0]; !h.EnableSSLVerification || h.Events["pipeline_events"] || h.Token != want.Secret {
		t.Errorf("repaired hook = %+v", h)
	}

	// The hook is deleted on GitLab: the check says so, ensure recreates it.
	f.fake.RemoveHook(projectPath, id)
	if c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID); err != nil || c.State != integration.HookMissing {
		t.Errorf("check of a missing hook = %+v, %v", c, err)
	}
	re, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID, false)
	if err != nil || !re.Created || !re.Repaired {
		t.Fatalf("recreate = %+v, %v", re, err)
	}

	// A Developer may not manage hooks: the role is named, nothing changes.
	dev, err := gl.EnsureHook(ctx, f.v, instanceURL, developerToken, projectPath, wantHook("push"), re.ID, false)
	if err == nil || !strings.Contains(err.Error(), "Developer access") || !strings.Contains(err.Error(), "Maintainer") {
		t.Errorf("ensure with a developer's token = %+v, %v; want the roles named", dev, err)
	}

	if err := gl.DeleteHook(ctx, f.v, instanceURL, maintainerToken, projectPath, callback); err != nil {
		t.Fatal(err)
	}
	if hooks := f.fake.Hooks(projectPath); len(hooks) != 0 {
		t.Errorf("hooks after delete = %+v", hooks)
	}
	// Gone already, or the project gone: not an error.
	if err := gl.DeleteHook(ctx, f.v, instanceURL, maintainerToken, projectPath, callback); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if err := gl.DeleteHook(ctx, f.v, instanceURL, maintainerToken, "acme/gone", callback); err != nil {
		t.Errorf("delete in a missing project: %v", err)
	}
}

// TestHookDuplicatesRemoved: two hooks deliver to the source (a retried
// create, or a copy made by hand): the check says each delivery would
// arrive twice, and ensure keeps the known one and deletes the other.
func TestHookDuplicatesRemoved(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	want := wantHook("push")
	first, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	// A second hook for the callback, made as a user would.
	if _, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, integration.Hook{CallbackURL: callback + "-x", Secret: "x", Events: []string{"push"}}, "", false); err != nil {
		t.Fatal(err)
	}
	hooks := f.fake.Hooks(projectPath)
	f.fake.EditHook(projectPath, hooks[1].ID, func(h *fakegitlab.Hook) { h.URL = callback })

	c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, first.ID)
	if err != nil || c.State != integration.HookDrifted || !strings.Contains(c.Reason, "2 webhooks") {
		t.Errorf("check = %+v, %v", c, err)
	}
	res, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, first.ID, false)
	if err != nil || res.ID != first.ID || res.Removed != 1 {
		t.Fatalf("ensure = %+v, %v", res, err)
	}
	if hooks := f.fake.Hooks(projectPath); len(hooks) != 1 || strconv.Itoa(hooks[0].ID) != first.ID {
		t.Errorf("hooks = %+v, want only %s", hooks, first.ID)
	}
}

// TestHookFailuresNameTheReason: a project the token cannot see, an event
// GitLab has no flag for, and a bad token fail with words a user can act
// on and never show the token or the secret.
func TestHookFailuresNameTheReason(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, token, project string
		hook                 integration.Hook
		want                 string
	}{
		{"missing project", maintainerToken, "acme/other", wantHook("push"), "project acme/other not found, or the token cannot see it"},
		{"unknown event", maintainerToken, projectPath, wantHook("pull_request"), `GitLab has no webhook event "pull_request"`},
		{"bad token", "glpat-bad-token-0000000", projectPath, wantHook("push"), "401 Unauthorized"},
	} {
		_, err := gl.EnsureHook(ctx, f.v, instanceURL, c.token, c.project, c.hook, "", false)
		var he *integration.HookError
		if err == nil || !asHookError(err, &he) || !strings.Contains(he.Reason, c.want) {
			t.Errorf("%s: %v, want a HookError with %q", c.name, err, c.want)
			continue
		}
		if strings.Contains(he.Reason, c.token) || strings.Contains(he.Reason, c.hook.Secret) {
			t.Errorf("%s: reason %q shows a credential", c.name, he.Reason)
		}
	}
	if hooks := f.fake.Hooks(projectPath); len(hooks) != 0 {
		t.Errorf("hooks = %+v, want none", hooks)
	}
}

func asHookError(err error, target **integration.HookError) bool {
	he, ok := err.(*integration.HookError) //nolint:errorlint // the type returns it unwrapped, which is part of the contract
	*target = he
	return ok
}

// TestHookSecretPushed: after a key reset the hook gets the new secret
// token (GitLab never shows it, so it is written when asked), and nothing
// else changes or counts as a repair.
func TestHookSecretPushed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	want := wantHook("push")
	first, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	want.Secret = "rotated-secret-fedcba9876543210"
	res, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, first.ID, true)
	if err != nil || res.Created || res.Repaired || res.ID != first.ID {
		t.Fatalf("ensure with a new secret = %+v, %v", res, err)
	}
	if h := f.fake.Hooks(projectPath); len(h) != 1 || h[0].Token != want.Secret {
		t.Errorf("hooks = %+v, want one with the new token", h)
	}
}

// TestHookDisabledByGitLabReplaced: GitLab disables a hook whose deliveries
// fail four times in a row (here the receiver answered 401); nothing
// arrives through it any more. The check says so in words, and ensure
// replaces it with a new, enabled hook carrying the source's token, through
// which deliveries arrive again.
func TestHookDisabledByGitLabReplaced(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var answer atomic.Int32
	answer.Store(http.StatusUnauthorized)
	var got atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(int(answer.Load()))
	}))
	t.Cleanup(receiver.Close)
	want := integration.Hook{CallbackURL: receiver.URL + "/api/v1/sources/src-1/gitlab", Secret: "source-secret-0123456789abcdef", Events: []string{"push"}}
	first, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		f.fake.Deliver(projectPath, "Push Hook", []byte(`{"object_kind":"push"}`), "")
	}
	if d := f.fake.Deliver(projectPath, "Push Hook", []byte(`{"object_kind":"push"}`), ""); len(d) != 0 || got.Load() != 4 {
		t.Fatalf("after four failures GitLab should stop delivering: %d more deliveries, %d received", len(d), got.Load())
	}

	c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, first.ID)
	if err != nil || c.State != integration.HookDrifted || !strings.Contains(c.Reason, "GitLab disabled it after its deliveries failed") {
		t.Fatalf("check of a disabled hook = %+v, %v", c, err)
	}

	answer.Store(http.StatusOK)
	res, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, first.ID, false)
	if err != nil || !res.Created || !res.Repaired || res.Removed != 1 || res.ID == first.ID {
		t.Fatalf("ensure of a disabled hook = %+v, %v: want it replaced", res, err)
	}
	hooks := f.fake.Hooks(projectPath)
	if len(hooks) != 1 || strconv.Itoa(hooks[0].ID) != res.ID || hooks[0].Token != want.Secret {
		t.Fatalf("hooks = %+v, want only the new one with the source's token", hooks)
	}
	if d := f.fake.Deliver(projectPath, "Push Hook", []byte(`{"object_kind":"push"}`), ""); len(d) != 1 || d[0].Status != http.StatusOK {
		t.Fatalf("a delivery through the new hook: %+v", d)
	}
	if c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, res.ID); err != nil || c.State != integration.HookOK {
		t.Errorf("check of the new hook = %+v, %v", c, err)
	}
}

// TestHookTemporarilyDisabled: a receiver answering 5xx gets the hook
// disabled for a while; the check names until when.
func TestHookTemporarilyDisabled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(receiver.Close)
	want := integration.Hook{CallbackURL: receiver.URL + "/hook", Secret: "source-secret-0123456789abcdef", Events: []string{"push"}}
	first, err := gl.EnsureHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		f.fake.Deliver(projectPath, "Push Hook", []byte(`{}`), "")
	}
	c, err := gl.CheckHook(ctx, f.v, instanceURL, maintainerToken, projectPath, want, first.ID)
	if err != nil || c.State != integration.HookDrifted || !strings.Contains(c.Reason, "GitLab disabled it until ") {
		t.Fatalf("check of a temporarily disabled hook = %+v, %v", c, err)
	}
}
