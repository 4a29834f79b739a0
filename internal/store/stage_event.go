package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// StageEvent is an event in a stage's queue. It carries a copy of what
// triggered it (an event of a source, or the end of an execution of another
// stage), so it does not depend on the trigger's lifetime.
type StageEvent struct {
	ID       string
	OrgID    string
	CanvasID string
	StageID  string
	// Connection is the name of the stage's connection that matched.
	Connection string
	// Trigger*: what the event came from. TriggerSourceType is
	// "TYPE_EVENT_SOURCE" or "TYPE_STAGE"; TriggerEventID is the source event
	// or the upstream execution id.
	TriggerSourceType string
	TriggerSourceID   string
	TriggerSourceName string
	TriggerEventID    string
	TriggerType       string
	TriggerPayload    []byte // JSON object (DecodeTriggerPayload)
	TriggerHeaders    []byte // JSON object (DecodeTriggerHeaders)
	State             string // StageEvent*
	StateReason       string // STATE_REASON_APPROVAL, STATE_REASON_TIME_WINDOW or ""
	Inputs            []byte // JSON []KeyValue, resolved when queued (DecodeInputs)
	Approvals         []byte // JSON []Approval (DecodeApprovals)
	DiscardedBy       string
	DiscardedAt       time.Time
	CreatedAt         time.Time
	// StartIfFree is not stored: on a stage event RouteEventsBatch writes,
	// the router says its stage has no conditions (no approval, no time
	// window) in the spec it matched with, so that when the stage has no
	// unfinished execution and no other queued event the execution starts
	// in the routing transaction (startIfFree) rather than after the queue
	// advance's read and a transaction of its own.
	StartIfFree bool
}

// Stage event states: the wire's values (the server's
// TestStoreStatesAreTheWire checks them against package api's), defined
// here once for the store.
const (
	StageEventPending   = "STATE_PENDING"
	StageEventWaiting   = "STATE_WAITING"
	StageEventProcessed = "STATE_PROCESSED"
	StageEventDiscarded = "STATE_DISCARDED"
)

// The stage event states as SQL literals. A query spells a state out rather
// than binding it as a parameter when a partial index of the migrations
// names that state (stage_events' queue index): the planners use a partial
// index only when the query's own text implies the index's predicate.
const (
	sqlStageEventPending   = "'" + StageEventPending + "'"
	sqlStageEventWaiting   = "'" + StageEventWaiting + "'"
	sqlStageEventProcessed = "'" + StageEventProcessed + "'"
	sqlStageEventDiscarded = "'" + StageEventDiscarded + "'"
)

// StageEventStore is the part of Store that keeps the stage events queued
// at stages and finds the queue heads the engine works on.
type StageEventStore interface {
	// InsertStageEvents inserts stage events (used for tests and manual
	// triggers), all or none. ErrNotFound when a stage is not in the event's
	// canvas; ErrConflict on a taken id.
	InsertStageEvents(ctx context.Context, evs []StageEvent) error
	// FindStageEvent returns the stage's event, or ErrNotFound.
	FindStageEvent(ctx context.Context, orgID, canvasID, stageID, id string) (StageEvent, error)
	// ListStageEvents returns a page of the stage's events in the given
	// states (all when empty), newest first (CreatedAt, then ID).
	ListStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page) ([]StageEvent, error)
	// UpdateStageEvent loads, lets fn change and writes back a stage event in
	// one transaction (approve, discard). fn must not call the store; only
	// State, StateReason, Inputs, Approvals, DiscardedBy and DiscardedAt are
	// written. ErrNotFound when missing; fn's error aborts and is returned
	// unchanged.
	UpdateStageEvent(ctx context.Context, orgID, canvasID, stageID, id string, fn func(*StageEvent) error) (StageEvent, error)
	// QueueHeads returns the heads of up to limit queues due at now: for
	// each stage without an unfinished execution, the oldest (CreatedAt,
	// then ID) stage event in state STATE_PENDING or STATE_WAITING, unless
	// the queue waits (WaitStageEvent) until after now. Organizations take turns
	// (every organization's first head before any second one), and so do
	// the canvases of an organization; each turn is oldest first.
	QueueHeads(ctx context.Context, now time.Time, limit int) ([]StageEvent, error)
	// WaitStageEvent marks the queued event seen STATE_WAITING for reason
	// and has QueueHeads pass over its stage's queue until recheckAt (zero:
	// due at once),
	// provided its approvals are still seen's and its stage's spec is still
	// stageSpec; ErrConflict otherwise, with nothing written. UpdateStageEvent
	// of the event and UpdateStage of its stage make it due again at once.
	WaitStageEvent(ctx context.Context, seen StageEvent, stageSpec []byte, reason string, recheckAt time.Time) error
}

const stageEventColumns = `se.id, se.org_id, se.canvas_id, se.stage_id, se.connection, se.trigger_source_type,
	se.trigger_source_id, se.trigger_source_name, se.trigger_event_id, se.trigger_type, se.trigger_payload,
	se.trigger_headers, se.state, se.state_reason, se.inputs, se.approvals, se.discarded_by, se.discarded_at,
	se.created_at`

func scanStageEvent(row rowScanner) (StageEvent, error) {
	var ev StageEvent
	err := row.Scan(stageEventDests(&ev)...)
	return ev, err
}

// stageEventDests are the scan destinations of stageEventColumns.
func stageEventDests(ev *StageEvent) []any {
	return []any{&ev.ID, &ev.OrgID, &ev.CanvasID, &ev.StageID, &ev.Connection, &ev.TriggerSourceType,
		&ev.TriggerSourceID, &ev.TriggerSourceName, &ev.TriggerEventID, &ev.TriggerType,
		blobColumn{&ev.TriggerPayload}, blobColumn{&ev.TriggerHeaders}, &ev.State, &ev.StateReason,
		blobColumn{&ev.Inputs}, blobColumn{&ev.Approvals}, &ev.DiscardedBy, nullTimeColumn{&ev.DiscardedAt},
		timeColumn{&ev.CreatedAt}}
}

// insertStageEvent inserts a stage event (stageEventInserter.insert).
const insertStageEvent = `INSERT INTO stage_events (id, org_id, canvas_id, stage_id,
	connection, trigger_source_type, trigger_source_id, trigger_source_name, trigger_event_id,
	trigger_type, trigger_payload, trigger_headers, state, state_reason, inputs, approvals,
	discarded_by, discarded_at, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// stageEventInserter inserts stage events in one transaction, preparing its
// statement once on SQLite: a routing batch inserts hundreds, and SQLite
// would otherwise parse the INSERT again for each.
type stageEventInserter struct {
	s    *db
	tx   *sql.Tx
	stmt *sql.Stmt
}

// close releases the prepared statement, if any.
func (in *stageEventInserter) close() {
	if in.stmt != nil {
		_ = in.stmt.Close()
	}
}

// insert inserts evs. An empty OrgID or CanvasID is taken from org and
// canvas (the trigger's), when given.
func (in *stageEventInserter) insert(ctx context.Context, org, canvas string, evs []StageEvent) error {
	s := in.s
	for _, ev := range evs {
		id, ok := canonicalID(ev.ID)
		if !ok {
			return fmt.Errorf("store: stage event id %q is not a UUID", ev.ID)
		}
		if ev.OrgID == "" {
			ev.OrgID = org
		}
		if ev.CanvasID == "" {
			ev.CanvasID = canvas
		}
		evOrg, okOrg := canonicalID(ev.OrgID)
		evCanvas, okCanvas := canonicalID(ev.CanvasID)
		stage, okStage := canonicalID(ev.StageID)
		if !okOrg || !okCanvas || !okStage {
			return NotFound("stage %q not found in canvas %q", ev.StageID, ev.CanvasID)
		}
		args := []any{id, evOrg, evCanvas, stage, ev.Connection, ev.TriggerSourceType,
			ev.TriggerSourceID, ev.TriggerSourceName, ev.TriggerEventID, ev.TriggerType, blob(ev.TriggerPayload),
			blob(ev.TriggerHeaders), ev.State, ev.StateReason, blob(ev.Inputs), blob(ev.Approvals), ev.DiscardedBy,
			s.nullTime(ev.DiscardedAt), s.time(ev.CreatedAt)}
		var err error
		if !s.d.oneWriter {
			// pgx keeps the statement prepared on its connection (its
			// statement cache); a statement of ours was prepared and
			// deallocated again, two round trips, every batch
			// (BENCHMARKS.md, PostgreSQL's routing round trips, round ten).
			_, err = in.tx.ExecContext(ctx, s.q(insertStageEvent), args...)
		} else {
			if in.stmt == nil {
				if in.stmt, err = in.tx.PrepareContext(ctx, s.q(insertStageEvent)); err != nil {
					return err
				}
			}
			_, err = in.stmt.ExecContext(ctx, args...)
		}
		switch s.d.classify(err) {
		case primaryKeyViolation:
			return Conflict("stage event id %q already exists", ev.ID)
		case foreignKeyViolation:
			// Deleted, or in another canvas than the event's.
			return NotFound("stage %q not found in canvas %q", ev.StageID, ev.CanvasID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insertStageEvents inserts evs in tx; see stageEventInserter.insert.
func (s *db) insertStageEvents(ctx context.Context, tx *sql.Tx, org, canvas string, evs []StageEvent) error {
	in := &stageEventInserter{s: s, tx: tx}
	defer in.close()
	return in.insert(ctx, org, canvas, evs)
}

// InsertStageEvents inserts evs in one transaction: all or none. ErrNotFound
// when a stage does not exist in the event's canvas; ErrConflict on a taken
// id.
func (s *db) InsertStageEvents(ctx context.Context, evs []StageEvent) error {
	if len(evs) == 0 {
		return nil
	}
	return wrap("insert stage events", s.inTx(ctx, func(tx *sql.Tx) error {
		return s.insertStageEvents(ctx, tx, "", "", evs)
	}))
}

// findStageEvent looks the stage's event up in q; forUpdate locks its row
// until q's transaction ends.
func (s *db) findStageEvent(ctx context.Context, q querier, orgID, canvasID, stageID, id string, forUpdate bool) (StageEvent, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	eventID, okID := canonicalID(id)
	if !ok || !okID {
		return StageEvent{}, NotFound("stage event %q not found", id)
	}
	query := `SELECT ` + stageEventColumns + ` FROM stage_events se
		WHERE se.org_id = ? AND se.canvas_id = ? AND se.stage_id = ? AND se.id = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	ev, err := scanStageEvent(q.QueryRowContext(ctx, s.q(query), org, canvas, stage, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return StageEvent{}, NotFound("stage event %q not found", id)
	}
	return ev, err
}

// FindStageEvent returns the stage's event, or ErrNotFound.
func (s *db) FindStageEvent(ctx context.Context, orgID, canvasID, stageID, id string) (StageEvent, error) {
	ev, err := s.findStageEvent(ctx, s.sql, orgID, canvasID, stageID, id, false)
	return ev, wrap("find stage event", err)
}

// ListStageEvents returns a page of the stage's events in the given states
// (all when empty), newest first, ties on CreatedAt broken by id.
func (s *db) ListStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page) ([]StageEvent, error) {
	events := []StageEvent{}
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return events, nil
	}
	cond, ok := stageEventStates("se", states)
	if !ok {
		return events, nil
	}
	query, args, err := s.keyset(`SELECT `+stageEventColumns+` FROM stage_events se
		WHERE se.stage_id = ? AND se.org_id = ? AND se.canvas_id = ?`+cond, []any{stage, org, canvas}, "se.created_at", "se.id", page)
	if err != nil {
		return nil, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list stage events", err)
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanStageEvent(rows)
		if err != nil {
			return nil, wrap("list stage events", err)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list stage events", err)
	}
	return events, nil
}

// UpdateStageEvent loads the stage event, lets fn change it and writes it
// back in one transaction; the row stays locked meanwhile. Only State,
// StateReason, Inputs, Approvals, DiscardedBy and DiscardedAt are written:
// the event's place and its trigger are history. ErrNotFound when missing;
// fn's error aborts and is returned unchanged.
func (s *db) UpdateStageEvent(ctx context.Context, orgID, canvasID, stageID, id string, fn func(*StageEvent) error) (StageEvent, error) {
	var (
		out   StageEvent
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findStageEvent(ctx, tx, orgID, canvasID, stageID, id, true)
		if err != nil {
			return err
		}
		ev := stored
		ev.TriggerPayload = append([]byte(nil), stored.TriggerPayload...)
		ev.TriggerHeaders = append([]byte(nil), stored.TriggerHeaders...)
		ev.Inputs = append([]byte(nil), stored.Inputs...)
		ev.Approvals = append([]byte(nil), stored.Approvals...)
		if fnErr = fn(&ev); fnErr != nil {
			return fnErr
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE stage_events SET state = ?, state_reason = ?, inputs = ?,
			approvals = ?, discarded_by = ?, discarded_at = ? WHERE id = ?`),
			ev.State, ev.StateReason, blob(ev.Inputs), blob(ev.Approvals), ev.DiscardedBy, s.nullTime(ev.DiscardedAt),
			stored.ID)
		if err != nil {
			return err
		}
		// Whatever changed (an approval, a discard), the engine looks at
		// the stage's queue at its next pass.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE stages SET queue_recheck_at = NULL
			WHERE id = ? AND queue_recheck_at IS NOT NULL`), stored.StageID); err != nil {
			return err
		}
		out, err = s.findStageEvent(ctx, tx, stored.OrgID, stored.CanvasID, stored.StageID, stored.ID, false)
		return err
	})
	if fnErr != nil {
		return StageEvent{}, fnErr
	}
	if err != nil {
		return StageEvent{}, wrap("update stage event", err)
	}
	return out, nil
}
