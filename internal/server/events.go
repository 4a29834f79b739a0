package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// receiverSources lets the webhook receivers look sources up and open their
// keys: the current one, and the previous one during its grace period.
type receiverSources struct{ s *Server }

func (rs receiverSources) Lookup(ctx context.Context, id string) (webhook.Source, error) {
	es, err := rs.s.store.FindEventSourceByID(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return webhook.Source{}, webhook.ErrUnknownSource
		}
		return webhook.Source{}, err
	}
	key, err := rs.s.seal.OpenSourceKey(es.ID, es.KeyCiphertext)
	if err != nil {
		return webhook.Source{}, err
	}
	src := webhook.Source{ID: es.ID, Type: es.Type, Keys: [][]byte{key}, Scheme: es.SignatureScheme}
	if len(es.PrevKeyCiphertext) > 0 && rs.s.now().Before(es.PrevKeyExpiresAt) {
		if prev, err := rs.s.seal.OpenSourceKey(es.ID, es.PrevKeyCiphertext); err == nil {
			src.Keys = append(src.Keys, prev)
		}
	}
	return src, nil
}

// signatureScheme validates spec.signatureScheme and returns the store's
// value ("" or webhook.SchemeStandardWebhooks), and whether the request
// named one.
func signatureScheme(spec *api.EventSourceSpec) (scheme string, set bool, err error) {
	switch spec.SignatureScheme {
	case "":
		return "", false, nil
	case api.SignatureSchemeHMAC, api.SignatureSchemeStandardWebhooks:
		if spec.Type != api.EventSourceTypeWebhook {
			return "", false, invalid("eventSource.spec.signatureScheme is only used by webhook sources")
		}
		if spec.SignatureScheme == api.SignatureSchemeStandardWebhooks {
			return webhook.SchemeStandardWebhooks, true, nil
		}
		return "", true, nil
	default:
		return "", false, invalid("eventSource.spec.signatureScheme %q is not one of %s, %s",
			spec.SignatureScheme, api.SignatureSchemeHMAC, api.SignatureSchemeStandardWebhooks)
	}
}

// signatureSchemeToAPI is spec.signatureScheme of es: set on every webhook
// source, empty on the others.
func signatureSchemeToAPI(es store.EventSource) string {
	switch {
	case es.Type != api.EventSourceTypeWebhook:
		return ""
	case es.SignatureScheme == webhook.SchemeStandardWebhooks:
		return api.SignatureSchemeStandardWebhooks
	default:
		return api.SignatureSchemeHMAC
	}
}

// senderKey is the signing key as the source's sender is configured with
// it: as generated for the default scheme, whsec_<base64 of the same bytes>
// for Standard Webhooks (whose libraries decode the base64 to get the HMAC
// key, so both verify under the one stored key).
func senderKey(es store.EventSource, key string) string {
	if es.SignatureScheme == webhook.SchemeStandardWebhooks {
		return webhook.StandardSecret([]byte(key))
	}
	return key
}

// WithClock sets the server's clock (tests move it to check time windows:
// the Standard Webhooks tolerance, the body dedupe window).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// bodyDedupeWindow is how long a delivery without a delivery id (Semaphore
// sends none) answers a second delivery of the same body to the same source
// with the first event: a replay, or a sender's retry after a lost answer.
const bodyDedupeWindow = 5 * time.Minute

// bodyDeliveryID is the delivery id stored for a delivery without one: the
// body's hash in the window numbered bucket. The unique index on
// (source, delivery id) makes concurrent copies agree on one event; the
// previous window is checked by time (see receiverSink.Store).
func bodyDeliveryID(sum [sha256.Size]byte, bucket int64) string {
	return "body-sha256:" + hex.EncodeToString(sum[:]) + "@" + strconv.FormatInt(bucket, 10)
}

// receiverSink stores verified deliveries. The source's filters decide the
// event's state; the event is durable before the receiver answers.
type receiverSink struct{ s *Server }

func (rs receiverSink) Store(ctx context.Context, d webhook.Delivery) (string, bool, error) {
	es, err := rs.s.store.FindEventSourceByID(ctx, d.SourceID)
	if err != nil {
		return "", false, err
	}
	now := rs.s.timestamp()
	if h, ok := integrationTypes.Hooks(es.Type); ok && d.DeliveryID == "" && !h.DeliveryIDs() {
		// The tool (Semaphore) gives no delivery id, so a replayed or
		// retried notification is recognised by its body within the window.
		sum := sha256.Sum256(d.Body)
		bucket := now.Unix() / int64(bodyDedupeWindow/time.Second)
		prev, err := rs.s.store.FindEventByDeliveryID(ctx, es.ID, bodyDeliveryID(sum, bucket-1))
		switch {
		case err == nil && now.Sub(prev.ReceivedAt) < bodyDedupeWindow:
			return prev.ID, true, nil
		case err != nil && !isNotFound(err):
			return "", false, err
		}
		d.DeliveryID = bodyDeliveryID(sum, bucket)
	}
	ev := store.Event{
		ID: uuid.NewString(), OrgID: es.OrgID, CanvasID: es.CanvasID, SourceID: es.ID,
		Type: d.Type, DeliveryID: d.DeliveryID, Raw: d.Body, ReceivedAt: now,
	}
	if ev.Headers, err = json.Marshal(d.Headers); err != nil {
		return "", false, err
	}
	ev.State = api.EventStatePending
	if ok, err := rs.s.accepts(es, d); err != nil {
		// An expression over its limits: the event is kept, rejected with
		// the reason, and the sender answered as for any stored event.
		ev.State, ev.StateReason, ev.StateMessage = api.EventStateRejected, store.StateReasonError, err.Error()
	} else if !ok {
		ev.State, ev.StateReason = api.EventStateRejected, eventReasonFiltered
	}
	stored, inserted, err := rs.s.store.InsertEvent(ctx, ev)
	if err != nil {
		return "", false, err
	}
	if inserted && ev.State == api.EventStatePending {
		rs.s.engine.Wake()
	}
	return stored.ID, !inserted, nil
}

// eventReasonFiltered is the StateReason of an event the source's event
// types or filters refused.
const eventReasonFiltered = "STATE_REASON_FILTERED"

// accepts applies the source's event types and filters to a delivery. No
// event types configured accepts everything. The error says which filter
// exceeded its limits (or no longer compiles: saved before the limits).
func (s *Server) accepts(es store.EventSource, d webhook.Delivery) (bool, error) {
	progs, ok := sourceProgramsOf(es)
	if !ok {
		return true, nil
	}
	c, ok := progs[d.Type]
	if !ok {
		return false, nil
	}
	if c.err != nil {
		return false, c.err
	}
	var payload map[string]any
	if err := json.Unmarshal(d.Body, &payload); err != nil {
		return false, nil
	}
	return c.set.Match(payload, d.Headers)
}

// maxEventLimit is the largest ?limit= of the events listing, and the most
// events the store returns at once.
const maxEventLimit = 500

// listEvents serves GET /api/v1/canvases/{canvasIdOrName}/events, newest
// first, a page at a time (?limit=, and ?before= with ?beforeId= from the
// previous page's last event). sourceId narrows it to one source.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := store.ParsePage(store.PageQuery{Limit: q.Get("limit"), Before: q.Get("before"), BeforeID: q.Get("beforeId")},
		store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: maxEventLimit, Item: "event"})
	if err != nil {
		return invalid("%s", err)
	}
	var sourceID string
	if id := q.Get("sourceId"); id != "" {
		es, err := s.store.FindEventSource(r.Context(), p.Organization.ID, c.ID, id)
		if err != nil {
			return err
		}
		sourceID = es.ID
	}
	want := page.Limit
	page.Limit++
	events, err := s.store.ListEvents(r.Context(), p.Organization.ID, c.ID, sourceID, page)
	if err != nil {
		return err
	}
	out := api.ListEventsResponse{Events: []api.Event{}}
	switch {
	case len(events) > want:
		events, out.HasNextPage = events[:want], true
	case len(events) == want && want >= maxEventLimit:
		// The store returns at most maxEventLimit events, so it could not
		// add the one that tells; offer a next page (empty, maybe) rather
		// than hide the rest.
		out.HasNextPage = true
	}
	for _, ev := range events {
		out.Events = append(out.Events, eventToAPI(ev))
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
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	if req.SourceID == "" {
		return invalid("sourceId is required")
	}
	es, err := s.store.FindEventSource(r.Context(), p.Organization.ID, c.ID, req.SourceID)
	if err != nil {
		return err
	}
	if es.Type != api.EventSourceTypeManual {
		return invalid("sourceId: event source %q is a %s source; events are posted by hand only to manual sources", es.Name, es.Type)
	}
	if req.Raw == nil {
		req.Raw = map[string]any{}
	}
	if req.Type == "" {
		req.Type = "manual"
	}
	body, err := json.Marshal(req.Raw)
	if err != nil {
		return invalid("raw must be a JSON object")
	}
	id, _, err := receiverSink{s}.Store(r.Context(), webhook.Delivery{SourceID: es.ID, Type: req.Type, Body: body, Headers: map[string]string{}})
	if err != nil {
		return err
	}
	ev, err := s.store.FindEvent(r.Context(), p.Organization.ID, c.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.EventResponse{Event: eventToAPI(ev)})
	return nil
}
