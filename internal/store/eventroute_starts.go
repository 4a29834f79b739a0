package store

import (
	"time"

	"github.com/google/uuid"
)

// lockedStartsPG follows lockedMarkPG (and lockedMarkFilteredPG) when a
// batch routed apart (routeApartPG) has stage events: their inserts and
// the executions they start (startIfFree's rules), in the statement that
// locked and marked their events. A batch with a probe of a free stage
// paid begin, the mark, the stage event's insert, the execution's and
// commit apart, each round trip a wait for a CPU under the busy canvas's
// load (BENCHMARKS.md, round fourteen).
//
// b is the stage events of the events m marked, in routing order (ord).
// c is those that start: marked StartIfFree, no earlier stage event of
// the batch for their stage that starts or is queued (a data-modifying
// CTE does not see its sibling's rows, so what insertRouted's order gave
// is spelt out: of two events of one batch for a free stage the older
// starts and the newer waits), no queued event and no unfinished
// execution of their stage (route_stage_busy). The unique index of
// unfinished executions still decides a race with another server (ON
// CONFLICT DO NOTHING). x inserts their executions: claimed while the
// organization is under its cap (its started executions under a live
// lease, route_org_running, plus those of c before it: capOK only falls
// along a batch, so those before it were claimed) and the batch's budget
// lasts (the capOK rows counted in order), pending otherwise.
//
// The stage's and the organization's checks are functions (migration
// 0033), not subqueries: the statement's snapshot is taken before v waits
// for the organizations' rows, so a claim or a queued event another server
// committed meanwhile is not in it, and the cap would be exceeded
// (TestApartCapSeesClaimsCommittedWhileItWaited). A VOLATILE function
// reads with a snapshot of its own, taken at its call, after the lock, as
// the routing transaction's statements did one after the other. s inserts the stage
// events, those whose execution x inserted already processed (out of
// the queue). The executions' foreign key to their stage events is
// checked at the statement's end, when both are there.
//
// Parameters after lockedMarkPG's (and the rejections'): the stage
// events' nineteen arrays (id, org, canvas, stage, connection, the
// trigger's six, payload, headers, state, reason, inputs, approvals,
// created, the event routed), StartIfFree, the executions' ids, created
// and started; then now, the cap (0: none), the budget, the lease owner
// and expiry.
const lockedStartsPG = `, b AS (
		SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::bytea[], ?::bytea[], ?::text[], ?::text[], ?::bytea[], ?::bytea[], ?::timestamptz[],
			?::uuid[], ?::bool[], ?::uuid[], ?::timestamptz[], ?::timestamptz[])
			WITH ORDINALITY AS b (id, org_id, canvas_id, stage_id, connection, trigger_source_type, trigger_source_id,
				trigger_source_name, trigger_event_id, trigger_type, trigger_payload, trigger_headers, state, state_reason,
				inputs, approvals, created_at, routed, start, ex_id, ex_created, ex_started, ord)
		WHERE b.routed IN (SELECT id FROM m)
	), c AS (
		SELECT b.*, row_number() OVER (PARTITION BY b.org_id ORDER BY b.ord) AS ko FROM b
		WHERE b.start
			AND NOT EXISTS (SELECT 1 FROM b o WHERE o.stage_id = b.stage_id AND o.ord < b.ord
				AND (o.start OR o.state IN (` + sqlStageEventPending + `, ` + sqlStageEventWaiting + `)))
			AND NOT route_stage_busy(b.stage_id)
	), p AS (
		SELECT c.*, ?::int <= 0 OR route_org_running(c.org_id, ?::timestamptz) + c.ko <= ?::int AS cap_ok FROM c
	), k AS (
		SELECT p.*, p.cap_ok AND COUNT(*) FILTER (WHERE p.cap_ok) OVER (ORDER BY p.ord) <= ?::int AS claim FROM p
	), x AS (
		INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id, state, result, result_reason,
			result_message, outputs, resources, lease_owner, lease_expires_at, created_at, started_at)
		SELECT k.ex_id, k.org_id, k.canvas_id, k.stage_id, k.id,
			CASE WHEN k.claim THEN ` + sqlExecutionStarted + ` ELSE ` + sqlExecutionPending + ` END, '', '', '', ''::bytea, ''::bytea,
			CASE WHEN k.claim THEN ?::text ELSE '' END, CASE WHEN k.claim THEN ?::timestamptz END, k.ex_created,
			CASE WHEN k.claim THEN k.ex_started END
		FROM k ORDER BY k.ord
		ON CONFLICT DO NOTHING RETURNING id, stage_event_id, state
	), s AS (
		INSERT INTO stage_events (id, org_id, canvas_id, stage_id, connection, trigger_source_type, trigger_source_id,
			trigger_source_name, trigger_event_id, trigger_type, trigger_payload, trigger_headers, state, state_reason,
			inputs, approvals, discarded_by, discarded_at, created_at)
		SELECT b.id, b.org_id, b.canvas_id, b.stage_id, b.connection, b.trigger_source_type, b.trigger_source_id,
			b.trigger_source_name, b.trigger_event_id, b.trigger_type, b.trigger_payload, b.trigger_headers,
			CASE WHEN x.id IS NULL THEN b.state ELSE ` + sqlStageEventProcessed + ` END,
			CASE WHEN x.id IS NULL THEN b.state_reason ELSE '' END, b.inputs, b.approvals, '', NULL, b.created_at
		FROM b LEFT JOIN x ON x.stage_event_id = b.id ORDER BY b.ord
	)`

// lockedStartsTail reads, after lockedMarkTail's rows, the executions x
// inserted: ('x', id, 1 when claimed).
const lockedStartsTail = `
	UNION ALL SELECT 'x', id::text, CASE WHEN state = ` + sqlExecutionStarted + ` THEN 1 ELSE 0 END FROM x`

// startsApart tells whether routeApartPG may write matched's stage events
// and starts in its one statement: no error or rejection, no group
// arrival (addArrival's reads and locks stay the routing transaction's),
// every event matched at a known version, and stage events whose ids the
// statement can take as they are (a malformed one is the routing
// transaction's to refuse) and that were never discarded.
func startsApart(matched []matchedEvent) bool {
	found := false
	for _, m := range matched {
		if m.err != nil || !m.routed.StagesVersionKnown || len(m.routed.Arrivals) > 0 {
			return false
		}
		for _, se := range m.routed.StageEvents {
			_, okID := canonicalID(se.ID)
			_, okStage := canonicalID(se.StageID)
			if !okID || !okStage || !se.DiscardedAt.IsZero() || se.DiscardedBy != "" {
				return false
			}
			for _, id := range []string{se.OrgID, se.CanvasID} {
				if _, ok := canonicalID(id); id != "" && !ok {
					return false
				}
			}
			found = true
		}
	}
	return found
}

// startsArgs is lockedStartsPG's parameters for matched (startsApart),
// and in routing order the executions it may claim, as insertExecution
// would have read them back.
func (s *db) startsArgs(matched []matchedEvent, claims *routeClaims, now time.Time) ([]any, []Execution) {
	var ids, orgs, canvases, stages, conns, tst, tsid, tsname, teid, ttype, states, reasons, routed, exIDs []string
	var payloads, headers, inputs, approvals [][]byte
	var created, exCreated, exStarted []time.Time
	var start []bool
	var execs []Execution
	at := func(t time.Time) time.Time { v, _ := s.time(t).(time.Time); return v }
	var clock time.Time
	if claims != nil && claims.Clock != nil {
		clock = claims.Clock()
	}
	for _, m := range matched {
		for _, se := range m.routed.StageEvents {
			id, _ := canonicalID(se.ID)
			stage, _ := canonicalID(se.StageID)
			org, canvas := se.OrgID, se.CanvasID
			if org == "" {
				org = m.ev.OrgID
			}
			if canvas == "" {
				canvas = m.ev.CanvasID
			}
			org, _ = canonicalID(org)
			canvas, _ = canonicalID(canvas)
			ids, orgs, canvases, stages = append(ids, id), append(orgs, org), append(canvases, canvas), append(stages, stage)
			conns, tst, tsid = append(conns, se.Connection), append(tst, se.TriggerSourceType), append(tsid, se.TriggerSourceID)
			tsname, teid, ttype = append(tsname, se.TriggerSourceName), append(teid, se.TriggerEventID), append(ttype, se.TriggerType)
			payloads, headers = append(payloads, blob(se.TriggerPayload)), append(headers, blob(se.TriggerHeaders))
			states, reasons = append(states, se.State), append(reasons, se.StateReason)
			inputs, approvals = append(inputs, blob(se.Inputs)), append(approvals, blob(se.Approvals))
			created, routed, start = append(created, at(se.CreatedAt)), append(routed, m.ev.ID), append(start, se.StartIfFree)
			// Created with its stage event, never before it; started at
			// the claim's clock (startIfFree, insertExecution).
			c := now
			if se.CreatedAt.After(c) {
				c = se.CreatedAt
			}
			st := c
			if clock.After(st) {
				st = clock
			}
			ex := Execution{ID: uuid.NewString(), OrgID: org, CanvasID: canvas, StageID: stage, StageEventID: id,
				State: ExecutionStarted, CreatedAt: at(c), StartedAt: at(st)}
			if claims != nil {
				ex.LeaseOwner, ex.LeaseExpiresAt = claims.Owner, at(claims.LeaseUntil)
			}
			execs = append(execs, ex)
			exIDs, exCreated, exStarted = append(exIDs, ex.ID), append(exCreated, ex.CreatedAt), append(exStarted, ex.StartedAt)
		}
	}
	budget, capped, owner, until := 0, 0, "", time.Time{}
	if claims != nil {
		budget, capped, owner, until = claims.Max-len(claims.claimed), claims.MaxPerOrg, claims.Owner, at(claims.LeaseUntil)
	}
	args := []any{ids, orgs, canvases, stages, conns, tst, tsid, tsname, teid, ttype, payloads, headers, states, reasons,
		inputs, approvals, created, routed, start, exIDs, exCreated, exStarted,
		capped, at(now), capped, budget, owner, until}
	return args, execs
}
