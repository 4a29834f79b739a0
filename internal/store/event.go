package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Event is one delivery accepted by an event source, stored before the
// sender is answered.
type Event struct {
	ID         string
	OrgID      string
	CanvasID   string
	SourceID   string
	SourceName string // read from the source
	Type       string // e.g. the X-GitHub-Event value, or "webhook"
	// DeliveryID is the sender's id for the delivery (X-GitHub-Delivery); a
	// second delivery with the same id for the same source is not stored.
	DeliveryID string
	Raw        []byte // a JSON object, as received (DecodeRaw)
	Headers    []byte // a JSON object of lower-cased header names to values (DecodeHeaders)
	State      string // EventPending, EventProcessed or EventRejected
	// StateReason and StateMessage say why an event was rejected: the
	// source's filters (STATE_REASON_FILTERED), or an error
	// (STATE_REASON_ERROR) with its message, such as an expression that
	// exceeded its limits or routing that failed MaxRouteAttempts times.
	StateReason  string
	StateMessage string
	// RouteAttempts is how many times routing the event was started (read
	// only; RouteEvents counts it).
	RouteAttempts int
	ReceivedAt    time.Time
	// Verified, when set, is the source as the receiver had it when it
	// verified and judged this delivery (FindEventSourceForDelivery's
	// fields), possibly kept in memory since: InsertEvent stores the event
	// only if the source still has exactly those fields, in the
	// transaction that stores it, and answers ErrSourceChanged otherwise.
	// Written to no column; reads leave it nil.
	Verified *EventSource
	// StagesVersion, when StagesVersionKnown, is the event's canvas's
	// stages version (Store.StagesVersion) read by the routing claim that
	// handed the event to route, so that routing need not read it again
	// (PostgreSQL's one-statement claim sets it). Other reads leave it
	// unknown.
	StagesVersion      int64
	StagesVersionKnown bool
	// NoConnectionGroups, when set, says that the event's canvas had no
	// connection group when the routing claim that handed it to route
	// read it (PostgreSQL's one-statement claim), so that routing need not
	// list them, a round trip a batch in its claim turn (BENCHMARKS.md,
	// PostgreSQL's start p99, round twelve). Unset, the groups are
	// unknown, not present.
	NoConnectionGroups bool
}

// Event states: the wire's values (the server's TestStoreStatesAreTheWire
// checks them against package api's), defined here once for the store.
const (
	EventPending   = "STATE_PENDING"
	EventProcessed = "STATE_PROCESSED"
	EventRejected  = "STATE_REJECTED"
)

// The event states as SQL literals, for the routing queries that must match
// the events_pending_org partial index or share a statement with those that do;
// see sqlStageEventPending.
const (
	sqlEventPending   = "'" + EventPending + "'"
	sqlEventProcessed = "'" + EventProcessed + "'"
)

// EventStore is the part of Store that keeps the events sources accept
// and routes them into stage queues.
type EventStore interface {
	// InsertEvent stores ev and makes it its source's last event, in one
	// transaction that is durable when InsertEvent returns. OrgID, CanvasID
	// and SourceName are taken from the source. When ev.DeliveryID is set and
	// the source already has an event with it, nothing is stored and the
	// earlier event is returned with inserted false (concurrent redeliveries
	// included). ErrNotFound when the source does not exist; ErrConflict when
	// ev.ID is taken; ErrSourceChanged when ev.Verified is set and the
	// source's delivery fields differ from it (nothing stored).
	InsertEvent(ctx context.Context, ev Event) (stored Event, inserted bool, err error)
	// FindEvent returns the event with this id in the canvas, or ErrNotFound.
	FindEvent(ctx context.Context, orgID, canvasID, id string) (Event, error)
	// FindEventByDeliveryID returns the source's event stored with this
	// (non-empty) delivery id, or ErrNotFound.
	FindEventByDeliveryID(ctx context.Context, sourceID, deliveryID string) (Event, error)
	// ListEvents returns a page of the canvas's events (of the source with
	// id sourceID unless it is empty), newest first; the
	// query uses an index and a keyset cursor, so it does not slow down with
	// history.
	ListEvents(ctx context.Context, orgID, canvasID, sourceID string, page Page) ([]Event, error)
	// ListEventsWhere is ListEvents for the events f selects (see
	// eventlist.go).
	ListEventsWhere(ctx context.Context, f EventFilter, page Page) ([]Event, error)
	// CountEvents counts the events f selects, stopping at limit: with more
	// than limit, it returns limit and capped true.
	CountEvents(ctx context.Context, f EventFilter, limit int) (n int64, capped bool, err error)
	// RouteEvents takes up to limit events in state STATE_PENDING, oldest
	// first, that no other server is routing, and for each calls route, which
	// returns the stage events it becomes (possibly none). Each event's stage
	// events are inserted and the event is marked STATE_PROCESSED in the same
	// transaction, so an event is routed exactly once even with several
	// servers. A stage event's empty OrgID or CanvasID is the event's. route
	// is called once for each event taken, with no transaction open (it
	// may read the store), before the transaction that writes what it
	// gave; an event whose lease ran out meanwhile, and another server
	// took, gets nothing written.
	//
	// One event never holds up the others, nor the engine: before route is
	// called, the attempt is counted (and the event leased for RouteLease
	// from now) in a transaction of its own, so even a crash during route
	// counts. route's error, or a stage event the store refuses, leaves that
	// event pending with the error as its StateMessage, to be tried again at
	// the next call; an event already tried MaxRouteAttempts times is marked
	// STATE_REJECTED (STATE_REASON_ERROR, the last error in StateMessage)
	// instead. A *RejectError from route rejects the event at once with its
	// reason. Returns how many events were routed or rejected; limit <= 0
	// routes none.
	RouteEvents(ctx context.Context, now time.Time, limit int, route func(ev Event) ([]StageEvent, error)) (int, error)
}

const eventColumns = `e.id, e.org_id, e.canvas_id, e.source_id, es.name, e.type, e.delivery_id, e.raw, e.headers,
	e.state, e.state_reason, e.state_message, e.route_attempts, e.received_at`

const eventFrom = ` FROM events e JOIN event_sources es ON es.id = e.source_id `

func scanEvent(row rowScanner) (Event, error) {
	var ev Event
	err := row.Scan(&ev.ID, &ev.OrgID, &ev.CanvasID, &ev.SourceID, &ev.SourceName, &ev.Type, &ev.DeliveryID,
		blobColumn{&ev.Raw}, blobColumn{&ev.Headers}, &ev.State, &ev.StateReason, &ev.StateMessage, &ev.RouteAttempts,
		timeColumn{&ev.ReceivedAt})
	return ev, err
}

// InsertEvent stores ev and makes it its source's last event, in one
// transaction. OrgID, CanvasID and SourceName are the source's, whatever ev
// says. A redelivery (same source, same non-empty DeliveryID) stores nothing
// and returns the earlier event with inserted false; concurrent redeliveries
// agree on one event, as the unique index decides. ErrNotFound when the
// source does not exist.
//
// The commit is durable on return (SQLite runs with synchronous=FULL), so the
// sender can be answered.
func (s *db) InsertEvent(ctx context.Context, ev Event) (Event, bool, error) {
	if _, ok := canonicalID(ev.ID); !ok {
		return Event{}, false, fmt.Errorf("store: event id %q is not a UUID", ev.ID)
	}
	if _, ok := canonicalID(ev.SourceID); !ok {
		return Event{}, false, NotFound("event source %q not found", ev.SourceID)
	}
	// Concurrent deliveries share a transaction and its commit (see
	// eventBatcher); the result is the same as one transaction each.
	out, inserted, err := s.events.insert(ctx, s, ev)
	if err != nil {
		return Event{}, false, wrap("insert event", err)
	}
	return out, inserted, nil
}

// insertEvent is InsertEvent's work in the transaction of et (see
// eventbatch.go): the ids are valid UUIDs. The source's last event is set
// by et.finish, once per source, before the commit.
func (s *db) insertEvent(ctx context.Context, et *eventTx, ev Event) (Event, bool, error) {
	id, _ := canonicalID(ev.ID)
	source, _ := canonicalID(ev.SourceID)
	out := ev
	out.ID, out.SourceID = id, source
	src, err := s.eventSourceOf(ctx, et, source)
	if err != nil {
		return Event{}, false, err
	}
	if ev.Verified != nil && !SameForDelivery(*ev.Verified, src.es) {
		return Event{}, false, ErrSourceChanged
	}
	out.OrgID, out.CanvasID, out.SourceName = src.es.OrgID, src.es.CanvasID, src.es.Name
	out.Verified = nil
	// The conflict target names the partial unique index, so only a
	// repeated delivery id is skipped; a repeated event id still fails.
	res, err := et.tx.ExecContext(ctx, s.q(`INSERT INTO events (id, org_id, canvas_id, source_id, type, delivery_id,
		raw, headers, state, state_reason, state_message, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source_id, delivery_id) WHERE delivery_id <> '' DO NOTHING`),
		id, out.OrgID, out.CanvasID, source, ev.Type, ev.DeliveryID, blob(ev.Raw), blob(ev.Headers), ev.State,
		ev.StateReason, ev.StateMessage, s.time(ev.ReceivedAt))
	switch s.d.classify(err) {
	case primaryKeyViolation:
		return Event{}, false, Conflict("event id %q already exists", ev.ID)
	case foreignKeyViolation:
		// The source was deleted since it was read.
		return Event{}, false, NotFound("event source %q not found", ev.SourceID)
	}
	if err != nil {
		return Event{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Event{}, false, err
	}
	if n == 0 {
		out, err = scanEvent(et.tx.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+eventFrom+
			`WHERE e.source_id = ? AND e.delivery_id = ?`), source, ev.DeliveryID))
		if errors.Is(err, sql.ErrNoRows) {
			// Only a concurrent delete of the source removes an event.
			return Event{}, false, NotFound("event source %q not found", ev.SourceID)
		}
		return out, false, err
	}
	out.ReceivedAt = ev.ReceivedAt.UTC().Truncate(time.Microsecond)
	out.Raw, out.Headers = nonEmpty(ev.Raw), nonEmpty(ev.Headers)
	et.last[source] = id
	return out, true, nil
}

// FindEventByDeliveryID returns the source's event stored with this
// delivery id, or ErrNotFound; the unique index on (source_id, delivery_id)
// serves it.
func (s *db) FindEventByDeliveryID(ctx context.Context, sourceID, deliveryID string) (Event, error) {
	source, ok := canonicalID(sourceID)
	if !ok || deliveryID == "" {
		return Event{}, NotFound("event with delivery id %q not found", deliveryID)
	}
	ev, err := scanEvent(s.sql.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+eventFrom+
		`WHERE e.source_id = ? AND e.delivery_id = ?`), source, deliveryID))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, NotFound("event with delivery id %q not found", deliveryID)
	}
	return ev, wrap("find event by delivery id", err)
}

// nonEmpty is b as a read gives it back: nil when empty.
func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// FindEvent returns the event with this id in the canvas, or ErrNotFound.
func (s *db) FindEvent(ctx context.Context, orgID, canvasID, id string) (Event, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	eventID, okID := canonicalID(id)
	if !okOrg || !okCanvas || !okID {
		return Event{}, NotFound("event %q not found", id)
	}
	ev, err := scanEvent(s.sql.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+eventFrom+
		`WHERE e.org_id = ? AND e.canvas_id = ? AND e.id = ?`), org, canvas, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, NotFound("event %q not found", id)
	}
	return ev, wrap("find event", err)
}

// ListEvents returns a page of the canvas's events (of one source when
// sourceID is set), newest first, ties on ReceivedAt broken by id.
// A zero page.BeforeTime asks for the first page; otherwise the page starts
// after the event (BeforeTime, BeforeID), which need not exist any more.
// Limit <= 0 means DefaultPageLimit; more than MaxPageLimit means MaxPageLimit.
//
// The equality prefix and the (received_at, id) order match an index, and
// the cursor is a range bound on it, so a page costs the same however long
// the history is.
func (s *db) ListEvents(ctx context.Context, orgID, canvasID, sourceID string, page Page) ([]Event, error) {
	return s.ListEventsWhere(ctx, EventFilter{OrgID: orgID, CanvasID: canvasID, SourceID: sourceID}, page)
}
