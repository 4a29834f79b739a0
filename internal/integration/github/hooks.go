package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v62/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxHookPages bounds the listing of a repository's hooks.
const maxHookPages = 5

// EnsureHook makes the repository's hooks hold exactly one hook for
// want.CallbackURL, with json content, want's events and secret, active. It
// looks before it creates, so a retried or interrupted provisioning never
// leaves a duplicate; extra hooks for the same URL are deleted. knownID is
// the id recorded last time ("" for none). pushSecret forces the secret to
// be written to an existing hook (GitHub never shows it, so a changed key or
// a failing signature is the only way to know it is stale).
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	client, owner, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookResult{}, &integration.HookError{Reason: err.Error()}
	}
	if owner == "" {
		return integration.HookResult{}, &integration.HookError{Reason: "the integration URL names no owner for repository " + repo}
	}
	ours, err := listOurHooks(ctx, client, owner, repo, want.CallbackURL)
	if err != nil {
		return integration.HookResult{}, hookError(err, token, owner, repo, want.Secret)
	}
	config := &gh.HookConfig{
		URL:         gh.String(want.CallbackURL),
		ContentType: gh.String("json"),
		InsecureSSL: gh.String("0"),
		Secret:      gh.String(want.Secret),
	}
	events := slices.Sorted(slices.Values(want.Events))
	if len(ours) == 0 {
		h, _, err := client.Repositories.CreateHook(ctx, owner, repo, &gh.Hook{
			Name: gh.String("web"), Active: gh.Bool(true), Events: events, Config: config,
		})
		if err != nil {
			return integration.HookResult{}, hookError(err, token, owner, repo, want.Secret)
		}
		return integration.HookResult{ID: strconv.FormatInt(h.GetID(), 10), Created: true, Repaired: knownID != ""}, nil
	}
	// Keep the hook we know (or the oldest); delete the rest.
	keep := ours[0]
	for _, h := range ours {
		if strconv.FormatInt(h.GetID(), 10) == knownID {
			keep = h
		}
	}
	res := integration.HookResult{ID: strconv.FormatInt(keep.GetID(), 10)}
	for _, h := range ours {
		if h.GetID() == keep.GetID() {
			continue
		}
		if _, err := client.Repositories.DeleteHook(ctx, owner, repo, h.GetID()); err != nil && !isNotFound(err) {
			return res, hookError(err, token, owner, repo, want.Secret)
		}
		res.Removed++
	}
	have := slices.Sorted(slices.Values(keep.Events))
	drifted := !slices.Equal(have, events) || !keep.GetActive() ||
		keep.Config.GetContentType() != "json" || keep.Config.GetInsecureSSL() == "1"
	if drifted || pushSecret {
		if _, _, err := client.Repositories.EditHook(ctx, owner, repo, keep.GetID(), &gh.Hook{
			Active: gh.Bool(true), Events: events, Config: config,
		}); err != nil {
			return res, hookError(err, token, owner, repo, want.Secret)
		}
		res.Repaired = drifted
	}
	if knownID != "" && res.ID != knownID {
		res.Repaired = true
	}
	return res, nil
}

// DeleteHook removes every hook of the repository that delivers to
// callbackURL. A hook or repository already gone is not an error.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo, callbackURL string) error {
	client, owner, err := newClient(v, integrationURL, token)
	if err != nil {
		return &integration.HookError{Reason: err.Error()}
	}
	ours, err := listOurHooks(ctx, client, owner, repo, callbackURL)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return hookError(err, token, owner, repo)
	}
	for _, h := range ours {
		if _, err := client.Repositories.DeleteHook(ctx, owner, repo, h.GetID()); err != nil && !isNotFound(err) {
			return hookError(err, token, owner, repo)
		}
	}
	return nil
}

// listOurHooks returns the repository's hooks that deliver to callbackURL,
// oldest first.
func listOurHooks(ctx context.Context, client *gh.Client, owner, repo, callbackURL string) ([]*gh.Hook, error) {
	var ours []*gh.Hook
	opts := &gh.ListOptions{PerPage: 100}
	for page := 0; page < maxHookPages; page++ {
		hooks, resp, err := client.Repositories.ListHooks(ctx, owner, repo, opts)
		if err != nil {
			return nil, err
		}
		for _, h := range hooks {
			if h.Config != nil && h.Config.GetURL() == callbackURL {
				ours = append(ours, h)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	slices.SortFunc(ours, func(a, b *gh.Hook) int { return int(a.GetID() - b.GetID()) })
	return ours, nil
}

// hookError turns a GitHub failure into a HookError whose Reason carries
// neither the token nor any of also (the hook's signing key), in any form.
func hookError(err error, token, owner, repo string, also ...string) error {
	if isNotFound(err) {
		return &integration.HookError{Reason: fmt.Sprintf("GitHub: repository %s/%s not found, or the token cannot administer it", owner, repo)}
	}
	var he *integration.HookError
	if errors.As(err, &he) {
		return he
	}
	return &integration.HookError{Reason: integration.Redact(githubReason(err, owner), token, also...)}
}

// CheckHook compares the repository's hooks for want.CallbackURL with
// what EnsureHook would make, without changing anything: it only
// lists hooks. The secret cannot be compared (GitHub never shows it); a hook
// other than knownID counts as drifted, since whoever made it did not know
// the source's key. An error is a HookError: the check could not be made.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo string, want integration.Hook, knownID string) (integration.HookCheck, error) {
	client, owner, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookCheck{}, &integration.HookError{Reason: err.Error()}
	}
	if owner == "" {
		return integration.HookCheck{}, &integration.HookError{Reason: "the integration URL names no owner for repository " + repo}
	}
	ours, err := listOurHooks(ctx, client, owner, repo, want.CallbackURL)
	if err != nil {
		return integration.HookCheck{}, hookError(err, token, owner, repo)
	}
	where := owner + "/" + repo
	switch {
	case len(ours) == 0:
		return integration.HookCheck{State: integration.HookMissing, Reason: "no webhook of GitHub repository " + where + " delivers to the source"}, nil
	case len(ours) > 1:
		return integration.HookCheck{State: integration.HookDrifted, Reason: fmt.Sprintf("%d webhooks of GitHub repository %s deliver to the source: each delivery would arrive %d times", len(ours), where, len(ours))}, nil
	}
	h := ours[0]
	var diffs []string
	if id := strconv.FormatInt(h.GetID(), 10); knownID != "" && id != knownID {
		diffs = append(diffs, fmt.Sprintf("it is hook %s, not the hook %s SuperPlane made, so its secret is not the source's key", id, knownID))
	}
	have, events := slices.Sorted(slices.Values(h.Events)), slices.Sorted(slices.Values(want.Events))
	if !slices.Equal(have, events) {
		diffs = append(diffs, fmt.Sprintf("events are [%s], not [%s]", strings.Join(have, ", "), strings.Join(events, ", ")))
	}
	if !h.GetActive() {
		diffs = append(diffs, "it is inactive")
	}
	if ct := h.Config.GetContentType(); ct != "json" {
		diffs = append(diffs, fmt.Sprintf("content type is %q, not \"json\"", ct))
	}
	if h.Config.GetInsecureSSL() == "1" {
		diffs = append(diffs, "TLS verification is off")
	}
	if len(diffs) > 0 {
		return integration.HookCheck{State: integration.HookDrifted, Reason: "the webhook of GitHub repository " + where + " was altered: " + strings.Join(diffs, "; ")}, nil
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}
