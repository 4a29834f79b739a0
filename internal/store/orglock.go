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
// Why no deadlock: these rows are locked FOR NO KEY UPDATE only here and
// by claimExecution, which takes one organization's row while holding
// nothing else; nothing updates or deletes organizations, and foreign
// keys' KEY SHARE locks do not conflict. Every lock order is then
// organization → (canvas FOR SHARE → events → rows it inserts) here and
// organization → its execution's row in claimExecution, and:
//
//   - two routing transactions that may start executions, or one and a
//     claim, wait for each other only on organizations' rows (but for
//     connection groups, below), which each takes before anything else
//     and in one order; a routing transaction that starts nothing inserts
//     no execution, so none waits on it for one;
//   - once it holds its organizations, a routing transaction waits on an
//     execution's index entry only for a transaction that inserts, updates
//     or deletes an unfinished execution of one of those organizations'
//     stages without holding the organization: StartExecution (the queue
//     advance: its stage event's row, then the insert), FinishExecution,
//     RequestCancel (their execution's row, which a claim locks only after
//     the organization's). None of them waits, after that write, on a row
//     or a lock a routing transaction holds: they insert stage events
//     (no unique entry routing writes) and take KEY SHARE on parents,
//     which FOR SHARE and FOR NO KEY UPDATE do not block;
//   - it waits on a canvas's row only for a stage's write or the canvas's
//     deletion; a stage's write never waits on what routing holds before
//     that share lock, and a deletion would wait on an execution's row a
//     claim holds only while that claim holds the organization, which
//     this transaction then does not.
//
// Not covered, and older than this lock: a routing transaction that holds
// a connection group's field set (an earlier event's arrival) and then
// waits on an execution FinishExecutionRouted is finishing, whose
// arrival waits for that field set.
func (s *db) lockOrgsForStarts(ctx context.Context, tx *sql.Tx, matched []matchedEvent) error {
	if s.d.forUpdate == "" {
		return nil
	}
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
	if len(orgs) == 0 {
		return nil
	}
	// ORDER BY before the lock: PostgreSQL locks the rows as the sort
	// returns them, so every transaction takes them in one order.
	_, err := tx.ExecContext(ctx, s.q(`SELECT id FROM organizations WHERE id IN (`+placeholders(len(orgs))+`)
		ORDER BY id FOR NO KEY UPDATE`), orgs...)
	return err
}
