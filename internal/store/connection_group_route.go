package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Routed is what routing one event (or one finished execution) gives: the
// stage events of the stages that take it, and its arrivals in the field
// sets of the connection groups that take it. Both are written in the
// transaction that marks the event processed (or the execution finished),
// so an event is gathered into a group exactly once, crash or not.
type Routed struct {
	StageEvents []StageEvent
	Arrivals    []GroupArrival
	// Filtered are the event's filtered rejections. RouteEventsTo writes
	// them in its routing transaction, with the event marked processed
	// (a batch of a busy canvas then commits once, not twice); an event
	// left pending writes none. FinishExecutionRouted ignores them.
	Filtered []FilteredRejection
	// StagesVersion is the canvas's stages version (Store.StagesVersion)
	// the event was matched at, when StagesVersionKnown. route runs before
	// the routing transaction, so a stage may change in between: that
	// transaction reads the version again (on PostgreSQL FOR SHARE, so that
	// a stage write waits for its commit) and, when it moved, writes
	// nothing for the event and releases it, without counting an attempt,
	// to be matched again by the next call. FinishExecutionRouted reads it
	// again the same way, and starts a free stage's execution (StartIfFree)
	// only while it holds; otherwise the stage event waits for the queue
	// advance.
	StagesVersion      int64
	StagesVersionKnown bool
}

// RoutedBatch is what RouteEventsBatch did.
type RoutedBatch struct {
	// Done counts the events routed or rejected, as RouteEventsTo does.
	Done int
	// Ended are the events route was called for whose routing was
	// written: routed, or rejected by route's *RejectError. An event left
	// pending (route's error, a refused stage event, its stages changed
	// since route, or its lease run out and another server routing it) is
	// not in it, so what route found about it can be dropped.
	Ended []string
	// Started counts the executions the routing transaction started
	// (StageEvent.StartIfFree): pending, for the engine to claim, except
	// those in Claimed.
	Started int
	// Claimed are the executions of Started the routing transaction
	// claimed for the RouteClaim the context carried (WithRouteClaim):
	// started, leased to its owner, for the caller to run.
	Claimed []Execution
	// RetriedAfter is why the routing transaction was run again with each
	// event in a savepoint (a refused stage event or group arrival, or a
	// deadlock); nil when it ran once.
	RetriedAfter error
}

// GroupArrival is an event arriving in the field set of GroupID whose key
// hashes to Hash (Fields is the key as a JSON list of {name, value}).
// Required are the group's connections (ConnectionKey) that must all have
// contributed for the field set to be complete. A new field set is refused
// (stored discarded, with a message) while the group has MaxPending pending
// ones already, so a flood of distinct keys cannot grow the pending set
// without bound.
type GroupArrival struct {
	GroupID    string
	Hash       string
	Fields     []byte
	Required   []string
	MaxPending int
	Event      FieldSetEvent
}

// ConnectionKey names a connection of a group in GroupArrival.Required.
func ConnectionKey(typ, name string) string { return typ + "/" + name }

// GroupRouting is the part of ConnectionGroupStore the engine drives.
type GroupRouting interface {
	// RouteEventsTo is RouteEvents (see EventStore) whose route also
	// returns group arrivals, written with the stage events.
	RouteEventsTo(ctx context.Context, now time.Time, limit int, route func(ev Event) (Routed, error)) (int, error)
	// RouteEventsBatch is RouteEventsTo that also says which events'
	// routing ended.
	RouteEventsBatch(ctx context.Context, now time.Time, limit int, route func(ev Event) (Routed, error)) (RoutedBatch, error)
	// FinishExecutionRouted is FinishExecution (see ExecutionStore) with
	// group arrivals written in the same transaction; now stamps the field
	// sets it creates or completes, and the executions it starts: a
	// downstream stage event marked StartIfFree, matched at the canvas's
	// stages version (downstream.StagesVersionKnown) that still holds,
	// starts its execution (pending, for a claim) when its stage has no
	// unfinished execution and no other queued event, as routing does.
	FinishExecutionRouted(ctx context.Context, ex Execution, owner string, downstream Routed, now time.Time) error
	// ExpireFieldSets ends up to limit pending field sets whose timeout
	// passed, soonest first, in one transaction: a group that emits on
	// timeout gets them processed (FieldSetReasonTimeout) and waiting for
	// EmitFieldSets, any other discarded. Returns how many it ended.
	ExpireFieldSets(ctx context.Context, now time.Time, limit int) (int, error)
	// EmitFieldSets takes up to limit processed field sets whose event is
	// not yet in the queues, oldest first and each in a transaction of its
	// own, and for each inserts the stage events build returns and marks it
	// emitted, in that transaction: a field set's event is emitted exactly
	// once even with several servers (a unique index on the stage events
	// is the backstop). build gets the field set with its events; it may
	// read the store but not write. A build error or a refused stage event
	// leaves that field set for the next call and does not stop the others;
	// the first such error is returned with the count emitted.
	EmitFieldSets(ctx context.Context, limit int, build func(fs FieldSet) ([]StageEvent, error)) (int, error)
	// PruneFieldSets deletes up to limit field sets that ended before
	// before (and whose event is emitted), with their events, oldest first.
	PruneFieldSets(ctx context.Context, before time.Time, limit int) (int, error)
}

// RouteEvents routes up to limit pending events; see EventStore.
func (s *db) RouteEvents(ctx context.Context, now time.Time, limit int, route func(ev Event) ([]StageEvent, error)) (int, error) {
	return s.RouteEventsTo(ctx, now, limit, func(ev Event) (Routed, error) {
		evs, err := route(ev)
		return Routed{StageEvents: evs}, err
	})
}

// insertRouted writes what routing ev gave, in tx. With start, the stage
// events marked StartIfFree whose stage is free start their execution
// (startIfFree); started counts them.
// claims, when not nil, claims what it starts (RouteClaim).
func (s *db) insertRouted(ctx context.Context, tx *sql.Tx, in *stageEventInserter, claims *routeClaims, org, canvas string, r Routed, now time.Time, start bool) (started int, err error) {
	if err := in.insert(ctx, org, canvas, r.StageEvents); err != nil {
		return 0, err
	}
	if start {
		if started, err = s.startIfFree(ctx, tx, claims, r.StageEvents, org, canvas, now); err != nil {
			return 0, err
		}
	}
	for _, a := range r.Arrivals {
		if err := s.addArrival(ctx, tx, a, now); err != nil {
			return 0, err
		}
	}
	return started, nil
}

// addArrival adds a.Event to the pending field set of its group and key,
// creating it when there is none, and completes the field set when every
// required connection has contributed.
//
// On PostgreSQL the field set's row is locked (FOR UPDATE, or the upsert's
// DO UPDATE) before its arrivals are counted, so two servers adding the
// last two missing events at once are serialised: the second sees the
// first's arrival, and exactly one of them completes the set.
func (s *db) addArrival(ctx context.Context, tx *sql.Tx, a GroupArrival, now time.Time) error {
	group, ok := canonicalID(a.GroupID)
	if !ok {
		return nil
	}
	var seconds int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT timeout_seconds FROM connection_groups WHERE id = ?`), group).Scan(&seconds)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted since routing read it: nothing to gather
	}
	if err != nil {
		return err
	}
	var fsID string
	err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM connection_group_field_sets
		WHERE group_id = ? AND hash = ? AND state = `+sqlFieldSetPending+s.d.forUpdate), group, a.Hash).Scan(&fsID)
	if errors.Is(err, sql.ErrNoRows) {
		var pending int
		if a.MaxPending > 0 {
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM (SELECT 1 FROM connection_group_field_sets
				WHERE group_id = ? AND state = `+sqlFieldSetPending+` LIMIT ?) p`), group, a.MaxPending).Scan(&pending); err != nil {
				return err
			}
		}
		if a.MaxPending > 0 && pending >= a.MaxPending {
			fsID = uuid.NewString()
			msg := fmt.Sprintf("the group already has %d pending field sets, its limit: this one was not kept", a.MaxPending)
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO connection_group_field_sets (id, group_id, hash, fields, state,
				state_reason, state_message, created_at, timeout_at, finished_at) VALUES (?, ?, ?, ?, `+sqlFieldSetDiscarded+`, '', ?, ?, ?, ?)`),
				fsID, group, a.Hash, blob(a.Fields), msg, s.time(now), s.time(now), s.time(now)); err != nil {
				return err
			}
			return s.insertArrival(ctx, tx, fsID, a.Event)
		}
		err = tx.QueryRowContext(ctx, s.q(`INSERT INTO connection_group_field_sets (id, group_id, hash, fields, state,
			created_at, timeout_at) VALUES (?, ?, ?, ?, `+sqlFieldSetPending+`, ?, ?)
			ON CONFLICT (group_id, hash) WHERE state = `+sqlFieldSetPending+` DO UPDATE SET hash = excluded.hash
			RETURNING id`), uuid.NewString(), group, a.Hash, blob(a.Fields), s.time(now),
			s.time(now.Add(time.Duration(seconds)*time.Second))).Scan(&fsID)
	}
	if err != nil {
		return err
	}
	if err := s.insertArrival(ctx, tx, fsID, a.Event); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT DISTINCT connection_type, connection_name FROM connection_group_events
		WHERE field_set_id = ?`), fsID)
	if err != nil {
		return err
	}
	arrived := map[string]bool{}
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			rows.Close()
			return err
		}
		arrived[ConnectionKey(typ, name)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range a.Required {
		if !arrived[k] {
			return nil
		}
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE connection_group_field_sets SET state = `+sqlFieldSetProcessed+`,
		state_reason = ?, emit_pending = 1, finished_at = ? WHERE id = ? AND state = `+sqlFieldSetPending),
		FieldSetReasonOK, s.time(now), fsID)
	return err
}

// insertArrival records ev in the field set; the same event twice is one
// arrival.
func (s *db) insertArrival(ctx context.Context, tx *sql.Tx, fsID string, ev FieldSetEvent) error {
	id := ev.ID
	if _, ok := canonicalID(id); !ok {
		id = uuid.NewString()
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO connection_group_events (id, field_set_id, connection_type,
		connection_name, source_id, event_id, payload, headers, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (field_set_id, event_id) DO NOTHING`),
		id, fsID, ev.ConnectionType, ev.ConnectionName, ev.SourceID, ev.EventID, blob(ev.Payload), blob(ev.Headers),
		s.time(ev.ReceivedAt))
	return err
}

// FinishExecutionRouted records the end of owner's execution and what it
// triggers, stage events (starting those of free stages) and group
// arrivals, in one transaction; see FinishExecution and finishExecution.
func (s *db) FinishExecutionRouted(ctx context.Context, ex Execution, owner string, downstream Routed, now time.Time) error {
	return s.finishExecution(ctx, ex, owner, downstream, now)
}

// ExpireFieldSets ends up to limit pending field sets past their timeout;
// see GroupRouting.
func (s *db) ExpireFieldSets(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	// The engine calls this every pass, mostly with nothing due: a read
	// (the partial index of pending field sets) then spares a write
	// transaction, on SQLite a turn of the one writer.
	if due, err := s.exists(ctx, `SELECT 1 WHERE EXISTS (SELECT 1 FROM connection_group_field_sets
		WHERE state = `+sqlFieldSetPending+` AND timeout_at <= ?)`, s.time(now)); err != nil || !due {
		return 0, wrap("expire field sets", err)
	}
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, s.q(`SELECT fs.id, g.timeout_emit FROM connection_group_field_sets fs
			JOIN connection_groups g ON g.id = fs.group_id
			WHERE fs.state = `+sqlFieldSetPending+` AND fs.timeout_at <= ?
			ORDER BY fs.timeout_at, fs.id LIMIT ?`+s.skipLockedOf("fs")), s.time(now), limit)
		if err != nil {
			return err
		}
		var emit, drop []any
		for rows.Next() {
			var id string
			var e int64
			if err := rows.Scan(&id, &e); err != nil {
				rows.Close()
				return err
			}
			if e == 1 {
				emit = append(emit, id)
			} else {
				drop = append(drop, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, batch := range []struct {
			ids   []any
			state string
			emit  int
		}{{emit, sqlFieldSetProcessed, 1}, {drop, sqlFieldSetDiscarded, 0}} {
			if len(batch.ids) == 0 {
				continue
			}
			res, err := tx.ExecContext(ctx, s.q(`UPDATE connection_group_field_sets SET state = `+batch.state+`,
				state_reason = ?, emit_pending = ?, finished_at = ?
				WHERE state = `+sqlFieldSetPending+` AND id IN (`+placeholders(len(batch.ids))+`)`),
				append([]any{FieldSetReasonTimeout, batch.emit, s.time(now)}, batch.ids...)...)
			if err != nil {
				return err
			}
			m, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(m)
		}
		return nil
	})
	return n, wrap("expire field sets", err)
}

// errEmitted: another server emitted the field set first.
var errEmitted = errors.New("store: field set already emitted")

// EmitFieldSets emits up to limit processed field sets; see GroupRouting.
func (s *db) EmitFieldSets(ctx context.Context, limit int, build func(fs FieldSet) ([]StageEvent, error)) (int, error) {
	var (
		emitted  int
		firstErr error
		failed   []any
	)
	// As ExpireFieldSets: a read decides whether a write transaction is
	// needed at all.
	if due, err := s.exists(ctx, `SELECT 1 WHERE EXISTS (SELECT 1 FROM connection_group_field_sets WHERE emit_pending = 1)`); err != nil || !due {
		return 0, wrap("emit field sets", err)
	}
	for range max(limit, 0) {
		var (
			found bool
			id    string
		)
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			query := `SELECT ` + fieldSetColumns + fieldSetFrom + `WHERE fs.emit_pending = 1`
			if len(failed) > 0 {
				query += ` AND fs.id NOT IN (` + placeholders(len(failed)) + `)`
			}
			query += ` ORDER BY fs.created_at, fs.id LIMIT 1` + s.skipLockedOf("fs")
			fs, err := scanFieldSet(tx.QueryRowContext(ctx, s.q(query), failed...))
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			found, id = true, fs.ID
			rows, err := tx.QueryContext(ctx, s.q(`SELECT `+fieldSetEventColumns+` FROM connection_group_events ge
				WHERE ge.field_set_id = ? ORDER BY ge.received_at, ge.id`), fs.ID)
			if err != nil {
				return err
			}
			fs.Events = []FieldSetEvent{}
			for rows.Next() {
				ev, err := scanFieldSetEvent(rows)
				if err != nil {
					rows.Close()
					return err
				}
				fs.Events = append(fs.Events, ev)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			evs, err := build(fs)
			if err != nil {
				return err
			}
			if err := s.insertStageEvents(ctx, tx, fs.OrgID, fs.CanvasID, evs); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, s.q(`UPDATE connection_group_field_sets SET emit_pending = 0
				WHERE id = ? AND emit_pending = 1`), fs.ID)
			if err != nil {
				return err
			}
			if m, err := res.RowsAffected(); err != nil {
				return err
			} else if m != 1 {
				return errEmitted
			}
			return nil
		})
		if !found && err == nil {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return emitted, ctx.Err()
			}
			if firstErr == nil && !errors.Is(err, errEmitted) {
				firstErr = wrap("emit field set", err)
			}
			if id == "" {
				break // the claim itself failed: try at the next call
			}
			failed = append(failed, id)
			continue
		}
		emitted++
	}
	return emitted, firstErr
}

// PruneFieldSets deletes up to limit ended, emitted field sets older than
// before; see GroupRouting.
func (s *db) PruneFieldSets(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM connection_group_field_sets WHERE id IN (
		SELECT id FROM connection_group_field_sets WHERE state <> `+sqlFieldSetPending+` AND finished_at < ?
		AND emit_pending = 0 ORDER BY finished_at LIMIT ?)`), s.time(before), limit)
	if err != nil {
		return 0, wrap("prune field sets", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("prune field sets", err)
}
