package integration

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// What a read-only check of a hook observed.
const (
	HookOK      = "ok"      // the hook is there as SuperPlane made it
	HookMissing = "missing" // no hook delivers to the source
	HookDrifted = "drifted" // a hook delivers to the source but was altered or duplicated
)

// HookCheck is what a read-only look at a tool's hook found: State is
// HookOK, HookMissing or HookDrifted, Reason says what differs.
type HookCheck struct {
	State  string
	Reason string
}

// CheckGitHubHook compares the repository's hooks for want.CallbackURL with
// what EnsureGitHubHook would make, without changing anything: it only
// lists hooks. The secret cannot be compared (GitHub never shows it); a hook
// other than knownID counts as drifted, since whoever made it did not know
// the source's key. An error is a HookError: the check could not be made.
func (v *Verifier) CheckGitHubHook(ctx context.Context, integrationURL, token, repo string, want Hook, knownID string) (HookCheck, error) {
	client, owner, err := v.githubClient(integrationURL, token)
	if err != nil {
		return HookCheck{}, &HookError{Reason: err.Error()}
	}
	if owner == "" {
		return HookCheck{}, &HookError{Reason: "the integration URL names no owner for repository " + repo}
	}
	ours, err := listOurHooks(ctx, client, owner, repo, want.CallbackURL)
	if err != nil {
		return HookCheck{}, hookError(err, token, owner, repo)
	}
	where := owner + "/" + repo
	switch {
	case len(ours) == 0:
		return HookCheck{State: HookMissing, Reason: "no webhook of GitHub repository " + where + " delivers to the source"}, nil
	case len(ours) > 1:
		return HookCheck{State: HookDrifted, Reason: fmt.Sprintf("%d webhooks of GitHub repository %s deliver to the source: each delivery would arrive %d times", len(ours), where, len(ours))}, nil
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
		return HookCheck{State: HookDrifted, Reason: "the webhook of GitHub repository " + where + " was altered: " + strings.Join(diffs, "; ")}, nil
	}
	return HookCheck{State: HookOK, Reason: "ok"}, nil
}
