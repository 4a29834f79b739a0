package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// EventSourceParams is what a caller sets on an event source: its metadata
// and its spec. Create and update both send all of it: the contract's update
// is a full replacement.
type EventSourceParams struct {
	// Name is the source's name, unique in its canvas. On update it is the
	// new name, or the current one when the name does not change.
	Name string
	// Description is free-form; on update it replaces the current one.
	Description string
	// Spec is the source's type, integration, resource, accepted event types
	// with their filters, and schedule.
	Spec api.EventSourceSpec
	// Key, when set, is the signing key of a webhook source, supplied
	// instead of generated (this project's extension): create sends it, and
	// so does the key reset a lost create's retry or an adoption makes.
	// The server never answers it back. Updates never send it.
	Key string
}

// eventSource builds the wire object for p.
func (p EventSourceParams) eventSource() *api.EventSource {
	spec := p.Spec
	if spec.Events == nil {
		// The contract's list may be empty but never null.
		spec.Events = []api.EventSourceEventType{}
	}
	return &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: p.Name, Description: p.Description},
		Spec:     &spec,
	}
}

// EventQuery selects a page of a canvas's events, newest first.
type EventQuery struct {
	// SourceID narrows the list to one event source (id or name).
	SourceID string
	// Limit is the page size; zero means the server's default.
	Limit int
	// Before and BeforeID continue after the last event of the previous
	// page: its ReceivedAt and ID. A zero Before starts at the newest.
	Before   time.Time
	BeforeID string
	// States narrows the list to events in these states (api.EventState*),
	// sent as the contract's repeated ?states=. A real v1 server ignores
	// it and lists every state.
	States []string
}

// eventSourcesPath is the collection of a canvas's event sources.
func eventSourcesPath(canvas string) string {
	return "/api/v1/canvases/" + url.PathEscape(canvas) + "/event-sources"
}

// eventSourcePath is the path of one event source.
func eventSourcePath(canvas, idOrName string) string {
	return eventSourcesPath(canvas) + "/" + url.PathEscape(idOrName)
}

// ListEventSources returns the event sources of a canvas (id or name). A
// missing canvas satisfies IsNotFound.
func (c *Client) ListEventSources(ctx context.Context, canvas string) ([]api.EventSource, error) {
	if canvas == "" {
		return nil, errors.New("list event sources: a canvas id or name is required")
	}
	var out api.ListEventSourcesResponse
	if _, err := c.do(ctx, request{op: "list event sources", method: http.MethodGet, path: eventSourcesPath(canvas)}, &out); err != nil {
		return nil, err
	}
	return out.EventSources, nil
}

// CreateEventSource creates an event source in a canvas (id or name) and
// returns it with its signing key. Only a custom webhook source (type
// webhook) has a key to return: the key of a GitHub or Semaphore source goes
// to the tool's hook and the key is "". This project's server provisions
// that hook at once and reports the outcome in Status.Webhook; a failure
// there is not an error.
//
// A missing canvas or integration satisfies IsNotFound. A taken name
// satisfies IsConflict, except when a retry meets the source an earlier
// attempt of this call created (its answer, and with it the key, was lost):
// then that source is returned, and for a webhook source with a new key from
// ResetEventSourceKey, since nobody can hold the lost one.
func (c *Client) CreateEventSource(ctx context.Context, canvas string, p EventSourceParams) (*api.EventSource, string, error) {
	if canvas == "" || p.Name == "" {
		return nil, "", errors.New("create event source: a canvas id or name and a source name are required")
	}
	started := time.Now()
	body := api.EventSourceRequest{EventSource: p.eventSource(), Key: p.Key}
	var out api.EventSourceResponse
	c.made.try(nameKey("event source", canvas, p.Name))
	attempts, err := c.do(ctx, request{op: "create event source", method: http.MethodPost, path: eventSourcesPath(canvas), body: body}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if own := c.ownEventSource(ctx, canvas, p, started); own != nil {
				c.made.add(own.Metadata.ID)
				if own.Spec.Type != api.EventSourceTypeWebhook {
					return own, "", nil
				}
				return c.ResetEventSourceKeyTo(ctx, canvas, own.Metadata.ID, p.Key)
			}
		}
		return nil, "", err
	}
	es, err := checkEventSource(out.EventSource, "create event source")
	if err != nil {
		return nil, "", err
	}
	c.made.add(es.Metadata.ID)
	return es, out.Key, nil
}

// ownEventSource returns the source called p.Name if an earlier attempt of
// the create that started at started made it: the same description and
// spec, created after the call began (allowing for clock skew), its key
// never reset. Otherwise nil. Event source metadata names no creator, so
// this is as close as the API lets a client get to "made by this call".
func (c *Client) ownEventSource(ctx context.Context, canvas string, p EventSourceParams, started time.Time) *api.EventSource {
	es, err := c.GetEventSource(ctx, canvas, p.Name)
	if err != nil || es.Spec == nil {
		return nil
	}
	m := es.Metadata
	if m.Name != p.Name || m.Description != p.Description || m.CreatedAt == nil || m.CreatedAt.Before(started.Add(-clockSkew)) {
		return nil
	}
	if es.Status != nil && es.Status.KeyVersion > 1 {
		return nil
	}
	if !sameSpec(es.Spec, &p.Spec) {
		return nil
	}
	return es
}

// sameSpec reports whether the server's spec is the one p asked for, after
// the defaults the server fills in (the AND operator, empty filter lists,
// the resource type).
func sameSpec(got, want *api.EventSourceSpec) bool {
	if got.Type != want.Type || refName(got.Integration) != refName(want.Integration) || resourceName(got.Resource) != resourceName(want.Resource) {
		return false
	}
	a, _ := json.Marshal(normalEvents(got.Events))
	b, _ := json.Marshal(normalEvents(want.Events))
	if string(a) != string(b) {
		return false
	}
	a, _ = json.Marshal(got.Schedule)
	b, _ = json.Marshal(want.Schedule)
	return string(a) == string(b)
}

func refName(r *api.IntegrationRef) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func resourceName(r *api.ResourceRef) string {
	if r == nil {
		return ""
	}
	return r.Name
}

// normalEvents fills in the server's defaults.
func normalEvents(events []api.EventSourceEventType) []api.EventSourceEventType {
	out := make([]api.EventSourceEventType, 0, len(events))
	for _, e := range events {
		if e.FilterOperator == "" {
			e.FilterOperator = api.FilterOperatorAnd
		}
		if e.Filters == nil {
			e.Filters = []api.Filter{}
		}
		out = append(out, e)
	}
	return out
}

// GetEventSource returns an event source by id or name. A missing canvas
// or source satisfies IsNotFound.
func (c *Client) GetEventSource(ctx context.Context, canvas, idOrName string) (*api.EventSource, error) {
	return c.getEventSource(ctx, canvas, idOrName, false)
}

// CheckEventSource is GetEventSource with a read-only look at the hook of a
// GitHub or Semaphore source (?check=true, this project's extension): the
// server asks the tool what it holds and answers it in
// Status.Webhook.Observed ("ok", "missing", "drifted", or "failed" when
// the check could not be made), changing nothing on the tool or in its
// database. The server checks one source at most once per its check
// interval and answers the last observation in between, and does not
// check a source whose provisioning is in backoff (Observed is then "").
// Only owner and admin tokens may check: a viewer's token gets an error
// satisfying IsPermissionDenied. Servers without the extension answer as
// GetEventSource does (Observed "").
func (c *Client) CheckEventSource(ctx context.Context, canvas, idOrName string) (*api.EventSource, error) {
	return c.getEventSource(ctx, canvas, idOrName, true)
}

// RefreshEventSource repairs the hook of a GitHub or Semaphore source now
// (POST .../refresh, this project's extension): the server provisions it as
// at create, recreating or correcting what was deleted or altered on the
// tool and writing the signing key to it again, and records the outcome in
// Status.Webhook ("repaired", "ready", or "failed" with the tool's
// reason). Owner or admin only. Provisioning is idempotent, so the call is
// safe to retry.
func (c *Client) RefreshEventSource(ctx context.Context, canvas, idOrName string) (*api.EventSource, error) {
	if canvas == "" || idOrName == "" {
		return nil, errors.New("refresh event source: a canvas id or name and a source id or name are required")
	}
	r := request{op: "refresh event source", method: http.MethodPost, path: eventSourcePath(canvas, idOrName) + "/refresh", body: struct{}{}}
	var out api.EventSourceResponse
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkEventSource(out.EventSource, r.op)
}

func (c *Client) getEventSource(ctx context.Context, canvas, idOrName string, check bool) (*api.EventSource, error) {
	if canvas == "" || idOrName == "" {
		return nil, errors.New("get event source: a canvas id or name and a source id or name are required")
	}
	r := request{op: "get event source", method: http.MethodGet, path: eventSourcePath(canvas, idOrName)}
	if check {
		r.op = "check event source"
		r.query = url.Values{"check": {"true"}}
	}
	var out api.EventSourceResponse
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkEventSource(out.EventSource, r.op)
}

// UpdateEventSource replaces an event source's name, description and spec
// with p. The type cannot change (the server answers 400). p.Name must be
// the source's name when it does not change. For a GitHub or Semaphore
// source this project's server then updates the hook on the tool, moving it
// when the integration or resource changed.
func (c *Client) UpdateEventSource(ctx context.Context, canvas, idOrName string, p EventSourceParams) (*api.EventSource, error) {
	return c.updateEventSource(ctx, canvas, idOrName, p, false)
}

// UpdateEventSourceForced is UpdateEventSource with ?force=true: when the
// hook moves (another integration or resource) and the old one cannot be
// removed from the tool, this project's server moves the source anyway and
// leaves the old hook behind, to be removed by hand (force_destroy).
func (c *Client) UpdateEventSourceForced(ctx context.Context, canvas, idOrName string, p EventSourceParams) (*api.EventSource, error) {
	return c.updateEventSource(ctx, canvas, idOrName, p, true)
}

func (c *Client) updateEventSource(ctx context.Context, canvas, idOrName string, p EventSourceParams, force bool) (*api.EventSource, error) {
	if canvas == "" || idOrName == "" || p.Name == "" {
		return nil, errors.New("update event source: a canvas id or name, the source's id or name and its new name are required")
	}
	body := api.EventSourceRequest{EventSource: p.eventSource()}
	var out api.EventSourceResponse
	r := request{op: "update event source", method: http.MethodPatch, path: eventSourcePath(canvas, idOrName), body: body}
	if force {
		r.query = url.Values{"force": {"true"}}
	}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkEventSource(out.EventSource, "update event source")
}

// ResetEventSourceKey gives an event source a new signing key and returns
// the source and, for a custom webhook source, the new key (for a GitHub or
// Semaphore source the server hands the key to the tool's hook and returns
// ""). The previous key keeps verifying for the server's grace period.
//
// The call is sent once and never retried: a retry after a lost answer
// would reset the key twice, and the key the senders still use would leave
// its grace period at once.
func (c *Client) ResetEventSourceKey(ctx context.Context, canvas, idOrName string) (*api.EventSource, string, error) {
	return c.ResetEventSourceKeyTo(ctx, canvas, idOrName, "")
}

// ResetEventSourceKeyTo is ResetEventSourceKey setting the new key of a
// webhook source to key (this project's extension; the returned key is
// then "", as the server never answers a supplied key back). An empty key
// asks for a generated one, as ResetEventSourceKey does.
func (c *Client) ResetEventSourceKeyTo(ctx context.Context, canvas, idOrName, key string) (*api.EventSource, string, error) {
	if canvas == "" || idOrName == "" {
		return nil, "", errors.New("reset event source key: a canvas id or name and a source id or name are required")
	}
	var out api.EventSourceResponse
	r := request{op: "reset event source key", method: http.MethodPost, path: eventSourcePath(canvas, idOrName) + "/reset-key",
		body: api.ResetEventSourceKeyRequest{Key: key}}
	if err := c.doOnce(ctx, r, &out); err != nil {
		return nil, "", err
	}
	es, err := checkEventSource(out.EventSource, r.op)
	if err != nil {
		return nil, "", err
	}
	return es, out.Key, nil
}

// DeleteEventSource deletes an event source by id or name. This project's
// server first removes the source's hook from the tool and, when it cannot,
// keeps the source and answers 503 with the tool's reason (after the
// client's retries the error carries that message). force skips removing the
// hook (?force=true): whatever the tool still has must then be removed by
// hand. A missing source satisfies IsNotFound.
func (c *Client) DeleteEventSource(ctx context.Context, canvas, idOrName string, force bool) error {
	if canvas == "" || idOrName == "" {
		return errors.New("delete event source: a canvas id or name and a source id or name are required")
	}
	r := request{op: "delete event source", method: http.MethodDelete, path: eventSourcePath(canvas, idOrName)}
	if force {
		r.query = url.Values{"force": {"true"}}
	}
	_, err := c.do(ctx, r, nil)
	return err
}

// ListEvents returns one page of a canvas's events, newest first. A real v1
// server needs sourceType with sourceId, so both are sent together. A
// missing canvas or source satisfies IsNotFound.
func (c *Client) ListEvents(ctx context.Context, canvas string, q EventQuery) (*api.ListEventsResponse, error) {
	if canvas == "" {
		return nil, errors.New("list events: a canvas id or name is required")
	}
	query := url.Values{}
	if q.SourceID != "" {
		query.Set("sourceType", "EVENT_SOURCE_TYPE_EVENT_SOURCE")
		query.Set("sourceId", q.SourceID)
	}
	if q.Limit > 0 {
		query.Set("limit", strconv.Itoa(q.Limit))
	}
	for _, st := range q.States {
		query.Add("states", st)
	}
	if !q.Before.IsZero() {
		query.Set("before", q.Before.UTC().Format(time.RFC3339Nano))
		if q.BeforeID != "" {
			query.Set("beforeId", q.BeforeID)
		}
	}
	var out api.ListEventsResponse
	r := request{op: "list events", method: http.MethodGet, path: "/api/v1/canvases/" + url.PathEscape(canvas) + "/events", query: query}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Events == nil {
		out.Events = []api.Event{}
	}
	return &out, nil
}

// CreateEvent posts an event by hand to a manual source (id or name) and
// returns the stored event. Other kinds of source refuse it (400). The call
// is sent once and never retried: the server does not deduplicate manual
// events, so a retry after a lost answer would post the event twice.
func (c *Client) CreateEvent(ctx context.Context, canvas, source, eventType string, raw map[string]any) (*api.Event, error) {
	if canvas == "" || source == "" {
		return nil, errors.New("create event: a canvas id or name and a source id or name are required")
	}
	if raw == nil {
		raw = map[string]any{}
	}
	body := struct {
		SourceType string         `json:"sourceType"`
		SourceID   string         `json:"sourceId"`
		Type       string         `json:"type"`
		Raw        map[string]any `json:"raw"`
	}{"EVENT_SOURCE_TYPE_EVENT_SOURCE", source, eventType, raw}
	var out struct {
		Event *api.Event `json:"event"`
	}
	r := request{op: "create event", method: http.MethodPost, path: "/api/v1/canvases/" + url.PathEscape(canvas) + "/events", body: body}
	if err := c.doOnce(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Event == nil || out.Event.ID == "" {
		return nil, errors.New("create event: the server's answer has no event")
	}
	return out.Event, nil
}

// doOnce sends r exactly once, for calls that must not be repeated when an
// answer is lost, and decodes a 2xx body into out.
func (c *Client) doOnce(ctx context.Context, r request, out any) error {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("%s: encoding request: %w", r.op, err)
		}
	}
	target := c.base.String() + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	resp, err := c.attempt(ctx, r, target, payload)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", r.op, ctxErr)
		}
		return fmt.Errorf("%s: %s %s: %w (not retried: the server may have carried it out)", r.op, r.method, c.base.String()+r.path, unwrapURLError(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return readAPIError(resp, r.op)
	}
	if err := decodeBody(resp, out); err != nil {
		return fmt.Errorf("%s: decoding response: %w", r.op, err)
	}
	return nil
}

// checkEventSource rejects a response without the event source in it.
func checkEventSource(es *api.EventSource, op string) (*api.EventSource, error) {
	if es == nil || es.Metadata == nil || es.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no event source metadata", op)
	}
	if es.Spec == nil {
		es.Spec = &api.EventSourceSpec{}
	}
	return es, nil
}
