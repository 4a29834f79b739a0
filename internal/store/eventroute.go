package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// EventStore.RouteEvents: a claim transaction counts the attempt and leases
// the events (or rejects those out of attempts), then a routing transaction
// routes them; when the store refuses an event's stage events or group
// arrivals, that transaction is run again with each event in a savepoint,
// so that one refusal does not undo the others.
func (s *db) RouteEventsTo(ctx context.Context, now time.Time, limit int, route func(ev Event) (Routed, error)) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	claimed, done, err := s.claimEvents(ctx, now, limit)
	if err != nil {
		return 0, wrap("route events", err)
	}
	if len(claimed) == 0 {
		return done, nil
	}
	routed, err := s.routeClaimed(ctx, now, claimed, route, false)
	if errors.Is(err, errRetryInSavepoints) {
		routed, err = s.routeClaimed(ctx, now, claimed, route, true)
	}
	if err != nil {
		return done, wrap("route events", err)
	}
	return done + routed, nil
}

// errRetryInSavepoints asks for the routing transaction again, each event
// in a savepoint: the store refused an event's stage events, and only a
// savepoint undoes them alone (PostgreSQL aborts the whole transaction at
// its first error). Savepoints cost a statement each, so they are used
// only when needed.
var errRetryInSavepoints = errors.New("store: retry routing in savepoints")

// routeClaimed routes the claimed events still pending in one transaction.
func (s *db) routeClaimed(ctx context.Context, now time.Time, claimed []string, route func(ev Event) (Routed, error), inSavepoints bool) (int, error) {
	var routed int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		routed = 0
		ids := make([]any, len(claimed))
		for i, id := range claimed {
			ids[i] = id
		}
		// Still pending: after a lease ran out, another server may have
		// routed it meanwhile. The lock waits rather than skips: the events
		// are leased to this call, and the only other transactions that can
		// hold them are claims passing over them, which end at once.
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+eventColumns+eventFrom+`WHERE e.id IN (`+placeholders(len(ids))+
			`) AND e.state = `+sqlEventPending+` ORDER BY e.received_at, e.id`+s.lockOf("e")), ids...)
		if err != nil {
			return err
		}
		var events []Event
		for rows.Next() {
			ev, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			events = append(events, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		inserter := &stageEventInserter{s: s, tx: tx}
		defer inserter.close()
		var processed []any
		var filtered []FilteredRejection
		for _, ev := range events {
			routedEv, err := route(ev)
			var reject *RejectError
			if errors.As(err, &reject) {
				if err := s.setEventState(ctx, tx, ev.ID, EventRejected, reject.Reason, reject.Message); err != nil {
					return err
				}
				routed++
				continue
			}
			if err == nil {
				if !inSavepoints {
					if err := s.insertRouted(ctx, tx, inserter, ev.OrgID, ev.CanvasID, routedEv, now); err != nil {
						return errRetryInSavepoints
					}
					processed = append(processed, ev.ID)
					filtered = append(filtered, routedEv.Filtered...)
					continue
				}
				err = s.insertInSavepoint(ctx, tx, inserter, ev, routedEv, now)
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// Tried again at the next call, without waiting for the lease.
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE events SET state_message = ?, route_lease_until = NULL WHERE id = ?`),
					clipMessage(err.Error()), ev.ID); err != nil {
					return err
				}
				continue
			}
			processed = append(processed, ev.ID)
			filtered = append(filtered, routedEv.Filtered...)
		}
		// With the events they describe: a third transaction a batch was
		// 11% of the server's CPU in a busy canvas (BENCHMARKS.md, round
		// five). A failure here fails the routing, which is retried.
		if len(filtered) > 0 {
			if err := s.insertFilteredRejections(ctx, tx, filtered); err != nil {
				return err
			}
		}
		if len(processed) > 0 {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE events SET state = `+sqlEventProcessed+`, state_reason = '', state_message = '',
				route_lease_until = NULL WHERE id IN (`+placeholders(len(processed))+`)`), processed...); err != nil {
				return err
			}
		}
		routed += len(processed)
		return nil
	})
	return routed, err
}

// claimEvents counts an attempt for, and leases, up to limit pending events
// no one holds, in a transaction committed before routing starts. Events
// already tried MaxRouteAttempts times are rejected instead (done counts
// them).
func (s *db) claimEvents(ctx context.Context, now time.Time, limit int) (claimed []string, done int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		claimed, done = nil, 0
		// The partial index on pending events gives them oldest first.
		rows, err := tx.QueryContext(ctx, s.q(`SELECT e.id, e.route_attempts, e.state_message FROM events e
			WHERE e.state = `+sqlEventPending+` AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)
			ORDER BY e.received_at, e.id LIMIT ?`+s.skipLockedOf("e")), s.time(now), limit)
		if err != nil {
			return err
		}
		type row struct {
			id       string
			attempts int
			message  string
		}
		var found []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.attempts, &r.message); err != nil {
				rows.Close()
				return err
			}
			found = append(found, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var ids []any
		for _, r := range found {
			if r.attempts > 0 && r.attempts < MaxRouteAttempts {
				// A previous attempt did not finish: it may be this event
				// that crashed it, so it is tried alone, and the events of
				// its batch do not pay for it.
				if len(ids) == 0 {
					ids = append(ids, r.id)
					claimed = append(claimed, r.id)
				}
				break
			}
			if r.attempts < MaxRouteAttempts {
				ids = append(ids, r.id)
				claimed = append(claimed, r.id)
				continue
			}
			last := r.message
			if last == "" {
				last = "the server stopped while routing it"
			}
			msg := fmt.Sprintf("routing failed %d times; last: %s", r.attempts, last)
			if err := s.setEventState(ctx, tx, r.id, EventRejected, StateReasonError, msg); err != nil {
				return err
			}
			done++
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE events SET route_attempts = route_attempts + 1, route_lease_until = ?
			WHERE id IN (`+placeholders(len(ids))+`)`), append([]any{s.time(now.Add(RouteLease))}, ids...)...)
		return err
	})
	return claimed, done, err
}

// insertInSavepoint inserts an event's stage events and group arrivals so
// that a refusal undoes only them: PostgreSQL aborts a transaction at its
// first error unless a savepoint is rolled back to.
func (s *db) insertInSavepoint(ctx context.Context, tx *sql.Tx, in *stageEventInserter, ev Event, r Routed, now time.Time) error {
	if len(r.StageEvents) == 0 && len(r.Arrivals) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT route_event`); err != nil {
		return err
	}
	if err := s.insertRouted(ctx, tx, in, ev.OrgID, ev.CanvasID, r, now); err != nil {
		if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT route_event`); rbErr != nil {
			return rbErr
		}
		return err
	}
	_, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT route_event`)
	return err
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
