package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// sourceToAPI is the answer for an event source; status.webhook carries an
// observation only when a check was made.
func (s *Server) sourceToAPI(src service.Source) api.EventSource {
	es := src.EventSource
	created, updated := es.CreatedAt, es.UpdatedAt
	spec := &api.EventSourceSpec{Type: es.Type}
	spec.Events = listToAPI(s, es.Events, func() ([]api.EventSourceEventType, error) {
		return store.DecodeJSON[[]api.EventSourceEventType]("event source", es.ID, "events", es.Events)
	}, func(e api.EventSourceEventType) api.EventSourceEventType { return e })
	schedule, err := store.DecodeJSON[*api.EventSourceSchedule]("event source", es.ID, "schedule", es.Schedule)
	if err != nil {
		s.corrupt(err)
	}
	spec.Schedule = schedule
	spec.SignatureScheme = signatureSchemeToAPI(es)
	if es.IntegrationID != "" {
		spec.Integration = &api.IntegrationRef{Name: es.IntegrationName}
		spec.Resource = &api.ResourceRef{Type: es.ResourceType, Name: es.ResourceName}
	}
	status := &api.EventSourceStatus{KeyVersion: es.KeyVersion, Webhook: &api.WebhookStatus{URL: src.WebhookURL, State: es.HookState, Reason: es.HookReason}}
	if !es.HookCheckedAt.IsZero() {
		t := es.HookCheckedAt
		status.Webhook.CheckedAt = &t
	}
	if src.LastEvent != nil {
		status.LastEvent = ptr(s.eventToAPI(*src.LastEvent))
	}
	obs := src.Observed
	status.Webhook.Observed, status.Webhook.ObservedReason = obs.State, obs.Reason
	if !obs.At.IsZero() {
		t := obs.At
		status.Webhook.ObservedAt = &t
	}
	return api.EventSource{
		Metadata: &api.EventSourceMetadata{ID: es.ID, Name: es.Name, Description: es.Description, CanvasID: es.CanvasID, CreatedAt: &created, UpdatedAt: &updated, CreatedBy: es.CreatedBy},
		Spec:     spec,
		Status:   status,
	}
}

func (s *Server) eventToAPI(ev store.Event) api.Event {
	received := ev.ReceivedAt
	out := api.Event{
		ID: ev.ID, SourceID: ev.SourceID, SourceName: ev.SourceName, SourceType: "EVENT_SOURCE_TYPE_EVENT_SOURCE",
		Type: ev.Type, State: ev.State, StateReason: "STATE_REASON_UNKNOWN", ReceivedAt: &received,
	}
	// Stored events are always JSON objects (the receiver refuses anything
	// else), but a reader never fails because of one event: one bad row
	// must not turn every listing of the canvas into a 500.
	out.Raw = rawObjectToAPI(s, ev.Raw, isObject, ev.DecodeRaw)
	out.Headers = rawObjectToAPI(s, ev.Headers, isStringObject, ev.DecodeHeaders)
	// Events stored before reasons were kept are rejected by filters.
	if ev.State == api.EventStateRejected {
		out.StateReason = service.EventReasonFiltered
	}
	if ev.StateReason != "" {
		out.StateReason = ev.StateReason
	}
	// A pending event's message is why its last routing attempt failed.
	out.StateMessage = ev.StateMessage
	return out
}

// signatureSchemeToAPI is spec.signatureScheme of es: set on every webhook
// source, empty on the others.
func signatureSchemeToAPI(es store.EventSource) string {
	switch {
	case es.Type != api.EventSourceTypeWebhook:
		return ""
	case es.SignatureScheme == service.SchemeStandardWebhooks:
		return api.SignatureSchemeStandardWebhooks
	default:
		return api.SignatureSchemeHMAC
	}
}

// sourceWithKey is the answer to a create or reset-key: a webhook source's
// new key is shown once, as its sender is configured with it.
func (s *Server) sourceWithKey(src service.Source) api.EventSourceResponse {
	resp := api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(src))}
	// A key the user supplied is never answered back: src.Key is "".
	if src.Type == api.EventSourceTypeWebhook && src.Key != "" {
		resp.Key = senderKey(src.EventSource, src.Key)
	}
	return resp
}

// senderKey is the signing key as the source's sender is configured with
// it: as generated for the default scheme, whsec_<base64 of the same bytes>
// for Standard Webhooks (whose libraries decode the base64 to get the HMAC
// key, so both verify under the one stored key).
func senderKey(es store.EventSource, key string) string {
	if es.SignatureScheme == service.SchemeStandardWebhooks {
		return webhook.StandardSecret([]byte(key))
	}
	return key
}

func (s *Server) listEventSources(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.eventSources.List(r.Context(), p, r.PathValue("canvasIdOrName"))
	if err != nil {
		return err
	}
	out := api.ListEventSourcesResponse{EventSources: make([]api.EventSource, 0, len(list))}
	for _, src := range list {
		out.EventSources = append(out.EventSources, s.sourceToAPI(src))
	}
	// writeJSON's answer, written without reflection (list_encode.go).
	size := 50
	for i := range list {
		size += 900
		if ev := list[i].LastEvent; ev != nil {
			size += 300 + len(ev.Raw) + len(ev.Headers)
		}
	}
	writeListJSON(w, appendEventSourceList(make([]byte, 0, size), out))
	return nil
}

// describeEventSource answers a source. It never writes and never
// provisions: ?check=true (or ?refresh=true) adds a read-only look at the
// hook on the tool, for owner and admin tokens only (see hookcheck.go).
func (s *Server) describeEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	check := checkRequested(r)
	if check {
		if err := refuseViewerCheck(r, p); err != nil {
			return err
		}
	}
	src, err := s.eventSources.Find(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), check)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(src))})
	return nil
}

func (s *Server) createEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.EventSourceRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	src, err := s.eventSources.Create(r.Context(), p, r.PathValue("canvasIdOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.sourceWithKey(src))
	return nil
}

// updateEventSource replaces the source's description and spec (the
// contract's full replacement) and its name when given; ?force=true moves
// a hook even when the old one cannot be removed from the tool (see
// service.EventSources.Update).
func (s *Server) updateEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.EventSourceRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	force := r.URL.Query().Get("force") == "true"
	src, err := s.eventSources.Update(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), req, force)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(src))})
	return nil
}

// deleteEventSource deletes a source; ?force=true skips removing its hook
// from the tool (see service.EventSources.Delete).
func (s *Server) deleteEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	force := r.URL.Query().Get("force") == "true"
	if err := s.eventSources.Delete(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), force); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// resetEventSourceKey gives the source a new signing key: the body's key
// (this project's extension, never answered back), or a generated one
// shown once in the answer when the body is empty or names none (see
// service.EventSources.ResetKey).
func (s *Server) resetEventSourceKey(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.ResetEventSourceKeyRequest
	if err := decodeOptionalBody(r, &req); err != nil {
		return err
	}
	src, err := s.eventSources.ResetKey(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), req.Key)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.sourceWithKey(src))
	return nil
}
