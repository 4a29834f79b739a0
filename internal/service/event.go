package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Events holds the rules for events: the listing, events posted by hand to
// manual sources, and what the webhook receivers need (a source's keys, and
// storing a verified delivery as an event). The receivers themselves are
// HTTP (internal/webhook); the server adapts them to Lookup and Receive.
type Events struct {
	Store  store.Store
	Sealer *sealer.Sealer
	// Types are the integration types: one whose tool names no deliveries
	// (Hooks.DeliveryIDs false) has its deliveries deduplicated by body.
	Types *integration.Registry
	Now   func() time.Time
	// Wake tells the engine that a pending event arrived, so it routes it
	// now rather than at its next tick; nil wakes nothing.
	Wake func()
	// Yield, when set, is called after a pending event of org is stored
	// and before its sender is answered: the engine holds the answer while
	// org's unrouted events are past its bound, for a bounded time
	// (RoutingYielder); nil answers at once.
	Yield func(ctx context.Context, org string)

	// kept are the sources the receivers read, kept for LookupKept.
	kept keptSources
}

// MaxEventLimit is the largest ?limit= of the events listing, and the most
// events the store returns at once.
const MaxEventLimit = 500

// EventReasonFiltered is the StateReason of an event the source's event
// types or filters refused.
const EventReasonFiltered = "STATE_REASON_FILTERED"

// bodyDedupeWindow is how long a delivery without a delivery id (Semaphore
// sends none) answers a second delivery of the same body to the same source
// with the first event: a replay, or a sender's retry after a lost answer.
const bodyDedupeWindow = 5 * time.Minute

// ReceiverSource is what a receiver needs to know about an event source:
// its type, its signature scheme and its keys (the current one, then the
// previous one during its grace period).
type ReceiverSource struct {
	ID, Type, Scheme string
	Keys             [][]byte
	// Source is the stored source the keys were opened from (the fields
	// store.FindEventSourceForDelivery reads): ReceiveFrom stores a delivery
	// the keys verified with it, without reading it again.
	Source store.EventSource
	// Kept tells that LookupKept answered from memory: ReceiveFrom then
	// stores the delivery only if the stored source is still this one.
	Kept bool
}

// Delivery is a verified, parsed delivery to store (see webhook.Delivery).
type Delivery struct {
	SourceID, Type, DeliveryID string
	Body                       []byte
	Headers                    map[string]string
}

// bodyDeliveryID is the delivery id stored for a delivery without one: the
// body's hash in the window numbered bucket. The unique index on
// (source, delivery id) makes concurrent copies agree on one event; the
// previous window is checked by time (see Receive).
func bodyDeliveryID(sum [sha256.Size]byte, bucket int64) string {
	return "body-sha256:" + hex.EncodeToString(sum[:]) + "@" + strconv.FormatInt(bucket, 10)
}

// Receive stores a verified delivery as an event, durably before it
// returns. The source's filters decide the event's state. It returns the
// event's id, and duplicate true when the delivery had been stored before
// (the earlier event's id).
func (s *Events) Receive(ctx context.Context, d Delivery) (string, bool, error) {
	es, err := s.Store.FindEventSourceByID(ctx, d.SourceID)
	if err != nil {
		return "", false, err
	}
	return s.receive(ctx, es, d, false)
}

// ReceiveFrom is Receive for a delivery verified with the keys of es, the
// source as Lookup or LookupKept gave it (ReceiverSource.Source): the
// source is not read again. The event is stored only if the stored source
// still is es (store.Event.Verified), so its filters and event types are
// the ones the delivery's signature was checked against and still the
// source's: otherwise nothing is stored and the error is
// store.ErrSourceChanged, or not found when the source is gone.
func (s *Events) ReceiveFrom(ctx context.Context, es store.EventSource, d Delivery) (string, bool, error) {
	return s.receive(ctx, es, d, true)
}

// receive stores d as an event of es; verified tells that es is what
// verified d, to be checked against the stored source.
func (s *Events) receive(ctx context.Context, es store.EventSource, d Delivery, verified bool) (string, bool, error) {
	var err error
	now := Timestamp(s.Now)
	if h, ok := s.Types.Hooks(es.Type); ok && d.DeliveryID == "" && !h.DeliveryIDs() {
		// The tool (Semaphore) gives no delivery id, so a replayed or
		// retried notification is recognised by its body within the window.
		sum := sha256.Sum256(d.Body)
		bucket := now.Unix() / int64(bodyDedupeWindow/time.Second)
		prev, err := s.Store.FindEventByDeliveryID(ctx, es.ID, bodyDeliveryID(sum, bucket-1))
		switch {
		case err == nil && now.Sub(prev.ReceivedAt) < bodyDedupeWindow:
			return prev.ID, true, nil
		case err != nil && !isNotFound(err):
			return "", false, err
		}
		d.DeliveryID = bodyDeliveryID(sum, bucket)
	}
	// A time-ordered id (UUIDv7): the events' primary-key index takes a
	// group commit's events at its end, a page or two a batch, where random
	// ids wrote (and first read) one page of it an event, and the routing
	// that marks them finds them on the same few pages.
	ev := store.Event{
		ID: store.NewTimeOrderedID(), OrgID: es.OrgID, CanvasID: es.CanvasID, SourceID: es.ID,
		Type: d.Type, DeliveryID: d.DeliveryID, Raw: d.Body, ReceivedAt: now,
	}
	if verified {
		ev.Verified = &es
	}
	if ev.Headers, err = marshalHeaders(d.Headers); err != nil {
		return "", false, err
	}
	ev.State = api.EventStatePending
	if ok, err := accepts(es, d); err != nil {
		// An expression over its limits, or events that do not decode: the
		// event is kept, rejected with the reason, and the sender answered
		// as for any stored event.
		ev.State, ev.StateReason, ev.StateMessage = api.EventStateRejected, store.StateReasonError, err.Error()
	} else if !ok {
		ev.State, ev.StateReason = api.EventStateRejected, EventReasonFiltered
	}
	stored, inserted, err := s.Store.InsertEvent(ctx, ev)
	if err != nil {
		return "", false, err
	}
	if inserted && ev.State == api.EventStatePending {
		if s.Wake != nil {
			s.Wake()
		}
		if s.Yield != nil {
			// Stored first: a sender that gives up waiting still has
			// its event, routed as any other.
			s.Yield(ctx, ev.OrgID)
		}
	}
	return stored.ID, !inserted, nil
}

// accepts applies the source's event types and filters to a delivery. No
// event types configured accepts everything. The error says which filter
// exceeded its limits (or no longer compiles: saved before the limits), or
// that the source's stored events do not decode.
func accepts(es store.EventSource, d Delivery) (bool, error) {
	progs, ok, err := sourceProgramsOf(es)
	if err != nil {
		return false, err
	}
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

// EventQuery is a page of the events listing: ?limit=, ?before= and
// ?beforeId= (from the previous page's last event), and ?sourceId=.
type EventQuery struct {
	Limit, Before, BeforeID, SourceID string
	// States narrows the list to events in these states (the contract's
	// ?states=, repeated); empty lists every state.
	States []string
}

// MaxEventCount bounds the count of a listing's matching events: counting
// reads the index up to it, so a long history costs a bounded query (about
// what reading a page costs; BenchmarkCountEvents), and a larger count is
// answered as MaxEventCount, marked capped.
const MaxEventCount = 1000

// EventList is a page of a canvas's events and what the listing answers
// about the rest.
type EventList struct {
	Events []store.Event
	// More tells whether a next page may follow.
	More bool
	// Total is the number of events the query matches, all pages
	// together; TotalCapped tells it stopped at MaxEventCount.
	Total       int64
	TotalCapped bool
}

// eventStates are the states an event can be in, as ?states= names them.
var eventStates = []string{api.EventStatePending, api.EventStateRejected, api.EventStateProcessed}

// List returns a page of the canvas's events, newest first, whether a next
// page may follow, and how many events match in all. SourceID narrows it
// to one source, States to events in those states.
func (s *Events) List(ctx context.Context, p store.Principal, canvasIDOrName string, q EventQuery) (EventList, error) {
	for _, st := range q.States {
		if !slices.Contains(eventStates, st) {
			return EventList{}, Invalid("states %q is not one of %s", st, strings.Join(eventStates, ", "))
		}
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return EventList{}, err
	}
	page, err := store.ParsePage(store.PageQuery{Limit: q.Limit, Before: q.Before, BeforeID: q.BeforeID},
		store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: MaxEventLimit, Item: "event"})
	if err != nil {
		return EventList{}, Invalid("%s", err)
	}
	f := store.EventFilter{OrgID: p.Organization.ID, CanvasID: c.ID, States: q.States}
	if q.SourceID != "" {
		es, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, q.SourceID)
		if err != nil {
			return EventList{}, err
		}
		f.SourceID = es.ID
	}
	want := page.Limit
	page.Limit++
	events, err := s.Store.ListEventsWhere(ctx, f, page)
	if err != nil {
		return EventList{}, err
	}
	out := EventList{Events: events}
	switch {
	case len(events) > want:
		out.Events, out.More = events[:want], true
	case len(events) == want && want >= MaxEventLimit:
		// The store returns at most MaxEventLimit events, so it could not
		// add the one that tells; offer a next page (empty, maybe) rather
		// than hide the rest.
		out.More = true
	}
	// The count is of every matching event, not of this page: the
	// contract's totalCount. Events arriving between the two queries may
	// make it differ from the pages by a few.
	if out.Total, out.TotalCapped, err = s.Store.CountEvents(ctx, f, MaxEventCount); err != nil {
		return EventList{}, err
	}
	return out, nil
}

// Create posts an event by hand to a manual source of the canvas
// canvasIDOrName.
func (s *Events) Create(ctx context.Context, p store.Principal, canvasIDOrName string, req api.CreateEventRequest) (store.Event, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return store.Event{}, err
	}
	if req.SourceID == "" {
		return store.Event{}, Invalid("sourceId is required")
	}
	es, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, req.SourceID)
	if err != nil {
		return store.Event{}, err
	}
	if es.Type != api.EventSourceTypeManual {
		return store.Event{}, Invalid("sourceId: event source %q is a %s source; events are posted by hand only to manual sources", es.Name, es.Type)
	}
	if req.Raw == nil {
		req.Raw = map[string]any{}
	}
	if req.Type == "" {
		req.Type = "manual"
	}
	body, err := json.Marshal(req.Raw)
	if err != nil {
		return store.Event{}, Invalid("raw must be a JSON object")
	}
	id, _, err := s.Receive(ctx, Delivery{SourceID: es.ID, Type: req.Type, Body: body, Headers: map[string]string{}})
	if err != nil {
		return store.Event{}, err
	}
	return s.Store.FindEvent(ctx, p.Organization.ID, c.ID, id)
}
