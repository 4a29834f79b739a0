package bitbucket

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxHookPages bounds the listing of a repository's webhooks (100 a page).
const maxHookPages = 5

// hookDescription names SuperPlane's hooks on the repository's settings
// page. Hooks are told apart by their URL, not by it.
const hookDescription = "SuperPlane event source"

// hookJSON is a repository webhook as Bitbucket documents it. Bitbucket
// never shows the secret; secret_set says whether there is one.
type hookJSON struct {
	UUID        string   `json:"uuid"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Active      bool     `json:"active"`
	Events      []string `json:"events"`
	SecretSet   bool     `json:"secret_set"`
	SkipCert    bool     `json:"skip_cert_verification"`
}

// hookBody is what SuperPlane writes to a hook: the secret is always sent,
// since Bitbucket keeps the previous one when it is left out.
type hookBody struct {
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Active      bool     `json:"active"`
	Events      []string `json:"events"`
	Secret      string   `json:"secret"`
	SkipCert    bool     `json:"skip_cert_verification"`
}

// EnsureHook makes the repository's webhooks hold exactly one hook for
// want.CallbackURL, active, with want's events and secret and certificate
// verification on. It looks before it creates, so a retried or interrupted
// provisioning never leaves a duplicate; extra hooks for the same URL are
// deleted. knownID is the hook's uuid recorded last time ("" for none).
// pushSecret forces the secret to be written to an existing hook (Bitbucket
// never shows it, so a changed key is the only way to know it is stale).
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	ws, err := api.BitbucketWorkspace(integrationURL)
	if err != nil {
		return integration.HookResult{}, &integration.HookError{Reason: err.Error()}
	}
	c := newClient(v, token)
	ours, err := listOurHooks(ctx, c, ws, repo, want.CallbackURL)
	if err != nil {
		return integration.HookResult{}, hookError(err, token, ws, repo, want.Secret)
	}
	events := slices.Sorted(slices.Values(want.Events))
	body := hookBody{Description: hookDescription, URL: want.CallbackURL, Active: true, Events: events, Secret: want.Secret}
	if len(ours) == 0 {
		var created hookJSON
		if err := c.do(ctx, http.MethodPost, repoPath(ws, repo, "/hooks"), body, &created); err != nil {
			return integration.HookResult{}, hookError(err, token, ws, repo, want.Secret)
		}
		if created.UUID == "" {
			return integration.HookResult{}, &integration.HookError{Reason: fmt.Sprintf("Bitbucket created a webhook on repository %s/%s but gave no uuid", ws, repo)}
		}
		return integration.HookResult{ID: created.UUID, Created: true, Repaired: knownID != ""}, nil
	}
	// Keep the hook we know (or the first listed); delete the rest.
	keep := ours[0]
	for _, h := range ours {
		if sameUUID(h.UUID, knownID) {
			keep = h
		}
	}
	res := integration.HookResult{ID: keep.UUID}
	for _, h := range ours {
		if h.UUID == keep.UUID {
			continue
		}
		if err := c.do(ctx, http.MethodDelete, hookPath(ws, repo, h.UUID), nil, nil); err != nil && statusOf(err) != http.StatusNotFound {
			return res, hookError(err, token, ws, repo, want.Secret)
		}
		res.Removed++
	}
	drifted := len(hookDiffs(keep, events)) > 0
	if drifted || pushSecret {
		if err := c.do(ctx, http.MethodPut, hookPath(ws, repo, keep.UUID), body, nil); err != nil {
			return res, hookError(err, token, ws, repo, want.Secret)
		}
		res.Repaired = drifted
	}
	if knownID != "" && !sameUUID(res.ID, knownID) {
		res.Repaired = true
	}
	return res, nil
}

// CheckHook compares the repository's webhooks for want.CallbackURL with
// what EnsureHook would make, without changing anything: it only lists
// hooks. The secret itself cannot be compared (Bitbucket shows only whether
// there is one); a hook other than knownID counts as drifted, since whoever
// made it did not know the source's key.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo string, want integration.Hook, knownID string) (integration.HookCheck, error) {
	ws, err := api.BitbucketWorkspace(integrationURL)
	if err != nil {
		return integration.HookCheck{}, &integration.HookError{Reason: err.Error()}
	}
	ours, err := listOurHooks(ctx, newClient(v, token), ws, repo, want.CallbackURL)
	if err != nil {
		return integration.HookCheck{}, hookError(err, token, ws, repo)
	}
	where := ws + "/" + repo
	switch {
	case len(ours) == 0:
		return integration.HookCheck{State: integration.HookMissing, Reason: "no webhook of Bitbucket repository " + where + " delivers to the source"}, nil
	case len(ours) > 1:
		return integration.HookCheck{State: integration.HookDrifted, Reason: fmt.Sprintf("%d webhooks of Bitbucket repository %s deliver to the source: each delivery would arrive %d times", len(ours), where, len(ours))}, nil
	}
	h := ours[0]
	diffs := hookDiffs(h, slices.Sorted(slices.Values(want.Events)))
	if knownID != "" && !sameUUID(h.UUID, knownID) {
		diffs = append([]string{fmt.Sprintf("it is hook %s, not the hook %s SuperPlane made, so its secret is not the source's key", integration.Printable(h.UUID), integration.Printable(knownID))}, diffs...)
	}
	if len(diffs) > 0 {
		return integration.HookCheck{State: integration.HookDrifted, Reason: "the webhook of Bitbucket repository " + where + " was altered: " + strings.Join(diffs, "; ")}, nil
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}

// DeleteHook removes every webhook of the repository that delivers to
// callbackURL. A hook or repository already gone is not an error.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo, callbackURL string) error {
	ws, err := api.BitbucketWorkspace(integrationURL)
	if err != nil {
		return &integration.HookError{Reason: err.Error()}
	}
	c := newClient(v, token)
	ours, err := listOurHooks(ctx, c, ws, repo, callbackURL)
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return nil
		}
		return hookError(err, token, ws, repo)
	}
	for _, h := range ours {
		if err := c.do(ctx, http.MethodDelete, hookPath(ws, repo, h.UUID), nil, nil); err != nil && statusOf(err) != http.StatusNotFound {
			return hookError(err, token, ws, repo)
		}
	}
	return nil
}

// hookDiffs says how h differs from a hook SuperPlane made with events
// (sorted).
func hookDiffs(h hookJSON, events []string) []string {
	var diffs []string
	if have := slices.Sorted(slices.Values(h.Events)); !slices.Equal(have, events) {
		diffs = append(diffs, fmt.Sprintf("events are [%s], not [%s]", integration.Printable(strings.Join(have, ", ")), strings.Join(events, ", ")))
	}
	if !h.Active {
		diffs = append(diffs, "it is inactive")
	}
	if !h.SecretSet {
		diffs = append(diffs, "it has no secret, so its deliveries are unsigned")
	}
	if h.SkipCert {
		diffs = append(diffs, "TLS certificate verification is off")
	}
	return diffs
}

// listOurHooks returns the repository's webhooks that deliver to
// callbackURL, in Bitbucket's order.
func listOurHooks(ctx context.Context, c client, ws, repo, callbackURL string) ([]hookJSON, error) {
	var ours []hookJSON
	for page := 1; page <= maxHookPages; page++ {
		var got struct {
			Values []hookJSON `json:"values"`
			Next   string     `json:"next"`
		}
		if err := c.do(ctx, http.MethodGet, repoPath(ws, repo, "/hooks?pagelen=100&page="+strconv.Itoa(page)), nil, &got); err != nil {
			return nil, err
		}
		for _, h := range got.Values {
			if h.URL == callbackURL && h.UUID != "" {
				ours = append(ours, h)
			}
		}
		if got.Next == "" {
			break
		}
	}
	return ours, nil
}

// hookPath is the API path of one webhook; Bitbucket's uuids carry braces,
// which are escaped in the path.
func hookPath(ws, repo, uuid string) string {
	return repoPath(ws, repo, "/hooks/"+url.PathEscape(uuid))
}

// sameUUID compares two uuids with or without their braces, without case.
func sameUUID(a, b string) bool {
	trim := func(s string) string { return strings.ToLower(strings.Trim(s, "{}")) }
	return a != "" && trim(a) == trim(b)
}

// hookError turns a Bitbucket failure into a HookError whose Reason carries
// neither the credential nor any of also (the hook's signing key), in any
// form.
func hookError(err error, token, ws, repo string, also ...string) error {
	var reason string
	switch statusOf(err) {
	case http.StatusNotFound:
		reason = fmt.Sprintf("Bitbucket: repository %s/%s not found, or the credential cannot administer its webhooks", ws, integration.Printable(repo))
	case http.StatusForbidden:
		reason = fmt.Sprintf("Bitbucket: the credential may not manage the webhooks of repository %s/%s (it needs admin permission and the webhook scope): %s", ws, integration.Printable(repo), err)
	default:
		reason = verifyReason(err, ws)
	}
	return &integration.HookError{Reason: redact(reason, token, also...)}
}
