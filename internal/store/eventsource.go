package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EventSource is where events enter a canvas: a custom webhook, a GitHub or
// Semaphore source provisioned through an integration, a manual source or a
// schedule.
type EventSource struct {
	ID          string
	OrgID       string
	CanvasID    string
	Name        string
	Description string
	Type        string // webhook, github, semaphore, manual, scheduled
	// IntegrationID is the integration a github or semaphore source goes
	// through ("" otherwise); IntegrationName is read from it.
	IntegrationID   string
	IntegrationName string
	ResourceType    string // e.g. "repository"
	ResourceName    string // e.g. "app" (the owner comes from the integration)
	// Events and Schedule are the spec's JSON (validated by the server):
	// []api.EventSourceEventType and *api.EventSourceSchedule, decoded with
	// DecodeJSON (DecodeEventTypes for the event names alone). Like every
	// bytes field of EventSource and Event, empty reads back as nil.
	Events   []byte
	Schedule []byte
	// The signing key, sealed by the keyring with the source id as
	// associated data. PrevKey* is the key replaced by the last reset-key,
	// still accepted until PrevKeyExpiresAt.
	KeyID             string
	KeyCiphertext     []byte
	KeyVersion        int64
	PrevKeyCiphertext []byte
	PrevKeyExpiresAt  time.Time
	// External webhook provisioning: the hook's id on the tool, its state
	// ("" none needed, "pending", "ready", "failed", "repaired"), the tool's
	// reason, when it was last checked, and when to try again after a failure.
	HookID          string
	HookState       string
	HookReason      string
	HookCheckedAt   time.Time
	HookAttempts    int
	HookNextAttempt time.Time
	// SignatureScheme is how a custom webhook source's deliveries are
	// signed: "" (HMAC of the body) or "standard-webhooks".
	SignatureScheme string
	// LastEventID is the newest event received (status.lastEvent).
	LastEventID string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// EventSourceStore is the part of Store that keeps event sources.
type EventSourceStore interface {
	// CreateEventSource inserts es. ErrConflict when the name is taken in the
	// canvas; ErrNotFound when its canvas does not exist in the organization,
	// or its integration is not one the canvas may use (the organization's
	// or the canvas's own).
	CreateEventSource(ctx context.Context, es EventSource) error
	// FindEventSource returns the canvas's source by id or name, or ErrNotFound.
	FindEventSource(ctx context.Context, orgID, canvasID, idOrName string) (EventSource, error)
	// FindEventSourceByID returns the source with this id in any
	// organization (for receivers, which have no token), or ErrNotFound.
	FindEventSourceByID(ctx context.Context, id string) (EventSource, error)
	// FindEventSourceForDelivery is FindEventSourceByID for a webhook
	// receiver, in one statement on the source's row alone: only ID, OrgID,
	// CanvasID, Type, Events, KeyCiphertext, PrevKeyCiphertext,
	// PrevKeyExpiresAt and SignatureScheme are set, what verifying and
	// storing a delivery read.
	FindEventSourceForDelivery(ctx context.Context, id string) (EventSource, error)
	// ListEventSources returns the canvas's sources ordered by name.
	ListEventSources(ctx context.Context, orgID, canvasID string) ([]EventSource, error)
	// UpdateEventSource loads the source, lets fn change it and writes it back
	// in one transaction. fn must not call the store, and cannot change ID,
	// OrgID, CanvasID, CreatedBy, CreatedAt or LastEventID. ErrNotFound when
	// missing or when fn sets an integration the canvas cannot use,
	// ErrConflict on a taken name; fn's error aborts.
	UpdateEventSource(ctx context.Context, orgID, canvasID, idOrName string, fn func(*EventSource) error) (EventSource, error)
	// DeleteEventSource deletes the source and its events. ErrNotFound when missing.
	DeleteEventSource(ctx context.Context, orgID, canvasID, idOrName string) error
	// EventSourcesWithHooks returns up to limit sources of any organization
	// whose type needs an external hook (github, semaphore, gitlab, bitbucket), in id order
	// after afterID ("" for the first page), for the reconciler.
	EventSourcesWithHooks(ctx context.Context, afterID string, limit int) ([]EventSource, error)
	// EventSourcesUsingIntegration returns the sources going through the
	// integration with this id.
	EventSourcesUsingIntegration(ctx context.Context, integrationID string) ([]EventSource, error)
	// EventSourcesNotUnderKey returns up to limit sources of any organization
	// whose signing key is sealed under another key than keyID, in id order.
	EventSourcesNotUnderKey(ctx context.Context, keyID string, limit int) ([]EventSource, error)
	// RewrapEventSourceKey replaces the sealed signing key and previous key
	// of source id when its stored signing key still equals oldKey
	// (compare-and-swap); it reports whether it did.
	RewrapEventSourceKey(ctx context.Context, id string, oldKey, newKey, newPrevKey []byte, newKeyID string) (bool, error)
}

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

// eventSources are found by id or name in their scope.
var eventSources = named[EventSource]{what: "event source", table: "event_sources", alias: "es", sel: `SELECT ` + eventSourceColumns + eventSourceFrom, joined: true, scan: scanEventSource}

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
	// As CreateStage: a shared transaction on SQLite, and the request's
	// audit record in it.
	pa := takePendingAudit(ctx, auditEventSource)
	err := s.writes.doTx(ctx, s, func(ctx context.Context, q querier) error {
		if err := s.checkEventSourceRefs(ctx, q, org, canvas, es.IntegrationID, true); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, s.q(`INSERT INTO event_sources (id, org_id, canvas_id, name, description, type,
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
		if err != nil {
			return err
		}
		return s.recordInTx(ctx, q, pa, id, es.Name, canvas)
	})
	pa.done(err)
	return wrap("create event source", err)
}

// findEventSource looks the canvas's source up in q; forUpdate locks its row
// until q's transaction ends.
func (s *db) findEventSource(ctx context.Context, q querier, orgID, canvasID, idOrName string, forUpdate bool) (EventSource, error) {
	return eventSources.find(ctx, s, q, canvasScope(orgID, canvasID), idOrName, forUpdate)
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

func (s *db) FindEventSourceForDelivery(ctx context.Context, id string) (EventSource, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return EventSource{}, NotFound("event source %q not found", id)
	}
	var es EventSource
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT `+deliverySourceColumns+` FROM event_sources WHERE id = ?`), canonical).
		Scan(deliverySourceDest(&es)...)
	if errors.Is(err, sql.ErrNoRows) {
		return EventSource{}, NotFound("event source %q not found", id)
	}
	return es, wrap("find event source", err)
}

func (s *db) queryEventSources(ctx context.Context, op, where string, args ...any) ([]EventSource, error) {
	return queryAll(ctx, s, op, `SELECT `+eventSourceColumns+eventSourceFrom+where, scanEventSource, args...)
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
	// The request's audit record, when it has one, commits with the change
	// (PendingAudit). A request that writes the source more than once (an
	// update, then its hook's outcome) records with the first write.
	pa := takePendingAudit(ctx, auditEventSource)
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
		if out, err = s.findEventSource(ctx, tx, es.OrgID, es.CanvasID, es.ID, false); err != nil {
			return err
		}
		return s.recordInTx(ctx, tx, pa, out.ID, out.Name, out.CanvasID)
	})
	pa.done(err)
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
	pa := takePendingAudit(ctx, auditEventSource)
	if pa == nil {
		return eventSources.delete(ctx, s, s.sql, canvasScope(orgID, canvasID), idOrName)
	}
	// The request's audit record commits with the deletion and names the
	// source it deleted.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		es, err := s.findEventSource(ctx, tx, orgID, canvasID, idOrName, true)
		if err != nil {
			return err
		}
		if err := eventSources.delete(ctx, s, tx, canvasScope(orgID, canvasID), es.ID); err != nil {
			return err
		}
		return s.recordInTx(ctx, tx, pa, es.ID, es.Name, es.CanvasID)
	})
	pa.done(err)
	return wrap("delete event source", err)
}

// sqlHookedSourceTypes are the event source types whose external hook the
// reconciler keeps, as the SQL list the event_sources_hooks partial index of
// the migrations names: spelled out, not bound, so the planners can use the
// index (see sqlStageEventPending).
const sqlHookedSourceTypes = `('github', 'semaphore', 'gitlab', 'bitbucket', 'azure_devops', 'datadog')`

// EventSourcesWithHooks returns up to limit sources of the hooked types
// (sqlHookedSourceTypes: github, semaphore, gitlab, bitbucket, azure_devops
// and datadog) of any organization in id order after afterID ("" for the
// first page).
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
		`WHERE es.type IN `+sqlHookedSourceTypes+` AND es.id > ? ORDER BY es.id LIMIT ?`, after, limit)
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

// EventSourcesNotUnderKey returns up to limit event sources of any
// organization whose signing key is sealed under a key-encryption key other
// than keyID, in id order, for key rotation.
func (s *db) EventSourcesNotUnderKey(ctx context.Context, keyID string, limit int) ([]EventSource, error) {
	if limit <= 0 {
		return []EventSource{}, nil
	}
	return s.queryEventSources(ctx, "list event sources to rewrap", `WHERE es.key_id <> ? ORDER BY es.id LIMIT ?`, keyID, limit)
}

// RewrapEventSourceKey replaces the sealed signing key (and the sealed
// previous key, which may be nil) of source id, only if the stored signing
// key still equals oldKey: a concurrent reset-key wins and the caller tries
// again. Returns whether it replaced.
func (s *db) RewrapEventSourceKey(ctx context.Context, id string, oldKey, newKey, newPrevKey []byte, newKeyID string) (bool, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return false, nil
	}
	var prev any
	if len(newPrevKey) > 0 {
		prev = newPrevKey
	}
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE event_sources SET key_ciphertext = ?, prev_key_ciphertext = ?, key_id = ?
		WHERE id = ? AND key_ciphertext = ?`), newKey, prev, newKeyID, canonical, oldKey)
	if err != nil {
		return false, wrap("rewrap event source key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("rewrap event source key", err)
	}
	return n == 1, nil
}
