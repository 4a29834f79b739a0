package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/google/go-github/v62/github"
)

// Hook is the webhook an event source wants on a tool.
type Hook struct {
	// CallbackURL is where the tool delivers: it identifies our hook among
	// the repository's others.
	CallbackURL string
	// Secret signs the deliveries (the event source's key).
	Secret string
	// Events are the tool's event names (GitHub: push, pull_request, ...).
	Events []string
}

// HookResult says what EnsureHook did.
type HookResult struct {
	ID       string // the hook's id on the tool
	Created  bool   // there was no hook for the callback URL
	Repaired bool   // a hook we had made was missing or altered, and was fixed
	Removed  int    // duplicate hooks for the callback URL that were deleted
}

// HookError is a provisioning failure with the tool's own reason.
type HookError struct{ Reason string }

func (e *HookError) Error() string { return e.Reason }

// maxHookPages bounds the listing of a repository's hooks.
const maxHookPages = 5

// EnsureGitHubHook makes the repository's hooks hold exactly one hook for
// want.CallbackURL, with json content, want's events and secret, active. It
// looks before it creates, so a retried or interrupted provisioning never
// leaves a duplicate; extra hooks for the same URL are deleted. knownID is
// the id recorded last time ("" for none). pushSecret forces the secret to
// be written to an existing hook (GitHub never shows it, so a changed key or
// a failing signature is the only way to know it is stale).
func (v *Verifier) EnsureGitHubHook(ctx context.Context, integrationURL, token, repo string, want Hook, knownID string, pushSecret bool) (HookResult, error) {
	client, owner, err := v.githubClient(integrationURL, token)
	if err != nil {
		return HookResult{}, &HookError{Reason: err.Error()}
	}
	if owner == "" {
		return HookResult{}, &HookError{Reason: "the integration URL names no owner for repository " + repo}
	}
	ours, err := listOurHooks(ctx, client, owner, repo, want.CallbackURL)
	if err != nil {
		return HookResult{}, hookError(err, token, owner, repo, want.Secret)
	}
	config := &github.HookConfig{
		URL:         github.String(want.CallbackURL),
		ContentType: github.String("json"),
		InsecureSSL: github.String("0"),
		Secret:      github.String(want.Secret),
	}
	events := slices.Sorted(slices.Values(want.Events))
	if len(ours) == 0 {
		h, _, err := client.Repositories.CreateHook(ctx, owner, repo, &github.Hook{
			Name: github.String("web"), Active: github.Bool(true), Events: events, Config: config,
		})
		if err != nil {
			return HookResult{}, hookError(err, token, owner, repo, want.Secret)
		}
		return HookResult{ID: strconv.FormatInt(h.GetID(), 10), Created: true, Repaired: knownID != ""}, nil
	}
	// Keep the hook we know (or the oldest); delete the rest.
	keep := ours[0]
	for _, h := range ours {
		if strconv.FormatInt(h.GetID(), 10) == knownID {
			keep = h
		}
	}
	res := HookResult{ID: strconv.FormatInt(keep.GetID(), 10)}
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
		if _, _, err := client.Repositories.EditHook(ctx, owner, repo, keep.GetID(), &github.Hook{
			Active: github.Bool(true), Events: events, Config: config,
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

// DeleteGitHubHook removes every hook of the repository that delivers to
// callbackURL. A hook or repository already gone is not an error.
func (v *Verifier) DeleteGitHubHook(ctx context.Context, integrationURL, token, repo, callbackURL string) error {
	client, owner, err := v.githubClient(integrationURL, token)
	if err != nil {
		return &HookError{Reason: err.Error()}
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
func listOurHooks(ctx context.Context, client *github.Client, owner, repo, callbackURL string) ([]*github.Hook, error) {
	var ours []*github.Hook
	opts := &github.ListOptions{PerPage: 100}
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
	slices.SortFunc(ours, func(a, b *github.Hook) int { return int(a.GetID() - b.GetID()) })
	return ours, nil
}

// hookError turns a GitHub failure into a HookError whose Reason carries
// neither the token nor any of also (the hook's signing key), in any form.
func hookError(err error, token, owner, repo string, also ...string) error {
	if isNotFound(err) {
		return &HookError{Reason: fmt.Sprintf("GitHub: repository %s/%s not found, or the token cannot administer it", owner, repo)}
	}
	var he *HookError
	if errors.As(err, &he) {
		return he
	}
	return &HookError{Reason: Redact(githubReason(err, owner), token, also...)}
}
