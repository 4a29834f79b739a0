package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

const (
	// MaxRouteAttempts is how many times RouteEvents starts routing an event
	// before it gives up and rejects it: an event that fails (or crashes the
	// server) every time is set aside with its reason rather than retried
	// forever.
	MaxRouteAttempts = 3
	// RouteLease is how long an event counted for an attempt belongs to the
	// server that counted it. Past it (that server stopped mid-routing) the
	// next attempt may start.
	RouteLease = 30 * time.Second
	// StateReasonError is the StateReason of an event rejected because of an
	// error: routing failed, or an expression exceeded its limits.
	StateReasonError = "STATE_REASON_ERROR"
	// maxStateMessage bounds a stored error message.
	maxStateMessage = 1000
)

// RejectError, returned by RouteEvents' route, rejects the event with
// Reason (STATE_REASON_ERROR when empty) and Message instead of retrying it:
// trying again would fail the same way.
type RejectError struct {
	Reason  string
	Message string
}

func (e *RejectError) Error() string { return e.Message }

// Reject returns a *RejectError.
func Reject(reason, message string) error { return &RejectError{Reason: reason, Message: message} }

// RouteEventsTo routes up to limit pending events, oldest first. See
// EventStore.RouteEvents and RouteEventsBatch.
func (s *db) RouteEventsTo(ctx context.Context, now time.Time, limit int, route func(ev Event) (Routed, error)) (int, error) {
	b, err := s.RouteEventsBatch(ctx, now, limit, route)
	return b.Done, err
}

// RouteEventsBatch routes up to limit pending events, oldest first, in
// three steps: a claim transaction counts the attempt and leases the events
// (or rejects those out of attempts) and reads them; route is called for
// each with no transaction open; then a routing transaction writes what it
// gave for the events still pending and leased to this call whose stages
// have not changed since (Routed.StagesVersion). Matching 100 filters an
// event inside that transaction held SQLite's only writer, and the
// receivers' inserts waited for it (BENCHMARKS.md, round five). When the
// store refuses an event's stage events or group arrivals, the routing
// transaction is run again with each event in a savepoint, so that one
// refusal does not undo the others; route is not called again. On
// PostgreSQL a batch with nothing to write but its events' marks and
// filtered rejections (a busy canvas's), or also stage events and their
// starts (a probe of a free stage), writes them in one statement with no
// transaction around it (routeApartPG).
func (s *db) RouteEventsBatch(ctx context.Context, now time.Time, limit int, route func(ev Event) (Routed, error)) (_ RoutedBatch, err error) {
	if limit <= 0 {
		return RoutedBatch{}, nil
	}
	// No write priority here (withWritePriority): routing that jumps the
	// receivers' group commit finds fewer events a batch, and pays its
	// claim and routing transactions for each of many small batches; side
	// by side on SQLite that cost a third of the deliveries a second
	// (BENCHMARKS.md, execution start under load, round seven).
	lease := now.Add(RouteLease)
	ctx, held, err := s.holdRouteConn(ctx)
	if err != nil {
		return RoutedBatch{}, wrap("route events", err)
	}
	if held != nil {
		defer func() {
			if err != nil {
				// Perhaps broken: the pool checks it, the next batch
				// takes another.
				held.Release()
			}
		}()
	}
	var (
		claimed []Event
		done    int
		leased  = true
	)
	if s.sole != nil {
		// One process routes this database (SoleServer): no claim
		// transaction, the events are read (readEvents).
		claimed, done, leased, err = s.readEvents(ctx, now, lease, limit)
		defer s.sole.releaseEvents(claimed)
	} else {
		claimed, done, err = s.claimEvents(ctx, now, lease, limit)
	}
	if err != nil {
		return RoutedBatch{}, wrap("route events", err)
	}
	if len(claimed) == 0 {
		return RoutedBatch{Done: done}, nil
	}
	if !leased {
		lease = time.Time{}
	}
	matched := make([]matchedEvent, len(claimed))
	for i, ev := range claimed {
		r, err := route(ev)
		m := matchedEvent{ev: ev, routed: r, err: err}
		if err == nil && len(r.Filtered) > 0 {
			// Checked and hashed here, not with the writer held; one that
			// does not check out fails its event only.
			m.filtered, m.err = s.prepareFiltered(r.Filtered)
		}
		matched[i] = m
	}
	routeMatched(ctx)
	claims := s.routeClaimsOf(ctx)
	writeCtx := ctx
	if claims != nil && mayStart(matched) {
		// This transaction is the claim of the executions it starts, and a
		// claim takes SQLite's writer before the receivers' group commit
		// (withWritePriority): since claims moved into routing, a free
		// stage's execution waited for the writer as a load batch does
		// (BENCHMARKS.md, delivery → start under load, round nine). Only
		// batches that may start one: marking every batch made them small
		// and cost a third of the deliveries a second (round seven).
		writeCtx = withWritePriority(ctx)
	}
	var markedOnly []string
	var startedApart int
	var claimedApart []Execution
	if s.foldsMark(lease, false) && (marksOnly(matched) || startsApart(matched)) {
		// Nothing to write but the mark, the filtered rejections, stage
		// events and their starts: one statement, its own transaction
		// (routeApartPG). What it leaves is routed below; on an error it
		// wrote nothing, and the routing transaction runs as before.
		if ended, rest, n, claimed, err := s.routeApartPG(ctx, now, claims, matched, lease); err == nil {
			markedOnly, matched, startedApart, claimedApart = ended, rest, n, claimed
		}
	}
	var ended []string
	var started int
	var retry *retryInSavepoints
	if len(matched) > 0 {
		ended, started, err = s.routeClaimed(writeCtx, now, lease, claims, matched, false)
		if errors.As(err, &retry) {
			ended, started, err = s.routeClaimed(writeCtx, now, lease, claims, matched, true)
		}
	}
	ended = append(markedOnly, ended...)
	if err != nil {
		if s.sole != nil {
			// A routing transaction that fails every time must still set
			// its events aside (soleRouter.countFailed).
			s.sole.countFailed(ctx, s, claimed, lease, err)
		}
		// The events marked apart stay routed, and what they started
		// claimed: the engine runs it (RoutedBatch.Claimed).
		return RoutedBatch{Done: done + len(markedOnly), Ended: markedOnly, Started: startedApart,
			Claimed: claimedApart}, wrap("route events", err)
	}
	b := RoutedBatch{Done: done + len(ended), Ended: ended, Started: startedApart + started,
		Claimed: append(claimedApart, claims.result()...)}
	if len(b.Claimed) == 0 {
		b.Claimed = nil
	}
	if retry != nil {
		b.RetriedAfter = retry.cause
	}
	return b, nil
}

// mayStart tells whether the routing transaction of matched may start an
// execution: an event matched at a known stages version gave a stage event
// to start if its stage is free (insertRouted).
func mayStart(matched []matchedEvent) bool {
	for _, m := range matched {
		if m.err != nil || !m.routed.StagesVersionKnown {
			continue
		}
		for _, se := range m.routed.StageEvents {
			if se.StartIfFree {
				return true
			}
		}
	}
	return false
}

// matchedEvent is a claimed event with what route gave for it.
type matchedEvent struct {
	ev       Event
	routed   Routed
	filtered []preparedFiltered // routed.Filtered, prepared
	err      error
}

// retryInSavepoints asks for the routing transaction again, each event
// in a savepoint: the store refused an event's stage events, and only a
// savepoint undoes them alone (PostgreSQL aborts the whole transaction at
// its first error). Savepoints cost a statement each, so they are used
// only when needed.
type retryInSavepoints struct{ cause error }

func (e *retryInSavepoints) Error() string {
	return "store: retry routing in savepoints after: " + e.cause.Error()
}

// routeClaimed writes, in one transaction, what route gave for the claimed
// events still pending and leased to this call (lease), and returns the
// events it routed or rejected and how many executions it started
// (startIfFree), claiming them for claims while its budget lasts. A zero
// lease is a batch read with no claim (SoleServer): its events count an
// attempt only when their routing fails, and are this call's while
// pending.
func (s *db) routeClaimed(ctx context.Context, now, lease time.Time, claims *routeClaims, matched []matchedEvent, inSavepoints bool) ([]string, int, error) {
	var ended []string
	started := 0
	err := s.inRouteTx(ctx, func(tx *sql.Tx) error {
		ended, started = nil, 0
		claims.reset()
		// The organizations of the executions it may start first, then
		// the canvases, then the events (lockOrgsForStarts). The canvases
		// before the events: a canvas's deletion takes its row, then its
		// events by cascade, and a stage's write takes the canvas's row
		// first too (lockCanvasForStages). On PostgreSQL all three in
		// one statement, the events' processed mark (lockedMarkPG).
		versions, ours, marked, wroteFiltered, err := s.lockedAndMarked(ctx, tx, matched, lease, inSavepoints)
		if err != nil {
			return err
		}
		inserter := &stageEventInserter{s: s, tx: tx}
		defer inserter.close()
		var processed, released []any
		var filtered []preparedFiltered
		for _, m := range matched {
			ev, r := m.ev, m.routed
			if !ours[ev.ID] {
				// Its lease ran out meanwhile and another server took it.
				continue
			}
			var reject *RejectError
			if errors.As(m.err, &reject) {
				if err := s.setEventState(ctx, tx, ev.ID, EventRejected, reject.Reason, reject.Message); err != nil {
					return err
				}
				if lease.IsZero() {
					if _, err := tx.ExecContext(ctx, s.q(`UPDATE events SET route_attempts = route_attempts + 1 WHERE id = ?`), ev.ID); err != nil {
						return err
					}
				}
				ended = append(ended, ev.ID)
				continue
			}
			err := m.err
			if err == nil && r.StagesVersionKnown {
				if v, ok := versions[ev.OrgID+"/"+ev.CanvasID]; !ok || v != r.StagesVersion {
					released = append(released, ev.ID)
					continue
				}
			}
			if err == nil {
				if !inSavepoints {
					n, err := s.insertRouted(ctx, tx, inserter, claims, ev.OrgID, ev.CanvasID, r, now, r.StagesVersionKnown)
					if err != nil {
						return &retryInSavepoints{cause: err}
					}
					started += n
					if !marked[ev.ID] {
						processed = append(processed, ev.ID)
					}
					ended = append(ended, ev.ID)
					if !wroteFiltered[ev.ID] {
						filtered = append(filtered, m.filtered...)
					}
					continue
				}
				var n int
				n, err = s.insertInSavepoint(ctx, tx, inserter, claims, ev, r, now)
				started += n
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// Tried again at the next call, without waiting for the
				// lease; with no claim, the attempt is counted here.
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE events SET state_message = ?, route_lease_until = NULL,
					route_attempts = route_attempts + ? WHERE id = ?`),
					clipMessage(err.Error()), attemptOf(lease), ev.ID); err != nil {
					return err
				}
				continue
			}
			processed = append(processed, ev.ID)
			ended = append(ended, ev.ID)
			filtered = append(filtered, m.filtered...)
		}
		if len(released) > 0 && !lease.IsZero() {
			// Matched against stages that changed since: matched again by
			// the next call, and this attempt was not the event's fault.
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE events SET route_attempts = route_attempts - 1, route_lease_until = NULL
				WHERE id IN (`+placeholders(len(released))+`)`), released...); err != nil {
				return err
			}
		}
		// With the events they describe: a third transaction a batch was
		// 11% of the server's CPU in a busy canvas (BENCHMARKS.md, round
		// five). A failure here fails the routing, which is retried.
		if len(filtered) > 0 {
			if err := s.writeFilteredKnown(ctx, tx, filtered, canvasesFound(versions)); err != nil {
				return err
			}
		}
		if len(processed) > 0 {
			// With no claim, the attempt that routed the event is counted
			// here (Event.RouteAttempts).
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE events SET state = `+sqlEventProcessed+`, state_reason = '', state_message = '',
				route_lease_until = NULL, route_attempts = route_attempts + ? WHERE id IN (`+placeholders(len(processed))+`)`),
				append([]any{attemptOf(lease)}, processed...)...); err != nil {
				return err
			}
		}
		return nil
	})
	return ended, started, err
}

// stagesVersionsIn reads, in tx, the stages version of every canvas whose
// events were matched at a known version, keyed "org/canvas"; a canvas
// gone has none. On PostgreSQL the rows are read FOR SHARE, in id order: a
// stage's write (which takes its canvas's row first) then waits for this
// transaction's commit, so no stage changes between the check and the
// writes. SQLite's immediate transactions already exclude other writers.
func (s *db) stagesVersionsIn(ctx context.Context, tx *sql.Tx, matched []matchedEvent) (map[string]int64, error) {
	keys := versionKeys(matched)
	forShare := ""
	if s.d.forUpdate != "" {
		forShare = " FOR SHARE"
	}
	versions := make(map[string]int64, len(keys))
	for _, k := range keys {
		var v int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT stages_version FROM canvases WHERE org_id = ? AND id = ?`+forShare), k.org, k.canvas).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		versions[k.org+"/"+k.canvas] = v
	}
	return versions, nil
}

// canvasKey is a canvas by organization and id.
type canvasKey struct{ org, canvas string }

// versionKeys is the canvases of the events matched at a known stages
// version, each once, in id order.
func versionKeys(matched []matchedEvent) []canvasKey {
	var keys []canvasKey
	seen := map[canvasKey]bool{}
	for _, m := range matched {
		k := canvasKey{m.ev.OrgID, m.ev.CanvasID}
		if m.err != nil || !m.routed.StagesVersionKnown || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b canvasKey) int { return cmp.Compare(a.canvas, b.canvas) })
	return keys
}

// stillLeased returns which matched events are still pending and leased to
// this call: after a lease ran out, another server may have claimed or
// routed the event meanwhile. The lock waits rather than skips: the events
// are leased to this call, and the only other transactions that can hold
// them are claims passing over them, which end at once.
func (s *db) stillLeased(ctx context.Context, tx *sql.Tx, matched []matchedEvent, lease time.Time) (map[string]bool, error) {
	args := make([]any, 0, len(matched)+1)
	args = append(args, s.time(lease))
	for _, m := range matched {
		args = append(args, m.ev.ID)
	}
	// The state is compared here, not in the statement, so that the
	// statement is a primary-key lookup: with it there, PostgreSQL's
	// planner also scanned the partial index of pending events (a
	// BitmapAnd, 7 of its 10 ms under the busy canvas's load), a scan
	// that grows with the backlog and the index's dead entries.
	return pendingByID(ctx, tx, s.q(`SELECT e.id, e.state FROM events e WHERE e.route_lease_until = ? AND e.id IN (`+
		placeholders(len(matched))+`)`+s.lockOf("e")), s.plannedEachRun(args))
}

// pendingByID runs query, which reads events' id and state, and tells for
// each event it found whether it is still pending (the re-check before a
// routing transaction writes a batch: leased or, on SQLite's sole server,
// read).
func pendingByID(ctx context.Context, tx *sql.Tx, query string, args []any) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ours := make(map[string]bool, len(args))
	for rows.Next() {
		var id, state string
		if err := rows.Scan(&id, &state); err != nil {
			return nil, err
		}
		ours[id] = state == EventPending
	}
	return ours, rows.Err()
}

// claimEvents counts an attempt for, leases until lease, and reads up to
// limit pending events no one holds, in a transaction committed before
// routing starts. Events already tried MaxRouteAttempts times are rejected
// instead (done counts them).
func (s *db) claimEvents(ctx context.Context, now, lease time.Time, limit int) (claimed []Event, done int, err error) {
	return s.claimEventsSkipping(ctx, now, lease, limit, nil, 0)
}

// claimEventsSkipping is claimEvents passing over the events skip names
// (at most skipped of them): those another batch of this server routes
// with no lease (SoleServer).
func (s *db) claimEventsSkipping(ctx context.Context, now, lease time.Time, limit int, skip func(id string) bool, skipped int) (claimed []Event, done int, err error) {
	if !s.d.oneWriter {
		// One round trip, unless an event tried before comes first.
		if claimed, ok, err := s.claimFreshEvents(ctx, now, lease, limit); err != nil || ok {
			return claimed, 0, err
		}
	}
	err = s.inRouteTx(ctx, func(tx *sql.Tx) error {
		claimed, done = nil, 0
		// Taken fairly across organizations, oldest first within each
		// (fairPicked), and put in that order below. The events are read
		// here, with their source's name, rather than by a statement of
		// their own.
		rows, err := tx.QueryContext(ctx, s.q(`WITH RECURSIVE `+s.fairPicked()+`
			SELECT `+eventColumns+eventFrom+`
			WHERE `+s.pickedPending()+`
				AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)`+
			s.skipLockedOf("e")), append(s.fairPickedArgs(now, limit+skipped), s.time(now))...)
		if err != nil {
			return err
		}
		var found []Event
		for rows.Next() {
			ev, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if skip != nil && skip(ev.ID) {
				continue
			}
			found = append(found, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The rows come in no order: put them in the claim's before the
		// batch is cut to limit, so what is left out is the latest rank.
		fairOrder(found)
		if len(found) > limit {
			found = found[:limit]
		}
		var ids []any
		for _, ev := range found {
			if ev.RouteAttempts > 0 && ev.RouteAttempts < MaxRouteAttempts {
				// A previous attempt did not finish: it may be this event
				// that crashed it, so it is tried alone, and the events of
				// its batch do not pay for it.
				if len(ids) == 0 {
					ids = append(ids, ev.ID)
					ev.RouteAttempts++
					claimed = append(claimed, ev)
				}
				break
			}
			if ev.RouteAttempts < MaxRouteAttempts {
				ids = append(ids, ev.ID)
				ev.RouteAttempts++ // as the update below leaves it
				claimed = append(claimed, ev)
				continue
			}
			last := ev.StateMessage
			if last == "" {
				last = "the server stopped while routing it"
			}
			msg := fmt.Sprintf("routing failed %d times; last: %s", ev.RouteAttempts, last)
			if err := s.setEventState(ctx, tx, ev.ID, EventRejected, StateReasonError, msg); err != nil {
				return err
			}
			done++
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE events SET route_attempts = route_attempts + 1, route_lease_until = ?
			WHERE id IN (`+placeholders(len(ids))+`)`), append([]any{s.time(lease)}, ids...)...)
		return err
	})
	return claimed, done, err
}

// insertInSavepoint inserts an event's stage events and group arrivals so
// that a refusal undoes only them: PostgreSQL aborts a transaction at its
// first error unless a savepoint is rolled back to.
func (s *db) insertInSavepoint(ctx context.Context, tx *sql.Tx, in *stageEventInserter, claims *routeClaims, ev Event, r Routed, now time.Time) (started int, err error) {
	if len(r.StageEvents) == 0 && len(r.Arrivals) == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT route_event`); err != nil {
		return 0, err
	}
	// Only at a known stages version, checked by the caller: the
	// conditions StartIfFree was judged on are then still the stage's.
	mark := claims.mark()
	started, err = s.insertRouted(ctx, tx, in, claims, ev.OrgID, ev.CanvasID, r, now, r.StagesVersionKnown)
	if err != nil {
		claims.undo(mark) // rolled back with the savepoint
		if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT route_event`); rbErr != nil {
			return 0, rbErr
		}
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT route_event`)
	return started, err
}

func (s *db) setEventState(ctx context.Context, tx *sql.Tx, id, state, reason, message string) error {
	if reason == "" {
		reason = StateReasonError
	}
	_, err := tx.ExecContext(ctx, s.q(`UPDATE events SET state = ?, state_reason = ?, state_message = ?, route_lease_until = NULL
		WHERE id = ?`), state, reason, clipMessage(message), id)
	return err
}

// clipMessage bounds a stored message, on a character boundary.
func clipMessage(m string) string {
	r := []rune(m)
	if len(r) > maxStateMessage {
		return string(r[:maxStateMessage]) + "…"
	}
	return m
}
