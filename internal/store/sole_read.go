package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// soleOneOrgRead is the sole server's read when one organization has
// pending events (the common case, and every batch of one organization's
// flood): the oldest pending events of the lowest organization with any,
// in order on events_pending_org with no ranking across organizations
// (which cost ~15 µs an event at batches of 10, BENCHMARKS.md, round
// eight), each row with the highest organization with pending events.
// When that is the rows' own, no other organization has any and the rows
// are the fair pick; otherwise the caller reads the fair pick instead
// (readPending). Both organizations are found by one probe of
// events_pending_org each, computed once a statement (they are not
// correlated), and read in the same snapshot as the events: a separate
// statement for them (pendingOrgSpan) was one more read transaction a
// batch. notIn is notInFlight's condition; the arguments are now (for the
// leases) and notInFlight's. The LIMIT is the batch's own, written into
// the text: the events in flight are left out before it, so none need be
// read in their place, and a bound LIMIT is planned with its value, so
// SQLite compiles the statement again whenever the value differs from
// the last run's (it was the batch plus the events in flight: 30-45% of
// the busy canvas's reads compiled again, every one past 31 parameters,
// where SQLite tracks the parameters as one; BENCHMARKS.md, round ten).
// The engine's batch is a constant, so this is still one text per size
// of the in-flight list.
func soleOneOrgRead(notIn string, limit int) string {
	return `SELECT ` + eventColumns + `,
			(SELECT p.org_id FROM events p WHERE p.state = ` + sqlEventPending + `
				ORDER BY p.org_id DESC, p.received_at DESC, p.id DESC LIMIT 1)` + eventFrom + `
		WHERE e.state = ` + sqlEventPending + ` AND e.org_id = (SELECT p.org_id FROM events p WHERE p.state = ` + sqlEventPending + `
				ORDER BY p.org_id, p.received_at, p.id LIMIT 1)
			AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)` + notIn + `
		ORDER BY e.org_id, e.received_at, e.id LIMIT ` + strconv.Itoa(limit)
}

// readPending reads the pending events not in flight that the next batch
// of up to limit takes, in no order: fairPicked's pick, read by
// soleOneOrgRead when one organization has pending events. The events in
// flight are left out by the statement, not skipped after it: a skipped
// row is read whole, payload included, and the other worker's batch is
// usually the oldest pending. The fair pick leaves them out after its
// LIMIT, so it picks as many more. r.mu is held.
func (s *db) readPending(ctx context.Context, now time.Time, limit int) ([]Event, error) {
	r := s.sole
	inFlight, notIn := r.notInFlight()
	args := append([]any{s.time(now)}, inFlight...)
	rows, err := s.sql.QueryContext(ctx, s.q(soleOneOrgRead(notIn, limit)), args...)
	if err != nil {
		return nil, err
	}
	var found []Event
	var last sql.NullString
	for rows.Next() {
		ev, err := scanEvent(withColumn{rows, &last})
		if err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(found) > 0 && last.String == found[0].OrgID {
		return found, nil
	}
	if len(found) == 0 {
		// No row, so no highest organization: none is pending (the
		// idle server's read), or the lowest one's pending events are
		// all in flight or leased while others may have some.
		lo, hi, err := s.pendingOrgSpan(ctx)
		if err != nil || lo == "" || lo == hi {
			return nil, err
		}
	}
	// Several organizations have pending events: taken fairly as the
	// claim takes them (fairPicked: each organization's oldest first, by
	// rank, then age). Its LIMIT comes before the events in flight are
	// left out, so as many more are picked as the in-flight list holds
	// (padded, as the list is: one value a statement text, so that
	// SQLite does not compile it again for a new LIMIT).
	pick := limit + len(inFlight)
	rows, err = s.sql.QueryContext(ctx, s.q(`WITH RECURSIVE `+s.fairPicked()+`
		SELECT `+eventColumns+eventFrom+`
		WHERE `+s.pickedPending()+notIn), append(s.fairPickedArgs(now, pick), inFlight...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found = found[:0]
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, ev)
	}
	return found, rows.Err()
}

// withColumn scans a row's columns, then one more into last.
type withColumn struct {
	rows *sql.Rows
	last any
}

func (w withColumn) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.last)...) }

// notInFlight is the read's condition leaving out the events in flight
// and its arguments. The list is padded (with its first id) to a power of
// two, so that a few statement texts serve every size; r.mu is held.
func (r *soleRouter) notInFlight() (args []any, cond string) {
	n := len(r.inFlight)
	if n == 0 {
		return nil, ""
	}
	size := 1
	for size < n {
		size *= 2
	}
	args = make([]any, 0, size)
	for id := range r.inFlight {
		args = append(args, id)
	}
	for len(args) < size {
		args = append(args, args[0])
	}
	return args, ` AND e.id NOT IN (` + placeholders(size) + `)`
}

// pendingOrgSpan reads the lowest and the highest organization with
// pending events, one probe of events_pending_org each: "" when none is
// pending, lo == hi when one organization has them all. The LIMITs are
// arguments so that the statement is prepared once a connection
// (sqliteConn caches only statements with arguments): parsed each time,
// it was a third of the sole server's read (BENCHMARKS.md, round nine).
func (s *db) pendingOrgSpan(ctx context.Context) (lo, hi string, err error) {
	var l, h sql.NullString
	err = s.sql.QueryRowContext(ctx, `SELECT
		(SELECT p.org_id FROM events p WHERE p.state = `+sqlEventPending+` ORDER BY p.org_id, p.received_at, p.id LIMIT ?),
		(SELECT p.org_id FROM events p WHERE p.state = `+sqlEventPending+` ORDER BY p.org_id DESC, p.received_at DESC, p.id DESC LIMIT ?)`,
		1, 1).Scan(&l, &h)
	return l.String, h.String, err
}
