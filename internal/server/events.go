package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// receiverSources adapts service.Events.LookupKept and Lookup to the webhook
// receivers, which look sources up and verify with their keys: Lookup
// answers from the sources kept in memory (Source.Cached), LookupStored
// reads the stored source. The stored scheme is the receiver's
// (service.SchemeStandardWebhooks is webhook.SchemeStandardWebhooks;
// TestStoredSchemeIsTheReceivers).
type receiverSources struct{ events *service.Events }

func (rs receiverSources) Lookup(ctx context.Context, id string) (webhook.Source, error) {
	src, err := rs.events.LookupKept(ctx, id)
	return receiverSource(src, err)
}

func (rs receiverSources) LookupStored(ctx context.Context, id string) (webhook.Source, error) {
	src, err := rs.events.Lookup(ctx, id)
	return receiverSource(src, err)
}

func receiverSource(src service.ReceiverSource, err error) (webhook.Source, error) {
	if err != nil {
		if isNotFound(err) {
			return webhook.Source{}, webhook.ErrUnknownSource
		}
		return webhook.Source{}, err
	}
	return webhook.Source{ID: src.ID, Type: src.Type, Keys: src.Keys, Scheme: src.Scheme, Found: src.Source, Cached: src.Kept,
		Tenant: src.Source.OrgID}, nil
}

// receiverSink adapts service.Events.Receive to the webhook receivers: the
// event is durable before the receiver answers.
type receiverSink struct{ events *service.Events }

func (rs receiverSink) Store(ctx context.Context, d webhook.Delivery) (string, bool, error) {
	del := service.Delivery{SourceID: d.SourceID, Type: d.Type, DeliveryID: d.DeliveryID, Body: d.Body, Headers: d.Headers}
	// The source receiverSources read to verify the delivery: one read of
	// it a delivery at most, none while it is kept (issue 17, goal 3).
	if es, ok := d.Found.(store.EventSource); ok && es.ID == d.SourceID {
		id, duplicate, err := rs.events.ReceiveFrom(ctx, es, del)
		if errors.Is(err, store.ErrSourceChanged) || isNotFound(err) {
			// The source changed or went since it verified the delivery:
			// the receiver decides again on the stored one.
			return "", false, fmt.Errorf("%w: %w", webhook.ErrSourceChanged, err)
		}
		return id, duplicate, err
	}
	return rs.events.Receive(ctx, del)
}

// WithClock sets the server's clock (tests move it to check time windows:
// the receivers' Standard Webhooks tolerance). The services have their own
// (service.WithClock), for the key grace and the body dedupe window.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// listEvents serves GET /api/v1/canvases/{canvasIdOrName}/events, newest
// first, a page at a time (?limit=, and ?before= with ?beforeId= from the
// previous page's last event). sourceId narrows it to one source, states
// (repeated, or comma-separated) to events in those states; totalCount is
// the number of matching events on all pages, up to
// service.MaxEventCount (totalCountCapped then says so).
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	q := r.URL.Query()
	var states []string
	for _, v := range q["states"] {
		for st := range strings.SplitSeq(v, ",") {
			if st = strings.TrimSpace(st); st != "" {
				states = append(states, st)
			}
		}
	}
	list, err := s.events.List(r.Context(), p, r.PathValue("canvasIdOrName"), service.EventQuery{
		Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId"), SourceID: q.Get("sourceId"), States: states,
	})
	if err != nil {
		return err
	}
	out := api.ListEventsResponse{Events: []api.Event{}, HasNextPage: list.More, TotalCount: list.Total, TotalCountCapped: list.TotalCapped}
	for _, ev := range list.Events {
		out.Events = append(out.Events, s.eventToAPI(ev))
	}
	if n := len(list.Events); n > 0 {
		last := list.Events[n-1].ReceivedAt
		out.LastTimestamp = &last
	}
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
