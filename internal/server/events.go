package server

import (
	"context"
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// receiverSources adapts service.Events.Lookup to the webhook receivers,
// which look sources up and verify with their keys. The stored scheme is
// the receiver's (service.SchemeStandardWebhooks is
// webhook.SchemeStandardWebhooks; TestStoredSchemeIsTheReceivers).
type receiverSources struct{ events *service.Events }

func (rs receiverSources) Lookup(ctx context.Context, id string) (webhook.Source, error) {
	src, err := rs.events.Lookup(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return webhook.Source{}, webhook.ErrUnknownSource
		}
		return webhook.Source{}, err
	}
	return webhook.Source{ID: src.ID, Type: src.Type, Keys: src.Keys, Scheme: src.Scheme}, nil
}

// receiverSink adapts service.Events.Receive to the webhook receivers: the
// event is durable before the receiver answers.
type receiverSink struct{ events *service.Events }

func (rs receiverSink) Store(ctx context.Context, d webhook.Delivery) (string, bool, error) {
	return rs.events.Receive(ctx, service.Delivery{SourceID: d.SourceID, Type: d.Type, DeliveryID: d.DeliveryID, Body: d.Body, Headers: d.Headers})
}

// WithClock sets the server's clock (tests move it to check time windows:
// the receivers' Standard Webhooks tolerance). The services have their own
// (service.WithClock), for the key grace and the body dedupe window.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// listEvents serves GET /api/v1/canvases/{canvasIdOrName}/events, newest
// first, a page at a time (?limit=, and ?before= with ?beforeId= from the
// previous page's last event). sourceId narrows it to one source.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	q := r.URL.Query()
	events, more, err := s.events.List(r.Context(), p, r.PathValue("canvasIdOrName"), service.EventQuery{
		Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId"), SourceID: q.Get("sourceId"),
	})
	if err != nil {
		return err
	}
	out := api.ListEventsResponse{Events: []api.Event{}, HasNextPage: more}
	for _, ev := range events {
		out.Events = append(out.Events, s.eventToAPI(ev))
	}
	if n := len(events); n > 0 {
		last := events[n-1].ReceivedAt
		out.LastTimestamp = &last
	}
	out.TotalCount = int64(len(out.Events))
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createEvent serves POST /api/v1/canvases/{canvasIdOrName}/events: an
// event posted by hand to a manual source.
func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.CreateEventRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	ev, err := s.events.Create(r.Context(), p, r.PathValue("canvasIdOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.EventResponse{Event: s.eventToAPI(ev)})
	return nil
}
