package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// lockedMarkPG is, on PostgreSQL, lockedVersionsPG and the lease re-check
// that marks the events processed in one statement, so a routing batch no
// longer pays a round trip for its versions apart: under the busy canvas's
// load each round trip is a wait for a CPU (BENCHMARKS.md, round
// thirteen). Its parameters: the canvases (organizations, ids) and the
// organizations to lock, as lockedVersionsPG's; the events to mark and
// the stages version each was matched at (-1 when not known); the lease.
// Arrays, so that its text is one whatever the batch's size (pgx prepares
// each new text in a round trip of its own).
//
// The lock order stays organizations, canvases, events: v is
// lockedVersionsPG, and m's WHERE holds an uncorrelated condition on v, a
// one-time filter PostgreSQL evaluates (so v, all of it) before m reads
// its first event. An event is marked only while its lease is this
// call's and, matched at a known version, when its canvas was found at
// that version: the check routeClaimed made in Go on lockedVersions'
// result, now made where the rows are locked. The statement returns the
// events it marked ('m', id) and the versions it read ('v', "org/canvas",
// version).
const lockedMarkPG = `WITH v AS (` + lockedVersionsPG + `), m AS (
		UPDATE events e SET state = ` + sqlEventProcessed + `, state_reason = '', state_message = '', route_lease_until = NULL
		FROM unnest(?::uuid[], ?::bigint[]) AS x (id, version)
		WHERE e.route_lease_until = ? AND e.id = x.id AND (SELECT COUNT(*) FROM v) >= 0
			AND (x.version < 0 OR EXISTS (SELECT 1 FROM v WHERE v.org_id = e.org_id AND v.id = e.canvas_id AND v.stages_version = x.version))
		RETURNING e.id
	)`

// lockedMarkFilteredPG follows lockedMarkPG when the batch has filtered
// rejections: the rows of the events m marked, and
// only the sets those rows name, so that nothing is written for an event
// m left (its lease another server's, or its stages changed: a set of a
// canvas gone would even break its key).
const lockedMarkFilteredPG = `, r AS (
		SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[], ?::text[], ?::timestamptz[], ?::uuid[])
			AS r (id, org_id, canvas_id, event_id, message, n, set_hash, created_at, routed)
		WHERE r.routed IN (SELECT id FROM m)
	), sets AS (
		INSERT INTO filter_rejection_sets (org_id, canvas_id, set_hash, n, target_ids, target_names, last_used_at)
		SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::int[], ?::text[], ?::text[], ?::timestamptz[])
			AS s (org_id, canvas_id, set_hash, n, target_ids, target_names, last_used_at)
		WHERE (s.org_id, s.canvas_id, s.set_hash) IN (SELECT org_id, canvas_id, set_hash FROM r)
		ORDER BY 3, 1, 2
		ON CONFLICT (org_id, canvas_id, set_hash) DO UPDATE SET last_used_at = excluded.last_used_at
		WHERE filter_rejection_sets.last_used_at < excluded.last_used_at
	), rows AS (
		INSERT INTO filter_rejections (` + filteredColumns + `)
		SELECT id, org_id, canvas_id, event_id, message, n, set_hash, created_at FROM r
	)`

// lockedMarkTail reads lockedMarkPG's two results as one.
const lockedMarkTail = `
	SELECT 'm', id::text, 0::bigint FROM m
	UNION ALL SELECT 'v', org_id::text || '/' || id::text, stages_version FROM v`

// lockedMarked is what lockedMark found and wrote.
type lockedMarked struct {
	versions map[string]int64 // lockedVersions'
	// marked are the events marked processed; filtered, those whose
	// filtered rejections were written with them.
	marked, filtered map[string]bool
	// inserted is the executions lockedStartsPG inserted, true when
	// claimed.
	inserted map[string]bool
}

// foldsMark tells whether routeClaimed takes its versions and its mark
// from lockedMark: on PostgreSQL, for a claimed batch, outside the
// savepoint retry (whose re-check is stillLeased's, each event apart).
func (s *db) foldsMark(lease time.Time, inSavepoints bool) bool {
	return !s.d.oneWriter && !lease.IsZero() && !inSavepoints
}

// lockedMark runs lockedMarkPG on q, a transaction (routeClaimed) or the
// pool (routeApartPG): it marks processed the matched events with no
// error, with the filtered rejections of those matched at a known
// version, and with starts (startsArgs' parameters, routeApartPG's) their
// stage events and executions (lockedStartsPG).
func (s *db) lockedMark(ctx context.Context, q querier, matched []matchedEvent, lease time.Time, starts []any) (lockedMarked, error) {
	var keyOrgs, keyCanvases, orgs, ids []string
	for _, k := range versionKeys(matched) {
		keyOrgs, keyCanvases = append(keyOrgs, k.org), append(keyCanvases, k.canvas)
	}
	for _, org := range orgsForStarts(matched) {
		id, _ := org.(string)
		orgs = append(orgs, id)
	}
	var versions []int64
	var ps []preparedFiltered
	var routed []string
	for _, m := range matched {
		if m.err != nil {
			continue
		}
		v := int64(-1)
		if m.routed.StagesVersionKnown {
			v = m.routed.StagesVersion
			for _, p := range m.filtered {
				ps, routed = append(ps, p), append(routed, m.ev.ID)
			}
		}
		ids, versions = append(ids, m.ev.ID), append(versions, v)
	}
	query := lockedMarkPG
	args := []any{keyOrgs, keyCanvases, orgs, ids, versions, s.time(lease)}
	if len(ps) > 0 {
		query += lockedMarkFilteredPG
		all := s.pgFilteredArgs(ps, routed)
		// pgFilteredArgs gives the sets' seven arrays, then the rows'
		// nine; the statement reads the rows first.
		args = append(append(args, all[7:]...), all[:7]...)
	}
	tail := lockedMarkTail
	if starts != nil {
		query, tail, args = query+lockedStartsPG, tail+lockedStartsTail, append(args, starts...)
	}
	rows, err := q.QueryContext(ctx, s.q(query+tail), s.plannedEachRun(args)...)
	if err != nil {
		return lockedMarked{}, err
	}
	defer rows.Close()
	out := lockedMarked{versions: map[string]int64{}, marked: map[string]bool{}, inserted: map[string]bool{}}
	for rows.Next() {
		var kind, key string
		var v int64
		if err := rows.Scan(&kind, &key, &v); err != nil {
			return lockedMarked{}, err
		}
		switch kind {
		case "v":
			out.versions[key] = v
		case "x":
			out.inserted[strings.ToLower(key)] = v == 1
		default:
			out.marked[strings.ToLower(key)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return lockedMarked{}, err
	}
	if len(ps) > 0 {
		out.filtered = make(map[string]bool, len(routed))
		for _, id := range routed {
			if out.marked[id] {
				out.filtered[id] = true
			}
		}
	}
	return out, nil
}

// lockedAndMarked is routeClaimed's first step: the stages versions of the
// canvases it matched at (lockedVersions), which matched events are still
// this call's (ours), and those already marked processed (marked) with
// their filtered rejections (wroteFiltered). On PostgreSQL outside the
// savepoint retry one statement (lockedMark) does what lockedVersions and
// leasedMarkingRouted did in two; the events it did not mark though they
// may be this call's (an error, a rejection, a version that moved: rare)
// are re-checked by stillLeased as before.
func (s *db) lockedAndMarked(ctx context.Context, tx *sql.Tx, matched []matchedEvent, lease time.Time,
	inSavepoints bool) (versions map[string]int64, ours, marked, wroteFiltered map[string]bool, err error) {
	if !s.foldsMark(lease, inSavepoints) {
		if versions, err = s.lockedVersions(ctx, tx, matched); err != nil {
			return nil, nil, nil, nil, err
		}
		ours, marked, err = s.leasedMarkingRouted(ctx, tx, matched, versions, lease, inSavepoints)
		return versions, ours, marked, nil, err
	}
	lm, err := s.lockedMark(ctx, tx, matched, lease, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ours = make(map[string]bool, len(matched))
	var others []matchedEvent
	for _, m := range matched {
		switch {
		case lm.marked[m.ev.ID]:
			ours[m.ev.ID] = true
		case m.err != nil || (m.routed.StagesVersionKnown && !stagesVersionHolds(lm.versions, m)):
			others = append(others, m)
		}
		// Otherwise lockedMark would have marked it were it still
		// leased to this call: another server took it.
	}
	if len(others) > 0 {
		still, err := s.stillLeased(ctx, tx, others, lease)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		for id, ok := range still {
			ours[id] = ok
		}
	}
	return lm.versions, ours, lm.marked, lm.filtered, nil
}

// marksOnly tells whether routing matched writes nothing but the
// processed mark and filtered rejections: no error or rejection, no stage
// event, no group arrival, every event matched at a known version (so its
// rejections are written with its mark). A busy canvas's batch is that,
// but for the rare probe of a free stage.
func marksOnly(matched []matchedEvent) bool {
	for _, m := range matched {
		if m.err != nil || !m.routed.StagesVersionKnown || len(m.routed.StageEvents) > 0 || len(m.routed.Arrivals) > 0 {
			return false
		}
	}
	return true
}

// routeApartPG routes a batch of marksOnly or startsApart on PostgreSQL
// in one round trip: lockedMark alone, no BEGIN and no COMMIT around it
// (a statement outside a transaction is one, committed with it, with the
// locks it took held until then). The busy canvas's batch paid begin, the
// mark and commit apart (BENCHMARKS.md, round thirteen), and a batch with
// a probe of a free stage also its stage event's insert and its
// execution's (lockedStartsPG, round fourteen). ended are the events it
// marked; started, the executions it inserted, claimed those it claimed
// for claims (RouteClaim); rest, the events it left whose version moved
// since matching, to be released by the routing transaction, which
// re-checks their lease. An event it left at a version that holds is no
// longer this call's: nothing is written for it. On an error nothing was
// written.
func (s *db) routeApartPG(ctx context.Context, now time.Time, claims *routeClaims, matched []matchedEvent,
	lease time.Time) (ended []string, rest []matchedEvent, started int, claimed []Execution, err error) {
	var starts []any
	var execs []Execution
	if !marksOnly(matched) {
		starts, execs = s.startsArgs(matched, claims, now)
	}
	lm, err := s.lockedMark(ctx, s.routeQuerier(ctx), matched, lease, starts)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	for _, m := range matched {
		switch {
		case lm.marked[m.ev.ID]:
			ended = append(ended, m.ev.ID)
		case !stagesVersionHolds(lm.versions, m):
			rest = append(rest, m)
		}
	}
	// In routing order, as insertExecution appends them.
	for _, ex := range execs {
		isClaimed, ok := lm.inserted[ex.ID]
		if ok {
			started++
		}
		if isClaimed {
			claimed = append(claimed, ex)
		}
	}
	return ended, rest, started, claimed, nil
}
