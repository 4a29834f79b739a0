package azuredevops

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// A source's hook on Azure DevOps is one service hook subscription per
// event type (a subscription hears one), each delivering to the source's
// callback URL with the webHooks consumer's httpRequest action and the
// source's key in a header. The hook's id is the subscriptions' ids, in
// the order of the events, joined with commas.
const (
	consumerID       = "webHooks"
	consumerActionID = "httpRequest"
	// statusEnabled is the status of a subscription that delivers.
	statusEnabled = "enabled"
)

// subscriptionJSON is a service hook subscription as Azure DevOps
// documents it. Confidential consumer inputs (httpHeaders) read back
// masked, so the key cannot be compared.
type subscriptionJSON struct {
	ID               string            `json:"id,omitempty"`
	Status           string            `json:"status,omitempty"`
	PublisherID      string            `json:"publisherId"`
	EventType        string            `json:"eventType"`
	ResourceVersion  string            `json:"resourceVersion,omitempty"`
	ConsumerID       string            `json:"consumerId"`
	ConsumerActionID string            `json:"consumerActionId"`
	PublisherInputs  map[string]string `json:"publisherInputs"`
	ConsumerInputs   map[string]string `json:"consumerInputs"`
}

// publisherOf is the publisher of an event type: Azure Pipelines' own
// events (ms.vss-pipelines.*) come from "pipelines", the others (git.*,
// build.*, workitem.*) from "tfs".
func publisherOf(eventType string) (publisher, resourceVersion string) {
	if strings.HasPrefix(eventType, "ms.vss-pipelines.") {
		return "pipelines", "5.1-preview.1"
	}
	return "tfs", "1.0"
}

// wantSubscription is the subscription SuperPlane makes for one event.
func wantSubscription(projectID, eventType string, want integration.Hook) subscriptionJSON {
	pub, ver := publisherOf(eventType)
	return subscriptionJSON{
		PublisherID: pub, EventType: eventType, ResourceVersion: ver,
		ConsumerID: consumerID, ConsumerActionID: consumerActionID,
		PublisherInputs: map[string]string{"projectId": projectID},
		ConsumerInputs: map[string]string{
			"url":         want.CallbackURL,
			"httpHeaders": api.AzureDevOpsTokenHeader + ": " + want.Secret,
		},
	}
}

// hookSet is what an organization holds for one callback URL: its
// subscriptions by event type.
type hookSet map[string][]subscriptionJSON

// EnsureHook makes the organization hold exactly one enabled subscription
// per wanted event of the project, delivering to want.CallbackURL with the
// source's key; subscriptions to the URL for other events, and duplicates,
// are deleted. It looks before it creates, so a retried provisioning never
// leaves a duplicate. pushSecret rewrites every kept subscription (the key
// reads back masked, so a changed key is the only way to know it is
// stale).
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookResult{}, &integration.HookError{Reason: err.Error()}
	}
	projectID, err := c.projectID(ctx, project)
	if err != nil {
		return integration.HookResult{}, hookError(err, token, c.org, project, want.Secret)
	}
	set, err := c.listOurs(ctx, want.CallbackURL)
	if err != nil {
		return integration.HookResult{}, hookError(err, token, c.org, project, want.Secret)
	}
	events := wantedEvents(want.Events)
	known := strings.Split(knownID, ",")
	var res integration.HookResult
	existed := len(set) > 0
	ids := make([]string, 0, len(events))
	for _, ev := range events {
		body := wantSubscription(projectID, ev, want)
		subs := set[ev]
		if len(subs) == 0 {
			var created subscriptionJSON
			if err := c.do(ctx, http.MethodPost, "/_apis/hooks/subscriptions", body, &created); err != nil {
				return res, hookError(err, token, c.org, project, want.Secret)
			}
			if created.ID == "" {
				return res, &integration.HookError{Reason: "Azure DevOps created a service hook subscription but gave no id"}
			}
			ids = append(ids, created.ID)
			if existed {
				res.Repaired = true
			}
			continue
		}
		keep := subs[0]
		for _, s := range subs {
			if slices.Contains(known, s.ID) {
				keep = s
			}
		}
		for _, s := range subs {
			if s.ID != keep.ID {
				if err := c.deleteSubscription(ctx, s.ID); err != nil {
					return res, hookError(err, token, c.org, project, want.Secret)
				}
				res.Removed++
			}
		}
		drifted := len(subscriptionDiffs(keep, projectID)) > 0
		if drifted || pushSecret {
			body.ID = keep.ID
			if err := c.do(ctx, http.MethodPut, "/_apis/hooks/subscriptions/"+url.PathEscape(keep.ID), body, nil); err != nil {
				return res, hookError(err, token, c.org, project, want.Secret)
			}
			res.Repaired = res.Repaired || drifted
		}
		ids = append(ids, keep.ID)
	}
	// Subscriptions to the source for events it no longer wants.
	for ev, subs := range set {
		if slices.Contains(events, ev) {
			continue
		}
		for _, s := range subs {
			if err := c.deleteSubscription(ctx, s.ID); err != nil {
				return res, hookError(err, token, c.org, project, want.Secret)
			}
			res.Removed++
		}
	}
	res.ID = strings.Join(ids, ",")
	res.Created = !existed
	if knownID != "" && res.ID != knownID {
		res.Repaired = true
	}
	return res, nil
}

// CheckHook compares the organization's subscriptions to want.CallbackURL
// with what EnsureHook would make, without changing anything. The key
// itself cannot be compared (it reads back masked); a subscription other
// than the ones in knownID counts as drifted, since whoever made it did not
// know the source's key.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project string, want integration.Hook, knownID string) (integration.HookCheck, error) {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return integration.HookCheck{}, &integration.HookError{Reason: err.Error()}
	}
	projectID, err := c.projectID(ctx, project)
	if err != nil {
		return integration.HookCheck{}, hookError(err, token, c.org, project)
	}
	set, err := c.listOurs(ctx, want.CallbackURL)
	if err != nil {
		return integration.HookCheck{}, hookError(err, token, c.org, project)
	}
	where := c.org + "/" + integration.Printable(project)
	if len(set) == 0 {
		return integration.HookCheck{State: integration.HookMissing, Reason: "no service hook subscription of Azure DevOps project " + where + " delivers to the source"}, nil
	}
	events := wantedEvents(want.Events)
	known := strings.Split(knownID, ",")
	var diffs []string
	for _, ev := range events {
		subs := set[ev]
		switch {
		case len(subs) == 0:
			diffs = append(diffs, fmt.Sprintf("no subscription for %s", ev))
			continue
		case len(subs) > 1:
			diffs = append(diffs, fmt.Sprintf("%d subscriptions for %s: each event would arrive %d times", len(subs), ev, len(subs)))
		}
		s := subs[0]
		if knownID != "" && !slices.Contains(known, s.ID) {
			diffs = append(diffs, fmt.Sprintf("the subscription for %s is %s, not one SuperPlane made, so its header is not the source's key", ev, integration.Printable(s.ID)))
		}
		for _, d := range subscriptionDiffs(s, projectID) {
			diffs = append(diffs, ev+": "+d)
		}
	}
	for _, ev := range sortedKeys(set) {
		if !slices.Contains(events, ev) {
			diffs = append(diffs, fmt.Sprintf("a subscription for %s, which the source does not hear", integration.Printable(ev)))
		}
	}
	if len(diffs) > 0 {
		return integration.HookCheck{State: integration.HookDrifted, Reason: "the service hooks of Azure DevOps project " + where + " were altered: " + strings.Join(diffs, "; ")}, nil
	}
	return integration.HookCheck{State: integration.HookOK, Reason: "ok"}, nil
}

// DeleteHook removes every subscription of the organization that delivers
// to callbackURL. One already gone is not an error.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, project, callbackURL string) error {
	c, err := newClient(v, integrationURL, token)
	if err != nil {
		return &integration.HookError{Reason: err.Error()}
	}
	set, err := c.listOurs(ctx, callbackURL)
	if err != nil {
		return hookError(err, token, c.org, project)
	}
	for _, ev := range sortedKeys(set) {
		for _, s := range set[ev] {
			if err := c.deleteSubscription(ctx, s.ID); err != nil {
				return hookError(err, token, c.org, project)
			}
		}
	}
	return nil
}

// subscriptionDiffs says how s differs from a subscription SuperPlane
// made for the project.
func subscriptionDiffs(s subscriptionJSON, projectID string) []string {
	var diffs []string
	if !strings.EqualFold(s.Status, statusEnabled) {
		diffs = append(diffs, fmt.Sprintf("it is %s, not enabled", integration.Printable(s.Status)))
	}
	if got := s.PublisherInputs["projectId"]; !strings.EqualFold(got, projectID) {
		diffs = append(diffs, fmt.Sprintf("it hears project %s, not %s", integration.Printable(got), projectID))
	}
	if s.ConsumerInputs["httpHeaders"] == "" {
		diffs = append(diffs, "it sends no header, so its deliveries are refused")
	}
	return diffs
}

// wantedEvents returns events sorted, without duplicates; none means the
// default events (a subscription hears exactly one event type, so a hook
// of no events would be no hook at all).
func wantedEvents(events []string) []string {
	if len(events) == 0 {
		events = Type{}.DefaultEvents()
	}
	out := slices.Sorted(slices.Values(events))
	return slices.Compact(out)
}

func sortedKeys(set hookSet) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// projectID returns the id of the project named (or identified by)
// project.
func (c client) projectID(ctx context.Context, project string) (string, error) {
	var p struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodGet, "/_apis/projects/"+url.PathEscape(project), nil, &p); err != nil {
		return "", err
	}
	if p.ID == "" {
		return "", &apiError{status: http.StatusOK, message: "the project has no id"}
	}
	return p.ID, nil
}

// listOurs returns the organization's webHooks subscriptions that deliver
// to callbackURL, by event type, in Azure DevOps' order.
func (c client) listOurs(ctx context.Context, callbackURL string) (hookSet, error) {
	var got struct {
		Value []subscriptionJSON `json:"value"`
	}
	q := url.Values{"consumerId": {consumerID}, "consumerActionId": {consumerActionID}}
	if err := c.do(ctx, http.MethodGet, "/_apis/hooks/subscriptions?"+q.Encode(), nil, &got); err != nil {
		return nil, err
	}
	set := hookSet{}
	for _, s := range got.Value {
		if s.ID != "" && s.ConsumerInputs["url"] == callbackURL {
			set[s.EventType] = append(set[s.EventType], s)
		}
	}
	return set, nil
}

// deleteSubscription deletes one subscription; one already gone is fine.
func (c client) deleteSubscription(ctx context.Context, id string) error {
	err := c.do(ctx, http.MethodDelete, "/_apis/hooks/subscriptions/"+url.PathEscape(id), nil, nil)
	if statusOf(err) == http.StatusNotFound {
		return nil
	}
	return err
}

// hookError turns an Azure DevOps failure into a HookError whose Reason
// carries neither the PAT nor any of also (the source's key), in any form.
func hookError(err error, token, org, project string, also ...string) error {
	var reason string
	switch statusOf(err) {
	case http.StatusNotFound:
		reason = fmt.Sprintf("Azure DevOps: project %s not found in organization %s, or the token cannot read it: %s", integration.Printable(project), org, err)
	case http.StatusForbidden, http.StatusUnauthorized:
		reason = fmt.Sprintf("Azure DevOps: the token may not manage the service hooks of organization %s (it needs the Service Hooks read & write scope and the project's \"Edit subscriptions\" permission): %s", org, err)
	default:
		reason = verifyReason(err, org)
	}
	return &integration.HookError{Reason: redact(reason, token, also...)}
}
