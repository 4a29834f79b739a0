package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

var _ EventSourceStore = (*db)(nil)

// Event pages: the size when the caller gives none, and the most one page
// returns whatever the caller asks.
const (
	defaultEventPage = 50
	maxEventPage     = 500
)

// nilUUID sorts before every generated id: the cursor of the first page of
// EventSourcesWithHooks.
const nilUUID = "00000000-0000-0000-0000-000000000000"

const eventSourceColumns = `es.id, es.org_id, es.canvas_id, es.name, es.description, es.type,
	COALESCE(CAST(es.integration_id AS TEXT), ''), COALESCE(i.name, ''), es.resource_type, es.resource_name,
	es.events, es.schedule, es.key_id, es.key_ciphertext, es.key_version, es.prev_key_ciphertext,
	es.prev_key_expires_at, es.hook_id, es.hook_state, es.hook_reason, es.hook_checked_at, es.hook_attempts,
	es.hook_next_attempt, COALESCE(CAST(es.last_event_id AS TEXT), ''), es.created_by, es.created_at, es.updated_at,
	es.signature_scheme`

// The integration is joined for its name, so a renamed integration shows its
// new name.
const eventSourceFrom = ` FROM event_sources es LEFT JOIN integrations i ON i.id = es.integration_id `

func scanEventSource(row rowScanner) (EventSource, error) {
	var es EventSource
	err := row.Scan(&es.ID, &es.OrgID, &es.CanvasID, &es.Name, &es.Description, &es.Type,
		&es.IntegrationID, &es.IntegrationName, &es.ResourceType, &es.ResourceName,
		blobColumn{&es.Events}, blobColumn{&es.Schedule}, &es.KeyID, blobColumn{&es.KeyCiphertext}, &es.KeyVersion,
		blobColumn{&es.PrevKeyCiphertext}, nullTimeColumn{&es.PrevKeyExpiresAt},
		&es.HookID, &es.HookState, &es.HookReason, nullTimeColumn{&es.HookCheckedAt}, &es.HookAttempts,
		nullTimeColumn{&es.HookNextAttempt}, &es.LastEventID, &es.CreatedBy,
		timeColumn{&es.CreatedAt}, timeColumn{&es.UpdatedAt}, &es.SignatureScheme)
	return es, err
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

// blobColumn scans bytes stored as BLOB, bytea or text. NULL and empty both
// read back as nil, so a value written as nil or empty compares equal to
// what is read.
type blobColumn struct{ b *[]byte }

func (c blobColumn) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.b = nil
	case []byte:
		*c.b = nil
		if len(v) > 0 {
			// The driver may reuse its buffer after Scan returns.
			*c.b = append([]byte(nil), v...)
		}
	case string:
		*c.b = nil
		if v != "" {
			*c.b = []byte(v)
		}
	default:
		return fmt.Errorf("cannot scan %T into bytes", src)
	}
	return nil
}

// blob is the argument for a NOT NULL bytes column: both drivers bind a nil
// slice as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullBlob is the argument for a nullable bytes column: NULL when empty.
func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// checkEventSourceRefs tells whether the source's canvas is in its
// organization and its integration (when it has one) is one the canvas may
// use: the organization's or the canvas's own. The foreign keys are the
// backstop against a concurrent delete; this check gives the precise message
// and keeps another organization's or canvas's integration out.
func (s *db) checkEventSourceRefs(ctx context.Context, q querier, orgID, canvasID, integrationID string, checkCanvas bool) error {
	var one int
	if checkCanvas {
		err := q.QueryRowContext(ctx, s.q(`SELECT 1 FROM canvases WHERE org_id = ? AND id = ?`), orgID, canvasID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return NotFound("canvas %q not found", canvasID)
		}
		if err != nil {
			return err
		}
	}
	if integrationID == "" {
		return nil
	}
	id, ok := canonicalID(integrationID)
	if !ok {
		return NotFound("integration %q not found", integrationID)
	}
	err := q.QueryRowContext(ctx, s.q(`SELECT 1 FROM integrations WHERE id = ? AND org_id = ?
		AND (canvas_id IS NULL OR canvas_id = ?)`), id, orgID, canvasID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return NotFound("integration %q not found", integrationID)
	}
	return err
}

// CreateEventSource inserts es. ErrConflict when the name is taken in the
// canvas; ErrNotFound when its canvas, or its integration among those the
// canvas may use (the organization's and the canvas's own), does not exist.
// LastEventID is ignored: a new source has no events.
func (s *db) CreateEventSource(ctx context.Context, es EventSource) error {
	id, ok := canonicalID(es.ID)
	if !ok {
		return fmt.Errorf("store: event source id %q is not a UUID", es.ID)
	}
	org, ok := canonicalID(es.OrgID)
	if !ok {
		return NotFound("organization %q not found", es.OrgID)
	}
	canvas, ok := canonicalID(es.CanvasID)
	if !ok {
		return NotFound("canvas %q not found", es.CanvasID)
	}
	integration, _ := canonicalID(es.IntegrationID)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkEventSourceRefs(ctx, tx, org, canvas, es.IntegrationID, true); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO event_sources (id, org_id, canvas_id, name, description, type,
			integration_id, resource_type, resource_name, events, schedule, key_id, key_ciphertext, key_version,
			prev_key_ciphertext, prev_key_expires_at, hook_id, hook_state, hook_reason, hook_checked_at,
			hook_attempts, hook_next_attempt, created_by, created_at, updated_at, signature_scheme)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, org, canvas, es.Name, es.Description, es.Type, nullID(integration), es.ResourceType, es.ResourceName,
			string(es.Events), string(es.Schedule), es.KeyID, blob(es.KeyCiphertext), es.KeyVersion,
			nullBlob(es.PrevKeyCiphertext), s.nullTime(es.PrevKeyExpiresAt), es.HookID, es.HookState, es.HookReason,
			s.nullTime(es.HookCheckedAt), es.HookAttempts, s.nullTime(es.HookNextAttempt),
			es.CreatedBy, s.time(es.CreatedAt), s.time(es.UpdatedAt), es.SignatureScheme)
		switch s.d.classify(err) {
		case uniqueViolation:
			return Conflict("event source name %q is already taken", es.Name)
		case primaryKeyViolation:
			return Conflict("event source id %q already exists", es.ID)
		case foreignKeyViolation:
			return NotFound("the canvas or integration of event source %q was not found", es.Name)
		}
		return err
	})
	return wrap("create event source", err)
}

// findEventSource looks the canvas's source up in q; forUpdate locks its row
// until q's transaction ends.
func (s *db) findEventSource(ctx context.Context, q querier, orgID, canvasID, idOrName string, forUpdate bool) (EventSource, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return EventSource{}, NotFound("event source %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	query := `SELECT ` + eventSourceColumns + eventSourceFrom +
		`WHERE es.org_id = ? AND es.canvas_id = ? AND es.` + column + ` = ?`
	if forUpdate {
		// PostgreSQL cannot lock the nullable side of an outer join.
		query += strings.Replace(s.d.forUpdate, "FOR UPDATE", "FOR UPDATE OF es", 1)
	}
	es, err := scanEventSource(q.QueryRowContext(ctx, s.q(query), org, canvas, value))
	if errors.Is(err, sql.ErrNoRows) {
		return EventSource{}, NotFound("event source %q not found", idOrName)
	}
	return es, err
}

// FindEventSource returns the canvas's source by id or name, or ErrNotFound.
func (s *db) FindEventSource(ctx context.Context, orgID, canvasID, idOrName string) (EventSource, error) {
	es, err := s.findEventSource(ctx, s.sql, orgID, canvasID, idOrName, false)
	return es, wrap("find event source", err)
}

// FindEventSourceByID returns the source with this id in any organization,
// or ErrNotFound (a non-UUID included).
func (s *db) FindEventSourceByID(ctx context.Context, id string) (EventSource, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return EventSource{}, NotFound("event source %q not found", id)
	}
	es, err := scanEventSource(s.sql.QueryRowContext(ctx, s.q(`SELECT `+eventSourceColumns+eventSourceFrom+`WHERE es.id = ?`), canonical))
	if errors.Is(err, sql.ErrNoRows) {
		return EventSource{}, NotFound("event source %q not found", id)
	}
	return es, wrap("find event source", err)
}

func (s *db) queryEventSources(ctx context.Context, op, where string, args ...any) ([]EventSource, error) {
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT `+eventSourceColumns+eventSourceFrom+where), args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []EventSource{}
	for rows.Next() {
		es, err := scanEventSource(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, es)
	}
	return out, wrap(op, rows.Err())
}

// ListEventSources returns the canvas's sources ordered by name.
func (s *db) ListEventSources(ctx context.Context, orgID, canvasID string) ([]EventSource, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return []EventSource{}, nil
	}
	return s.queryEventSources(ctx, "list event sources", `WHERE es.org_id = ? AND es.canvas_id = ? ORDER BY es.name`, org, canvas)
}

// UpdateEventSource loads the source, lets fn change it and writes it back in
// one transaction; the row stays locked meanwhile. fn cannot move the source
// or rewrite its history: ID, OrgID, CanvasID, CreatedBy, CreatedAt and
// LastEventID (InsertEvent's to set) keep their stored values, and
// IntegrationName is read from the integration. ErrNotFound when missing or
// when fn sets an integration the canvas cannot use, ErrConflict on a taken
// name; fn's error aborts and is returned unchanged.
func (s *db) UpdateEventSource(ctx context.Context, orgID, canvasID, idOrName string, fn func(*EventSource) error) (EventSource, error) {
	var (
		out   EventSource
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findEventSource(ctx, tx, orgID, canvasID, idOrName, true)
		if err != nil {
			return err
		}
		es := stored
		// Copies, so that fn cannot change stored's bytes behind its back.
		es.Events = append([]byte(nil), stored.Events...)
		es.Schedule = append([]byte(nil), stored.Schedule...)
		es.KeyCiphertext = append([]byte(nil), stored.KeyCiphertext...)
		es.PrevKeyCiphertext = append([]byte(nil), stored.PrevKeyCiphertext...)
		if fnErr = fn(&es); fnErr != nil {
			return fnErr
		}
		es.ID, es.OrgID, es.CanvasID = stored.ID, stored.OrgID, stored.CanvasID
		es.CreatedBy, es.CreatedAt, es.LastEventID = stored.CreatedBy, stored.CreatedAt, stored.LastEventID
		integration := ""
		if es.IntegrationID != "" {
			if es.IntegrationID != stored.IntegrationID {
				if err := s.checkEventSourceRefs(ctx, tx, es.OrgID, es.CanvasID, es.IntegrationID, false); err != nil {
					return err
				}
			}
			integration, _ = canonicalID(es.IntegrationID)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE event_sources SET name = ?, description = ?, type = ?,
			integration_id = ?, resource_type = ?, resource_name = ?, events = ?, schedule = ?, key_id = ?,
			key_ciphertext = ?, key_version = ?, prev_key_ciphertext = ?, prev_key_expires_at = ?, hook_id = ?,
			hook_state = ?, hook_reason = ?, hook_checked_at = ?, hook_attempts = ?, hook_next_attempt = ?,
			updated_at = ?, signature_scheme = ? WHERE id = ?`),
			es.Name, es.Description, es.Type, nullID(integration), es.ResourceType, es.ResourceName,
			string(es.Events), string(es.Schedule), es.KeyID, blob(es.KeyCiphertext), es.KeyVersion,
			nullBlob(es.PrevKeyCiphertext), s.nullTime(es.PrevKeyExpiresAt), es.HookID, es.HookState, es.HookReason,
			s.nullTime(es.HookCheckedAt), es.HookAttempts, s.nullTime(es.HookNextAttempt), s.time(es.UpdatedAt),
			es.SignatureScheme, es.ID)
		switch s.d.classify(err) {
		case uniqueViolation:
			return Conflict("event source name %q is already taken", es.Name)
		case foreignKeyViolation:
			return NotFound("integration %q not found", es.IntegrationID)
		}
		if err != nil {
			return err
		}
		// Read back, so that the integration's name and the stored forms
		// (UTC times, nil for empty bytes) are what the caller gets.
		out, err = s.findEventSource(ctx, tx, es.OrgID, es.CanvasID, es.ID, false)
		return err
	})
	if fnErr != nil {
		return EventSource{}, fnErr
	}
	if err != nil {
		return EventSource{}, wrap("update event source", err)
	}
	return out, nil
}

// DeleteEventSource deletes the source; the foreign key from events deletes
// its events in the same statement. ErrNotFound when missing.
func (s *db) DeleteEventSource(ctx context.Context, orgID, canvasID, idOrName string) error {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return NotFound("event source %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM event_sources WHERE org_id = ? AND canvas_id = ? AND `+column+` = ?`),
		org, canvas, value)
	if err != nil {
		return wrap("delete event source", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("delete event source", err)
	} else if n == 0 {
		return NotFound("event source %q not found", idOrName)
	}
	return nil
}

// EventSourcesWithHooks returns up to limit github and semaphore sources of
// any organization in id order after afterID ("" for the first page).
func (s *db) EventSourcesWithHooks(ctx context.Context, afterID string, limit int) ([]EventSource, error) {
	if limit <= 0 {
		return []EventSource{}, nil
	}
	after := nilUUID
	if afterID != "" {
		var ok bool
		if after, ok = canonicalID(afterID); !ok {
			return nil, fmt.Errorf("store: event source cursor %q is not a UUID", afterID)
		}
	}
	return s.queryEventSources(ctx, "list event sources with hooks",
		`WHERE es.type IN ('github', 'semaphore') AND es.id > ? ORDER BY es.id LIMIT ?`, after, limit)
}

// EventSourcesUsingIntegration returns the sources going through the
// integration, of every canvas, ordered by name.
func (s *db) EventSourcesUsingIntegration(ctx context.Context, integrationID string) ([]EventSource, error) {
	id, ok := canonicalID(integrationID)
	if !ok {
		return []EventSource{}, nil
	}
	return s.queryEventSources(ctx, "list event sources using an integration",
		`WHERE es.integration_id = ? ORDER BY es.name, es.id`, id)
}

// eventSourcesUsing names, for an error message, the sources that go through
// the integration: `"push" (canvas "prod")`, as an organization integration
// serves sources of several canvases that may share a name.
func (s *db) eventSourcesUsing(ctx context.Context, q querier, integrationID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT es.name, c.name FROM event_sources es
		JOIN canvases c ON c.id = es.canvas_id WHERE es.integration_id = ? ORDER BY c.name, es.name`), integrationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []string
	for rows.Next() {
		var source, canvas string
		if err := rows.Scan(&source, &canvas); err != nil {
			return nil, err
		}
		users = append(users, fmt.Sprintf("%q (canvas %q)", source, canvas))
	}
	return users, rows.Err()
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
	src, ok := et.sources[source]
	if !ok {
		err := et.tx.QueryRowContext(ctx, s.q(`SELECT org_id, canvas_id, name FROM event_sources WHERE id = ?`), source).
			Scan(&src.org, &src.canvas, &src.name)
		if errors.Is(err, sql.ErrNoRows) {
			return Event{}, false, NotFound("event source %q not found", ev.SourceID)
		}
		if err != nil {
			return Event{}, false, err
		}
		et.sources[source] = src
	}
	out.OrgID, out.CanvasID, out.SourceName = src.org, src.canvas, src.name
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
// page.SourceID is set), newest first, ties on ReceivedAt broken by id.
// A zero page.BeforeTime asks for the first page; otherwise the page starts
// after the event (BeforeTime, BeforeID), which need not exist any more.
// Limit <= 0 means 50; more than 500 means 500.
//
// The equality prefix and the (received_at, id) order match an index, and
// the cursor is a range bound on it, so a page costs the same however long
// the history is.
func (s *db) ListEvents(ctx context.Context, orgID, canvasID string, page EventPage) ([]Event, error) {
	events := []Event{}
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return events, nil
	}
	var (
		query = `SELECT ` + eventColumns + eventFrom
		args  []any
	)
	if page.SourceID == "" {
		query += `WHERE e.org_id = ? AND e.canvas_id = ?`
		args = append(args, org, canvas)
	} else {
		source, ok := canonicalID(page.SourceID)
		if !ok {
			return events, nil
		}
		// The organization and canvas are checked on the source, so that
		// the planner walks the per-source index, not the canvas's.
		query += `WHERE e.source_id = ? AND es.org_id = ? AND es.canvas_id = ?`
		args = append(args, source, org, canvas)
	}
	if !page.BeforeTime.IsZero() {
		// The nil UUID sorts before every id: without BeforeID, the page
		// starts strictly before BeforeTime.
		before := nilUUID
		if page.BeforeID != "" {
			var ok bool
			if before, ok = canonicalID(page.BeforeID); !ok {
				return nil, fmt.Errorf("store: event cursor id %q is not a UUID", page.BeforeID)
			}
		}
		// A row-value comparison, not "a < ? OR (a = ? AND b < ?)": both
		// databases turn it into a range bound on the index, where the OR
		// form only filters, reading every newer event first.
		query += ` AND (e.received_at, e.id) < (?, ?)`
		args = append(args, s.time(page.BeforeTime), before)
	}
	limit := page.Limit
	switch {
	case limit <= 0:
		limit = defaultEventPage
	case limit > maxEventPage:
		limit = maxEventPage
	}
	query += ` ORDER BY e.received_at DESC, e.id DESC LIMIT ?`
	args = append(args, limit)

	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, wrap("list events", err)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list events", err)
	}
	return events, nil
}
