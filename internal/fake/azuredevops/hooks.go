package azuredevops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Subscription is a service hook subscription as the fake stores it,
// confidential inputs included.
type Subscription struct {
	ID               string
	Status           string // enabled, onProbation, disabledByUser, disabledBySystem
	PublisherID      string
	EventType        string
	ResourceVersion  string
	ConsumerID       string
	ConsumerActionID string
	PublisherInputs  map[string]string
	ConsumerInputs   map[string]string
}

// confidentialInputs read back masked, as Azure DevOps masks them.
var confidentialInputs = []string{"basicAuthPassword", "httpHeaders"}

// publisherEvents are the event types each publisher documents that the
// fake accepts.
var publisherEvents = map[string][]string{
	"tfs": {"build.complete", "git.push", "git.pullrequest.created", "git.pullrequest.updated", "git.pullrequest.merged",
		"workitem.created", "workitem.updated", "workitem.deleted", "workitem.commented", "tfvc.checkin"},
	"pipelines": {"ms.vss-pipelines.run-state-changed-event", "ms.vss-pipelines.stage-state-changed-event",
		"ms.vss-pipelines.job-state-changed-event"},
}

func (s *Server) registerHooks() {
	s.handle("GET /{org}/_apis/hooks/subscriptions", true, s.listSubscriptions)
	s.handle("POST /{org}/_apis/hooks/subscriptions", true, s.createSubscription)
	s.handle("GET /{org}/_apis/hooks/subscriptions/{id}", true, s.getSubscription)
	s.handle("PUT /{org}/_apis/hooks/subscriptions/{id}", true, s.replaceSubscription)
	s.handle("DELETE /{org}/_apis/hooks/subscriptions/{id}", true, s.deleteSubscription)
}

// Subscriptions returns copies of the organization's subscriptions, oldest
// first.
func (s *Server) Subscriptions(orgName string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.mustOrgLocked(orgName).subs {
		out = append(out, sub.clone())
	}
	return out
}

// EditSubscription changes a subscription behind the API's back, as a user
// does in the project settings. It reports whether it existed.
func (s *Server) EditSubscription(orgName, id string, edit func(*Subscription)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.mustOrgLocked(orgName).subs {
		if sub.ID == id {
			edit(sub)
			return true
		}
	}
	return false
}

// RemoveSubscription deletes a subscription behind the API's back.
func (s *Server) RemoveSubscription(orgName, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustOrgLocked(orgName)
	n := len(o.subs)
	o.subs = slices.DeleteFunc(o.subs, func(x *Subscription) bool { return x.ID == id })
	return len(o.subs) < n
}

func (sub *Subscription) clone() Subscription {
	c := *sub
	c.PublisherInputs = cloneMap(sub.PublisherInputs)
	c.ConsumerInputs = cloneMap(sub.ConsumerInputs)
	return c
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Server) subscriptionJSON(o *org, sub *Subscription) map[string]any {
	inputs := cloneMap(sub.ConsumerInputs)
	for _, k := range confidentialInputs {
		if inputs[k] != "" {
			inputs[k] = "********"
		}
	}
	return map[string]any{
		"id": sub.ID, "status": sub.Status, "publisherId": sub.PublisherID, "eventType": sub.EventType,
		"resourceVersion": sub.ResourceVersion, "consumerId": sub.ConsumerID, "consumerActionId": sub.ConsumerActionID,
		"publisherInputs": cloneMap(sub.PublisherInputs), "consumerInputs": inputs,
		"url": s.srv.URL + "/" + o.name + "/_apis/hooks/subscriptions/" + sub.ID,
	}
}

// canManage reports whether the PAT may manage the organization's service
// hooks: it needs the Service Hooks scope.
func canManage(w http.ResponseWriter, pat *PAT) bool {
	if pat.NoHooks {
		writeError(w, http.StatusUnauthorized, "The requested operation requires the scope vso.hooks_write, which the access token does not have.", "UnauthorizedRequestException")
		return false
	}
	return true
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	if !canManage(w, pat) {
		return
	}
	q := r.URL.Query()
	values := []any{}
	for _, sub := range o.subs {
		if (q.Get("consumerId") == "" || q.Get("consumerId") == sub.ConsumerID) &&
			(q.Get("consumerActionId") == "" || q.Get("consumerActionId") == sub.ConsumerActionID) &&
			(q.Get("publisherId") == "" || q.Get("publisherId") == sub.PublisherID) &&
			(q.Get("eventType") == "" || q.Get("eventType") == sub.EventType) {
			values = append(values, s.subscriptionJSON(o, sub))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(values), "value": values})
}

func (s *Server) findSubscription(w http.ResponseWriter, r *http.Request, o *org) *Subscription {
	for _, sub := range o.subs {
		if strings.EqualFold(sub.ID, r.PathValue("id")) {
			return sub
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("VS1050007: The subscription with ID %s does not exist.", r.PathValue("id")), "SubscriptionNotFoundException")
	return nil
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	if !canManage(w, pat) {
		return
	}
	if sub := s.findSubscription(w, r, o); sub != nil {
		writeJSON(w, http.StatusOK, s.subscriptionJSON(o, sub))
	}
}

// subscriptionBody is a subscription as a caller sends it.
type subscriptionBody struct {
	PublisherID      string            `json:"publisherId"`
	EventType        string            `json:"eventType"`
	ResourceVersion  string            `json:"resourceVersion"`
	ConsumerID       string            `json:"consumerId"`
	ConsumerActionID string            `json:"consumerActionId"`
	PublisherInputs  map[string]string `json:"publisherInputs"`
	ConsumerInputs   map[string]string `json:"consumerInputs"`
}

// decodeSubscription reads and checks a subscription as Azure DevOps does:
// a known publisher and event, the webHooks consumer's httpRequest action,
// an absolute url, and a project the caller sees.
func (s *Server) decodeSubscription(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) (subscriptionBody, bool) {
	var b subscriptionBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "Value cannot be null.\r\nParameter name: subscription", "ArgumentNullException")
		return b, false
	}
	fail := func(msg string) (subscriptionBody, bool) {
		writeError(w, http.StatusBadRequest, msg, "ArgumentException")
		return b, false
	}
	switch {
	case !slices.Contains(publisherEvents[b.PublisherID], b.EventType):
		return fail(fmt.Sprintf("VS1050010: The event type %q is not published by publisher %q.", b.EventType, b.PublisherID))
	case b.ConsumerID != "webHooks" || b.ConsumerActionID != "httpRequest":
		return fail(fmt.Sprintf("VS1050015: Consumer %q has no action %q.", b.ConsumerID, b.ConsumerActionID))
	}
	if u, err := url.Parse(b.ConsumerInputs["url"]); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail("VS1050020: The input 'url' is required and must be an absolute URL.")
	}
	for _, line := range strings.Split(b.ConsumerInputs["httpHeaders"], "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.Contains(line, ":") {
			return fail("VS1050021: The input 'httpHeaders' must be lines of Key:Value.")
		}
	}
	p := o.findProject(b.PublisherInputs["projectId"])
	if p == nil || !pat.sees(p) {
		return fail(fmt.Sprintf("VS1050022: The project %q does not exist or you do not have permission to access it.", b.PublisherInputs["projectId"]))
	}
	return b, true
}

func (b subscriptionBody) apply(sub *Subscription) {
	sub.PublisherID, sub.EventType, sub.ResourceVersion = b.PublisherID, b.EventType, b.ResourceVersion
	sub.ConsumerID, sub.ConsumerActionID = b.ConsumerID, b.ConsumerActionID
	sub.PublisherInputs, sub.ConsumerInputs = cloneMap(b.PublisherInputs), cloneMap(b.ConsumerInputs)
	sub.Status = "enabled"
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	if !canManage(w, pat) {
		return
	}
	b, ok := s.decodeSubscription(w, r, o, pat)
	if !ok {
		return
	}
	sub := &Subscription{ID: newID()}
	b.apply(sub)
	o.subs = append(o.subs, sub)
	writeJSON(w, http.StatusOK, s.subscriptionJSON(o, sub))
}

func (s *Server) replaceSubscription(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	if !canManage(w, pat) {
		return
	}
	sub := s.findSubscription(w, r, o)
	if sub == nil {
		return
	}
	b, ok := s.decodeSubscription(w, r, o, pat)
	if !ok {
		return
	}
	b.apply(sub)
	writeJSON(w, http.StatusOK, s.subscriptionJSON(o, sub))
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	if !canManage(w, pat) {
		return
	}
	if sub := s.findSubscription(w, r, o); sub != nil {
		o.subs = slices.DeleteFunc(o.subs, func(x *Subscription) bool { return x == sub })
		w.WriteHeader(http.StatusNoContent)
	}
}

// Delivery is what Deliver sent to one subscription and how it was
// answered.
type Delivery struct {
	SubscriptionID string
	EventID        string
	Status         int
	Body           string
}

// Deliver publishes an event of eventType in project projectName with
// resource, as Azure DevOps notifies: a POST to each enabled webHooks
// subscription of the project for the event, of the notification JSON
// (subscriptionId, notificationId, id, eventType, publisherId, message,
// resource, resourceContainers, createdDate) with the subscription's
// httpHeaders and, when set, basic authentication. It is called outside
// any request and returns each subscription's answer.
func (s *Server) Deliver(ctx context.Context, orgName, projectName, eventType string, resource map[string]any) []Delivery {
	s.mu.Lock()
	o := s.mustOrgLocked(orgName)
	p := o.findProject(projectName)
	var targets []Subscription
	for _, sub := range o.subs {
		if p != nil && sub.Status == "enabled" && sub.EventType == eventType && strings.EqualFold(sub.PublisherInputs["projectId"], p.id) {
			targets = append(targets, sub.clone())
		}
	}
	s.subSeq++
	seq := s.subSeq
	s.mu.Unlock()
	eventID := newID()
	out := make([]Delivery, 0, len(targets))
	for _, sub := range targets {
		d := Delivery{SubscriptionID: sub.ID, EventID: eventID}
		body, _ := json.Marshal(map[string]any{
			"subscriptionId": sub.ID, "notificationId": seq, "id": eventID, "eventType": eventType,
			"publisherId": sub.PublisherID, "message": map[string]any{"text": eventType + " in " + projectName},
			"resource": resource, "resourceVersion": sub.ResourceVersion,
			"resourceContainers": map[string]any{"project": map[string]any{"id": p.id}},
			"createdDate":        time.Now().UTC().Format(time.RFC3339),
		})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.ConsumerInputs["url"], bytes.NewReader(body))
		if err != nil {
			d.Body = err.Error()
			out = append(out, d)
			continue
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		for _, line := range strings.Split(sub.ConsumerInputs["httpHeaders"], "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		if u, pw := sub.ConsumerInputs["basicAuthUsername"], sub.ConsumerInputs["basicAuthPassword"]; u != "" || pw != "" {
			req.SetBasicAuth(u, pw)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			d.Body = err.Error()
			out = append(out, d)
			continue
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1<<16))
		_ = resp.Body.Close()
		d.Status, d.Body = resp.StatusCode, buf.String()
		out = append(out, d)
	}
	return out
}
