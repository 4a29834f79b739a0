package store

import (
	"cmp"
	"slices"
	"time"
)

// fairPickedHeads begins fairPicked, the WITH list (without the WITH) that
// ends in picked, the ids of up to limit pending events no one holds, taken
// fairly across organizations: each organization's are ranked by age, and
// the batch takes them by rank, then age. So one organization's backlog does
// not delay another's deliveries: an organization's oldest event is in the
// next batch however many events older ones have pending (up to limit
// organizations, those whose oldest event is oldest), while within an
// organization, so within a canvas and a stage, events are still taken
// oldest first. An organization alone gets the whole batch.
//
// Its cost is bounded by the organizations with pending events (two index
// probes each on events_pending_org: orgs, a skip scan, and heads) and by
// the batch, never by the backlog: each chosen organization reads at most
// its share of the batch, limit less one event for each other chosen
// organization (each of which has one at least), in order on the index
// (fairPickedLateral, fairPickedBounds). At most limit²/4 events are ranked,
// 2,550 for a batch of 100, and sorted; 198 when two organizations have
// events.
//
// Every read of events orders by events_pending_org's columns, the
// organization's included although it is fixed, so that no planner finds
// an organization's oldest pending event on events_canvas_received,
// through its routed events. Migration 0029 dropped events_pending
// (received_at, id): beside it both planners took it to find one
// organization's oldest event, passing over another's backlog (7 s a
// claim with 100,000 events pending).
//
// fairPicked's arguments are fairPickedArgs'.
const fairPickedHeads = `orgs(org_id) AS (
		SELECT * FROM (SELECT p.org_id FROM events p WHERE p.state = ` + sqlEventPending + `
			ORDER BY p.org_id, p.received_at, p.id LIMIT 1) first
		UNION ALL
		SELECT (SELECT p.org_id FROM events p WHERE p.state = ` + sqlEventPending + ` AND p.org_id > orgs.org_id
			ORDER BY p.org_id, p.received_at, p.id LIMIT 1)
		FROM orgs WHERE orgs.org_id IS NOT NULL
	), heads AS (
		SELECT h.org_id, h.head FROM (
			SELECT orgs.org_id, (SELECT p.received_at FROM events p
				WHERE p.state = ` + sqlEventPending + ` AND p.org_id = orgs.org_id
					AND (p.route_lease_until IS NULL OR p.route_lease_until <= ?)
				ORDER BY p.org_id, p.received_at, p.id LIMIT 1) AS head
			FROM orgs WHERE orgs.org_id IS NOT NULL
		) h WHERE h.head IS NOT NULL ORDER BY h.head, h.org_id LIMIT ?
	)`

// fairPickedBounds is fairPicked's end on SQLite, which has no LATERAL: each
// chosen organization's share ends at its share's last event (bounds.last),
// so the join reads a range of events_pending_org. Its planner, with no
// statistics (the store never runs ANALYZE), joins them in a nested loop.
const fairPickedBounds = `bounds AS (
		SELECT heads.org_id, heads.head, COALESCE(
			(SELECT p.received_at FROM events p
				WHERE p.state = ` + sqlEventPending + ` AND p.org_id = heads.org_id
					AND (p.route_lease_until IS NULL OR p.route_lease_until <= ?)
				ORDER BY p.org_id, p.received_at, p.id LIMIT 1 OFFSET (SELECT ? - count(*) FROM heads)),
			(SELECT p.received_at FROM events p WHERE p.state = ` + sqlEventPending + ` AND p.org_id = heads.org_id
				ORDER BY p.org_id DESC, p.received_at DESC, p.id DESC LIMIT 1)) AS last
		FROM heads
	), ranked AS (
		SELECT e.id, e.received_at, row_number() OVER (PARTITION BY e.org_id ORDER BY e.received_at, e.id) AS rn
		FROM bounds b JOIN events e ON e.org_id = b.org_id AND e.state = ` + sqlEventPending + `
			AND e.received_at >= b.head AND e.received_at <= b.last
		WHERE e.route_lease_until IS NULL OR e.route_lease_until <= ?
	), picked AS (
		SELECT ranked.id FROM ranked ORDER BY ranked.rn, ranked.received_at, ranked.id LIMIT ?
	)`

// fairPickedLateral is fairPicked's end on PostgreSQL: each chosen
// organization's share is read by a LATERAL subquery under its LIMIT, a
// nested loop whatever the statistics. The share passes over rows another
// claim has locked (SKIP LOCKED), so two servers claiming at once take
// different events rather than the second finding its whole pick locked
// (storetest RouteStartCrossedStages: two routers, a batch of one each);
// the rows of a share not picked are unlocked at the statement's end, the
// picked ones keep their lease. Joined to a CTE of the share's
// bounds instead, on a fresh database (no statistics yet) the planner
// inlined the CTE, sorted every pending event and ran the bound's
// subquery once for each: 1 s a claim with 100,000 events pending.
const fairPickedLateral = `ranked AS (
		SELECT e.id, e.received_at, row_number() OVER (PARTITION BY e.org_id ORDER BY e.received_at, e.id) AS rn
		FROM heads CROSS JOIN LATERAL (
			SELECT p.id, p.org_id, p.received_at FROM events p
			WHERE p.state = ` + sqlEventPending + ` AND p.org_id = heads.org_id AND p.received_at >= heads.head
				AND (p.route_lease_until IS NULL OR p.route_lease_until <= ?)
			ORDER BY p.org_id, p.received_at, p.id LIMIT (SELECT ? - count(*) + 1 FROM heads)
			FOR NO KEY UPDATE OF p SKIP LOCKED
		) e
	), picked AS (
		SELECT ranked.id FROM ranked ORDER BY ranked.rn, ranked.received_at, ranked.id LIMIT ?
	)`

// fairPicked is the dialect's WITH list: fairPickedHeads, then the shares.
func (s *db) fairPicked() string {
	if s.d.oneWriter {
		return fairPickedHeads + `,
	` + fairPickedBounds
	}
	return fairPickedHeads + `,
	` + fairPickedLateral
}

// pickedPending is the condition that an events row of alias e is one of
// fairPicked's picked and still pending. On PostgreSQL the ids are an
// array and the state an expression, so the rows are read by their
// primary key alone: with no statistics the planner read every pending
// event on events_pending_org, to hash-join them to the 100 picked (IN)
// or to AND their bitmap with the picked ids' (50 and 12 ms a claim with
// 100,000 pending).
func (s *db) pickedPending() string {
	if s.d.oneWriter {
		return `e.id IN (SELECT picked.id FROM picked) AND e.state = ` + sqlEventPending
	}
	return `e.id = ANY (ARRAY(SELECT picked.id FROM picked)) AND e.state || '' = ` + sqlEventPending
}

// fairPickedArgs are fairPicked's arguments, in order.
func (s *db) fairPickedArgs(now time.Time, limit int) []any {
	at := s.time(now)
	if s.d.oneWriter {
		return []any{at, limit, at, limit, at, limit}
	}
	return []any{at, limit, at, limit, limit}
}

// fairOrder sorts events as fairPicked takes them: by rank within their
// organization (by age), then by age.
func fairOrder(evs []Event) {
	byAge := func(a, b Event) int {
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	slices.SortFunc(evs, byAge)
	rank := make(map[string]int, len(evs))
	ranks := make(map[string]int, len(evs))
	for _, ev := range evs {
		rank[ev.OrgID]++
		ranks[ev.ID] = rank[ev.OrgID]
	}
	slices.SortStableFunc(evs, func(a, b Event) int { return cmp.Compare(ranks[a.ID], ranks[b.ID]) })
}
