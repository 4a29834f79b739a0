package store

import (
	"context"
	"database/sql"
	"slices"
)

// lockOrgsForStarts takes, on PostgreSQL, the rows of the organizations
// whose executions the routing transaction may start (stage events marked
// StartIfFree of events matched at a known stages version), FOR NO KEY
// UPDATE in id order, as the transaction's first statement. A batch that
// can start nothing takes none, so plain routing is not serialised per
// organization. SQLite's one writer serialises every write transaction.
//
// Why: claiming at routing counts the organization's running executions
// for its cap, which is exact only while no one else can start one of
// them, and ClaimExecution holds that row for the same count. And two
// routing transactions that each insert an execution into one stage of
// the other's (ON CONFLICT waits for the other's uncommitted entry in the
// unique index of unfinished executions) deadlocked whatever the claims:
// one was aborted after PostgreSQL's deadlock_timeout (a second) and ran
// again in savepoints. storetest RouteStartCrossedStages and
// RouteClaimRace fail without this lock (the deadlock; a cap of 2 with 3
// running).
//
// Why no deadlock: these rows are locked FOR NO KEY UPDATE only here, by
// a finish that may start executions (lockForFinish, which takes them the
// same way, first) and by claimExecution, which takes one organization's
// row while holding nothing else; nothing updates or deletes
// organizations, and foreign keys' KEY SHARE locks do not conflict. Every
// lock order is then organization → (canvas FOR SHARE → events → rows it
// inserts) here, organization → canvas FOR SHARE → field sets → its
// execution's row → rows it inserts in such a finish, and organization →
// its execution's row in claimExecution, and:
//
//   - two routing transactions that may start executions, or one and a
//     claim or such a finish, wait for each other only on organizations'
//     rows (but for connection groups, below), which each takes before
//     anything else and in one order; a routing transaction that starts
//     nothing inserts no execution, so none waits on it for one;
//   - once it holds its organizations, a routing transaction waits on an
//     execution's index entry only for a transaction that inserts, updates
//     or deletes an unfinished execution of one of those organizations'
//     stages without holding the organization: StartExecution (the queue
//     advance: its stage event's row, then the insert), a finish that
//     starts nothing, RequestCancel (their execution's row, which a claim
//     locks only after the organization's). None of them waits, after
//     that write, on a row or a lock a routing transaction holds: they
//     insert stage events (no unique entry routing writes) and take KEY
//     SHARE on parents, which FOR SHARE and FOR NO KEY UPDATE do not
//     block; a finish adds its group arrivals (field sets' rows) before
//     it writes its execution's row, never after;
//   - it waits on a canvas's row only for a stage's write or the canvas's
//     deletion; a stage's write never waits on what routing holds before
//     that share lock, and a deletion would wait on an execution's row a
//     claim holds only while that claim holds the organization, which
//     this transaction then does not.
//
// Connection groups: a routing transaction takes a field set's row (an
// event's arrival) after its organizations and may then wait on an
// execution's index entry. The finish of that execution used to write
// its row first and add its arrival after, waiting for the field set the
// routing transaction held: a deadlock (storetest
// FinishRacesRoutingOnFieldSet). A finish now takes its field sets before
// its execution's row, so whoever holds the field set first goes first.
// Not covered: two transactions that each add arrivals to two field sets
// in opposite orders (events of one batch, or a finish feeding two
// groups); PostgreSQL aborts one, and a routing batch runs again in
// savepoints.
func (s *db) lockOrgsForStarts(ctx context.Context, tx *sql.Tx, matched []matchedEvent) error {
	if s.d.forUpdate == "" {
		return nil
	}
	orgs := orgsForStarts(matched)
	if len(orgs) == 0 {
		return nil
	}
	// ORDER BY before the lock: PostgreSQL locks the rows as the sort
	// returns them, so every transaction takes them in one order.
	_, err := tx.ExecContext(ctx, s.q(`SELECT id FROM organizations WHERE id IN (`+placeholders(len(orgs))+`)
		ORDER BY id FOR NO KEY UPDATE`), orgs...)
	return err
}

// orgsForStarts is the organizations whose executions the routing
// transaction of matched may start (lockOrgsForStarts).
func orgsForStarts(matched []matchedEvent) []any {
	var orgs []any
	for _, m := range matched {
		if m.err != nil || !m.routed.StagesVersionKnown {
			continue
		}
		for _, se := range m.routed.StageEvents {
			if !se.StartIfFree {
				continue
			}
			org := se.OrgID
			if org == "" {
				org = m.ev.OrgID
			}
			if id, ok := canonicalID(org); ok && !slices.Contains(orgs, any(id)) {
				orgs = append(orgs, id)
			}
		}
	}
	return orgs
}

// lockForFinish takes, first in a finish's transaction, what a routing
// transaction that starts executions takes first: on PostgreSQL the
// organization's row (lockOrgsForStarts), then the canvas's FOR SHARE
// with its stages version (stagesVersionsIn). It does so only when the
// finish may start a downstream execution (a StartIfFree stage event,
// matched at a known stages version, in the execution's canvas), and
// tells whether it may: the version still holds. A finish that can start
// nothing takes neither, so finishes are not serialised per organization.
func (s *db) lockForFinish(ctx context.Context, tx *sql.Tx, ex Execution, downstream Routed) (bool, error) {
	if !downstream.StagesVersionKnown {
		return false, nil
	}
	org, okOrg := canonicalID(ex.OrgID)
	canvas, okCanvas := canonicalID(ex.CanvasID)
	if !okOrg || !okCanvas {
		return false, nil
	}
	startable := false
	for _, se := range downstream.StageEvents {
		if !se.StartIfFree {
			continue
		}
		if (se.OrgID != "" && se.OrgID != org) || (se.CanvasID != "" && se.CanvasID != canvas) {
			return false, nil // matched elsewhere: not at this canvas's version
		}
		startable = true
	}
	if !startable {
		return false, nil
	}
	m := []matchedEvent{{ev: Event{OrgID: org, CanvasID: canvas}, routed: downstream}}
	if err := s.lockOrgsForStarts(ctx, tx, m); err != nil {
		return false, err
	}
	versions, err := s.stagesVersionsIn(ctx, tx, m)
	if err != nil {
		return false, err
	}
	return stagesVersionHolds(versions, m[0]), nil
}
