package gitlab

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// hookEventFields maps the event names a gitlab source takes to the flag of
// a project hook that subscribes to them. A name is the X-Gitlab-Event
// header of its deliveries, lower-cased, without " Hook", with underscores
// ("Merge Request Hook" is merge_request), which is the event type the
// receiver gives a delivery.
var hookEventFields = map[string]string{
	"push":               "push_events",
	"tag_push":           "tag_push_events",
	"merge_request":      "merge_requests_events",
	"issue":              "issues_events",
	"confidential_issue": "confidential_issues_events",
	"note":               "note_events",
	"confidential_note":  "confidential_note_events",
	"job":                "job_events",
	"pipeline":           "pipeline_events",
	"wiki_page":          "wiki_page_events",
	"deployment":         "deployment_events",
	"release":            "releases_events",
	"feature_flag":       "feature_flag_events",
	"emoji":              "emoji_events",
}

// EventNames lists the event names a gitlab source may subscribe to,
// sorted.
func EventNames() []string { return slices.Sorted(maps.Keys(hookEventFields)) }

// maxHookPages bounds the listing of a project's hooks (100 a page).
const maxHookPages = 5

// hookJSON is a project hook as GitLab shows it: never its token.
type hookJSON struct {
	ID                     int64           `json:"id"`
	URL                    string          `json:"url"`
	EnableSSLVerification  *bool           `json:"enable_ssl_verification"`
	PushEventsBranchFilter string          `json:"push_events_branch_filter"`
	Flags                  map[string]bool `json:"-"`
	// AlertStatus is GitLab's verdict on a hook whose deliveries failed
	// ("executable", "temporarily_disabled" until DisabledUntil, or
	// "disabled"); GitLab sends nothing through a disabled hook.
	AlertStatus   string
	DisabledUntil string
}

// disabled says in words why GitLab no longer delivers through h, or "".
func (h hookJSON) disabled() string {
	switch h.AlertStatus {
	case "disabled":
		return "GitLab disabled it after its deliveries failed"
	case "temporarily_disabled":
		until := ""
		if h.DisabledUntil != "" {
			until = " until " + integration.Printable(h.DisabledUntil)
		}
		return "GitLab disabled it" + until + " after its deliveries failed"
	}
	return ""
}

// hooksPage decodes a page of hooks with their event flags.
func decodeHooks(raw []map[string]any) []hookJSON {
	out := make([]hookJSON, 0, len(raw))
	for _, m := range raw {
		h := hookJSON{Flags: map[string]bool{}}
		if n, ok := integration.Number(m["id"]); ok {
			h.ID = int64(n)
		}
		h.URL, _ = m["url"].(string)
		if b, ok := m["enable_ssl_verification"].(bool); ok {
			h.EnableSSLVerification = &b
		}
		h.PushEventsBranchFilter, _ = m["push_events_branch_filter"].(string)
		h.AlertStatus, _ = m["alert_status"].(string)
		h.DisabledUntil, _ = m["disabled_until"].(string)
		for _, field := range hookEventFields {
			if b, ok := m[field].(bool); ok {
				h.Flags[field] = b
			}
		}
		out = append(out, h)
	}
	return out
}

// hookBody is what SuperPlane writes to a hook: the callback URL, the
// token GitLab sends back as X-Gitlab-Token (when secret is not ""), TLS
// verification on, no branch filter, and every event flag, true exactly
// for events.
func hookBody(callbackURL, secret string, events []string) map[string]any {
	body := map[string]any{"url": callbackURL, "enable_ssl_verification": true, "push_events_branch_filter": ""}
	for _, field := range hookEventFields {
		body[field] = false
	}
	for _, e := range events {
		body[hookEventFields[e]] = true
	}
	if secret != "" {
		body["token"] = secret
	}
	return body
}

// checkEvents refuses an event name GitLab has no hook flag for, naming
// the ones it has.
func checkEvents(events []string) error {
	for _, e := range events {
		if _, ok := hookEventFields[e]; !ok {
			return &integration.HookError{Reason: fmt.Sprintf("GitLab has no webhook event %q: use %s",
				integration.Printable(e), strings.Join(EventNames(), ", "))}
		}
	}
	return nil
}

// differences lists how h differs from a hook for events, in words.
func differences(h hookJSON, events []string) []string {
	var diffs []string
	var have []string
	for name, field := range hookEventFields {
		if h.Flags[field] {
			have = append(have, name)
		}
	}
	slices.Sort(have)
	want := slices.Sorted(slices.Values(events))
	if !slices.Equal(have, want) {
		diffs = append(diffs, fmt.Sprintf("events are [%s], not [%s]", strings.Join(have, ", "), strings.Join(want, ", ")))
	}
	if h.EnableSSLVerification != nil && !*h.EnableSSLVerification {
		diffs = append(diffs, "SSL verification is off")
	}
	if h.PushEventsBranchFilter != "" {
		diffs = append(diffs, fmt.Sprintf("pushes are filtered to branches %q", integration.Printable(h.PushEventsBranchFilter)))
	}
	if why := h.disabled(); why != "" {
		diffs = append(diffs, why)
	}
	return diffs
}

// listOurHooks returns the project's hooks that deliver to callbackURL,
// oldest first.
func (c *client) listOurHooks(ctx context.Context, name, callbackURL string) ([]hookJSON, error) {
	var ours []hookJSON
	for page := 1; page <= maxHookPages; page++ {
		var raw []map[string]any
		hdr, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/projects/%s/hooks?per_page=100&page=%d", project(name), page), nil, &raw)
		if err != nil {
			return nil, err
		}
		for _, h := range decodeHooks(raw) {
			if h.URL == callbackURL {
				ours = append(ours, h)
			}
		}
		if hdr.Get("X-Next-Page") == "" || len(raw) == 0 {
			break
		}
	}
	slices.SortFunc(ours, func(a, b hookJSON) int { return int(a.ID - b.ID) })
	return ours, nil
}

// hookPath is the API path of a hook of the project.
func hookPath(name string, id int64) string {
	return "/projects/" + project(name) + "/hooks/" + strconv.FormatInt(id, 10)
}

// hookError is a HookError whose Reason carries neither the token nor any
// of also (the hook's secret), in any form.
func hookError(err error, token string, also ...string) error {
	return &integration.HookError{Reason: describe(err, token, also...)}
}

// EnsureHook makes the project's hooks hold exactly one hook for
// want.CallbackURL, subscribed to exactly want.Events, with TLS
// verification on and want.Secret as its token. It first reads the project
// (the token's user must be a Maintainer to manage hooks), then looks
// before it creates, so a retried or interrupted provisioning never leaves
// a duplicate; extra hooks for the same URL are deleted, and so is one GitLab
// disabled after failed deliveries (a new one replaces it). GitLab never shows
// a hook's token, so it is written on create, on a repair and when
// pushSecret asks for it (a changed key).
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, name string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookResult{}, &integration.HookError{Reason: err.Error()}
	}
	switch {
	case strings.TrimSpace(name) == "":
		return integration.HookResult{}, &integration.HookError{Reason: "no GitLab project given for the webhook"}
	case want.CallbackURL == "":
		return integration.HookResult{}, &integration.HookError{Reason: "no callback URL given for the GitLab webhook"}
	case want.Secret == "":
		return integration.HookResult{}, &integration.HookError{Reason: "no secret token given for the GitLab webhook"}
	}
	if err := checkEvents(want.Events); err != nil {
		return integration.HookResult{}, err
	}
	if err := c.checkProject(ctx, name, accessMaintainer, "manage its webhooks"); err != nil {
		return integration.HookResult{}, hookError(err, token, want.Secret)
	}
	ours, err := c.listOurHooks(ctx, name, want.CallbackURL)
	if err != nil {
		return integration.HookResult{}, hookError(err, token, want.Secret)
	}
	body := hookBody(want.CallbackURL, want.Secret, want.Events)
	res := integration.HookResult{}
	if len(ours) > 0 {
		// Keep the hook we know (or the oldest); delete the rest.
		keep := ours[0]
		for _, h := range ours {
			if strconv.FormatInt(h.ID, 10) == knownID {
				keep = h
			}
		}
		for _, h := range ours {
			if h.ID == keep.ID && keep.disabled() == "" {
				continue
			}
			// A hook GitLab disabled goes too: its API has no call that
			// enables one again (only a test delivery, which would start
			// the source's stages), and a new hook starts enabled. Should
			// the cause remain, the next failures disable the new one and
			// the check says so again.
			if _, err := c.do(ctx, http.MethodDelete, hookPath(name, h.ID), nil, nil); err != nil && statusOf(err) != http.StatusNotFound {
				return res, hookError(err, token, want.Secret)
			}
			res.Removed++
		}
		if keep.disabled() == "" {
			return c.updateHook(ctx, name, token, keep, knownID, want, body, pushSecret, res)
		}
	}
	var created hookJSON
	if _, err := c.do(ctx, http.MethodPost, "/projects/"+project(name)+"/hooks", body, &created); err != nil {
		return res, hookError(err, token, want.Secret)
	}
	res.ID, res.Created, res.Repaired = strconv.FormatInt(created.ID, 10), true, knownID != "" || len(ours) > 0
	return res, nil
}

// updateHook writes body to keep when it drifted, when pushSecret asks for
// it, or when it is not the hook SuperPlane made (its token is nobody's).
func (c *client) updateHook(ctx context.Context, name, token string, keep hookJSON, knownID string, want integration.Hook, body map[string]any, pushSecret bool, res integration.HookResult) (integration.HookResult, error) {
	res.ID = strconv.FormatInt(keep.ID, 10)
	foreign := knownID != "" && res.ID != knownID
	drifted := len(differences(keep, want.Events)) > 0
	if drifted || pushSecret || foreign {
		if _, err := c.do(ctx, http.MethodPut, hookPath(name, keep.ID), body, nil); err != nil {
			return res, hookError(err, token, want.Secret)
		}
	}
	res.Repaired = drifted || foreign
	return res, nil
}

// DeleteHook removes every hook of the project that delivers to
// callbackURL. A hook or project already gone is not an error.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, name, callbackURL string) error {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return &integration.HookError{Reason: err.Error()}
	}
	ours, err := c.listOurHooks(ctx, name, callbackURL)
	if statusOf(err) == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return hookError(fmt.Errorf("cannot list the webhooks of project %s: %w", integration.Printable(name), err), token)
	}
	for _, h := range ours {
		if _, err := c.do(ctx, http.MethodDelete, hookPath(name, h.ID), nil, nil); err != nil && statusOf(err) != http.StatusNotFound {
			return hookError(fmt.Errorf("cannot delete webhook %d of project %s: %w", h.ID, integration.Printable(name), err), token)
		}
	}
	return nil
}

// CheckHook compares the project's hooks for want.CallbackURL with what
// EnsureHook would make, without changing anything: it only lists hooks.
// The token cannot be compared (GitLab never shows it); a hook other than
// knownID counts as drifted, since whoever made it did not know the
// source's secret. An error is a HookError: the check could not be made.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, name string, want integration.Hook, knownID string) (integration.HookCheck, error) {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookCheck{}, &integration.HookError{Reason: err.Error()}
	}
	ours, err := c.listOurHooks(ctx, name, want.CallbackURL)
	if statusOf(err) == http.StatusNotFound {
		return integration.HookCheck{}, &integration.HookError{Reason: fmt.Sprintf("GitLab: project %s not found, or the token cannot see it", integration.Printable(name))}
	}
	if err != nil {
		return integration.HookCheck{}, hookError(err, token)
	}
	where := integration.Printable(name)
	switch {
	case len(ours) == 0:
		return integration.HookCheck{State: integration.HookMissing, Reason: "no webhook of GitLab project " + where + " delivers to the source"}, nil
	case len(ours) > 1:
		return integration.HookCheck{State: integration.HookDrifted, Reason: fmt.Sprintf("%d webhooks of GitLab project %s deliver to the source: each delivery would arrive %d times", len(ours), where, len(ours))}, nil
	}
	h := ours[0]
	var diffs []string
	if id := strconv.FormatInt(h.ID, 10); knownID != "" && id != knownID {
		diffs = append(diffs, fmt.Sprintf("it is hook %s, not the hook %s SuperPlane made, so its secret token is not the source's", id, knownID))
	}
	diffs = append(diffs, differences(h, want.Events)...)
	if len(diffs) > 0 {
		return integration.HookCheck{State: integration.HookDrifted, Reason: "the webhook of GitLab project " + where + " was altered: " + strings.Join(diffs, "; ")}, nil
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}
