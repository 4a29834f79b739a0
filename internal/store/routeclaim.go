package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
)

// RouteClaim asks RouteEventsBatch (WithRouteClaim) to claim, for Owner
// until LeaseUntil, up to Max of the executions its routing transaction
// starts (StageEvent.StartIfFree): they are inserted started and leased,
// as ClaimExecution would leave them, and answered in RoutedBatch.Claimed.
// The engine reserves Max free run slots first. A free stage's execution
// then waits for no claim transaction of its own: on SQLite's one writer,
// that transaction queued behind the receivers' inserts (BENCHMARKS.md,
// claim at routing, round seven).
//
// With MaxPerOrg > 0, an organization with MaxPerOrg started executions
// under a live lease (on any server, those claimed here included) gets
// its executions pending, as ClaimExecution would pass it over.
//
// Both dialects claim at routing. SQLite's one writer serialises the
// routing transaction with every claim; on PostgreSQL the routing
// transaction takes its organizations' rows first (lockOrgsForStarts),
// which makes the cap exact across servers without a deadlock.
type RouteClaim struct {
	Owner      string
	LeaseUntil time.Time
	Max        int
	MaxPerOrg  int
	// Clock, when set, stamps a claimed execution's StartedAt at its
	// insert, in the routing transaction. Without it StartedAt is its
	// CreatedAt, the match: before the rest of the batch was matched and
	// its transaction ran, so delivery → start left those out (on
	// PostgreSQL under load, p50 87–131 ms: BENCHMARKS.md, claim at
	// routing on PostgreSQL, round eight).
	Clock func() time.Time
}

type routeClaimKey struct{}

// WithRouteClaim returns ctx asking RouteEventsBatch to claim what its
// routing transaction starts (RouteClaim).
func WithRouteClaim(ctx context.Context, c RouteClaim) context.Context {
	return context.WithValue(ctx, routeClaimKey{}, c)
}

// routeClaims is a routing transaction's claim budget and what it claimed.
type routeClaims struct {
	RouteClaim
	claimed []Execution
	// running is each organization's started executions under a live
	// lease, counted once a transaction before it claims any of that
	// organization's (runningIn adds those claimed since). The count
	// cannot rise meanwhile: SQLite has one writer, and on PostgreSQL
	// every claim of the organization waits for its row, held here.
	running map[string]int
}

// routeClaimsOf returns the claim budget ctx carries, nil when there is
// none (RouteClaim).
func (s *db) routeClaimsOf(ctx context.Context) *routeClaims {
	c, ok := ctx.Value(routeClaimKey{}).(RouteClaim)
	if !ok || c.Max <= 0 || c.Owner == "" {
		return nil
	}
	return &routeClaims{RouteClaim: c}
}

// reset forgets what a transaction claimed (it is run again).
func (c *routeClaims) reset() {
	if c != nil {
		c.claimed = c.claimed[:0]
		clear(c.running)
	}
}

// mark and undo bound what a savepoint rolled back.
func (c *routeClaims) mark() int {
	if c == nil {
		return 0
	}
	return len(c.claimed)
}

func (c *routeClaims) undo(mark int) {
	if c != nil && mark < len(c.claimed) {
		c.claimed = c.claimed[:mark]
	}
}

// result is what was claimed, for RoutedBatch.Claimed.
func (c *routeClaims) result() []Execution {
	if c == nil || len(c.claimed) == 0 {
		return nil
	}
	return append([]Execution(nil), c.claimed...)
}

// insertClaimedExecution inserts a stage event's execution started and
// leased (id, org, canvas, stage, stage event, outputs, resources, lease
// owner, lease expiry, created, started).
const insertClaimedExecution = `INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id,
			state, result, result_reason, result_message, outputs, resources, lease_owner, lease_expires_at, created_at, started_at)
			VALUES (?, ?, ?, ?, ?, ` + sqlExecutionStarted + `, '', '', '', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// claimedColumns are executionColumns as an INSERT's RETURNING names them
// (no table alias).
var claimedColumns = strings.ReplaceAll(executionColumns, "ex.", "")

// insertExecution inserts, in tx, the execution startIfFree starts:
// claimed for claims when it has budget left and the organization is
// under its cap, pending otherwise. inserted is false when the stage runs
// an execution already (the unique index of unfinished executions). On
// PostgreSQL the same statement checks the stage's queue and marks the
// stage event started (startIfFreePG): inserted is false too when the
// queue holds another event.
func (s *db) insertExecution(ctx context.Context, tx *sql.Tx, claims *routeClaims, org, canvas, stage, event string, created, now time.Time) (inserted bool, err error) {
	id := uuid.NewString()
	claim := false
	if claims != nil && len(claims.claimed) < claims.Max {
		claim = true
		if claims.MaxPerOrg > 0 && !s.d.oneWriter {
			return s.insertCappedPG(ctx, tx, claims, id, org, canvas, stage, event, created, now)
		}
		if claims.MaxPerOrg > 0 {
			running, err := s.runningIn(ctx, tx, claims, org, now)
			if err != nil {
				return false, err
			}
			claim = running < claims.MaxPerOrg
		}
	}
	if claim {
		started := created
		if claims.Clock != nil {
			if t := claims.Clock(); t.After(started) {
				started = t
			}
		}
		// Read back in the same statement: one round trip less a claim,
		// in the routing transaction's write turn. No row: the stage runs
		// an execution.
		query, args := insertClaimedExecution+` RETURNING `+claimedColumns, []any{id, org, canvas, stage, event, blob(nil), blob(nil),
			claims.Owner, s.time(claims.LeaseUntil), s.time(created), s.time(started)}
		if !s.d.oneWriter {
			query, args = startIfFreePG(true), append(args, stage, event)
		}
		ex, err := scanExecution(tx.QueryRowContext(ctx, s.q(query), args...))
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		claims.claimed = append(claims.claimed, ex)
		return true, nil
	}
	if !s.d.oneWriter {
		var got string
		err := tx.QueryRowContext(ctx, s.q(startIfFreePG(false)),
			id, org, canvas, stage, event, blob(nil), blob(nil), s.time(created), stage, event).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	res, err := tx.ExecContext(ctx, s.q(insertPendingExecution+` ON CONFLICT DO NOTHING`),
		id, org, canvas, stage, event, blob(nil), blob(nil), s.time(created))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, nil
}

// insertCappedPG is insertExecution's claim under the organization's cap
// on PostgreSQL, in one statement (startIfFreeCappedPG): the running
// count, the claimed or pending insert, the queue's check and mark. The
// count was a round trip of its own before the insert (BENCHMARKS.md,
// PostgreSQL's routing round trips, round ten). It is exact as runningIn's
// is: the transaction holds the organization's row (lockedVersionsPG), so
// no other claim of the organization commits meanwhile, and the statement
// sees this transaction's own claims.
func (s *db) insertCappedPG(ctx context.Context, tx *sql.Tx, claims *routeClaims, id, org, canvas, stage, event string, created, now time.Time) (bool, error) {
	started := created
	if claims.Clock != nil {
		if t := claims.Clock(); t.After(started) {
			started = t
		}
	}
	ex, err := scanExecution(tx.QueryRowContext(ctx, s.q(startIfFreeCappedPG), org, s.time(now), claims.MaxPerOrg,
		id, org, canvas, stage, event, blob(nil), blob(nil),
		claims.Owner, s.time(claims.LeaseUntil), s.time(created), s.time(started), stage, event))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if ex.State == ExecutionStarted {
		claims.claimed = append(claims.claimed, ex)
	}
	return true, nil
}

// runningIn returns org's started executions under a live lease at now,
// those claims claimed in tx included: counted at the organization's first
// claim of the transaction, then what it claimed since is added. A
// savepoint rolled back takes its claims out of claims.claimed, and so
// out of the sum.
func (s *db) runningIn(ctx context.Context, tx *sql.Tx, claims *routeClaims, org string, now time.Time) (int, error) {
	base, ok := claims.running[org]
	if !ok {
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM executions
			WHERE org_id = ? AND state = `+sqlExecutionStarted+` AND lease_expires_at >= ?`), org, s.time(now)).Scan(&base); err != nil {
			return 0, err
		}
		for _, ex := range claims.claimed {
			if ex.OrgID == org {
				base-- // counted in the sum below, not twice
			}
		}
		if claims.running == nil {
			claims.running = map[string]int{}
		}
		claims.running[org] = base
	}
	n := base
	for _, ex := range claims.claimed {
		if ex.OrgID == org {
			n++
		}
	}
	return n, nil
}
