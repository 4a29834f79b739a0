package store

import "time"

// PostgreSQL writes a routing batch's filtered rejections, their sets and
// their rows, in one statement (or in the statement of the routing
// batch's processed mark, lockedMark), each text one
// whatever the number of rows: the sets apart were a round trip, and pgx
// prepares each new text on a connection in a round trip of its own, a
// row list of each length another (BENCHMARKS.md, PostgreSQL's routing
// round trips, round ten). The sets are upserted in hash order, as
// writeFilteredKnown does on SQLite. The rows need not wait for their
// sets: no key ties a row to its set.
const (
	// pgFilteredSets upserts the sets, from seven arrays (pgFilteredArgs).
	pgFilteredSets = `INSERT INTO filter_rejection_sets (org_id, canvas_id, set_hash, n, target_ids, target_names, last_used_at)
		SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::int[], ?::text[], ?::text[], ?::timestamptz[]) ORDER BY 3, 1, 2
		ON CONFLICT (org_id, canvas_id, set_hash) DO UPDATE SET last_used_at = excluded.last_used_at
		WHERE filter_rejection_sets.last_used_at < excluded.last_used_at`
	// pgFilteredRows inserts the rows, from eight arrays.
	pgFilteredRows = `INSERT INTO filter_rejections (` + filteredColumns + `)
		SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[], ?::text[], ?::timestamptz[])`
	// pgFilteredWrite is the statement of the sets and rows alone.
	pgFilteredWrite = `WITH sets AS (` + pgFilteredSets + `) ` + pgFilteredRows
)

// pgFilteredArgs is ps as pgFilteredSets' and pgFilteredRows' arrays, one
// a column, in that order; with routed (one event id a row of ps), a
// ninth array of the rows (lockedMarkFilteredPG's).
func (s *db) pgFilteredArgs(ps []preparedFiltered, routed []string) []any {
	var sets pendingSets
	k := len(ps)
	ids, orgs, canvases, events, messages, hashes := make([]string, k), make([]string, k), make([]string, k),
		make([]string, k), make([]string, k), make([]string, k)
	ns, at := make([]int64, k), make([]time.Time, k)
	for i, p := range ps {
		sets.add(p)
		r := p.row
		ids[i], _ = r[0].(string)
		orgs[i], _ = r[1].(string)
		canvases[i], _ = r[2].(string)
		events[i], _ = r[3].(string)
		messages[i], _ = r[4].(string)
		n, _ := r[5].(int)
		ns[i] = int64(n)
		hashes[i], _ = r[6].(string)
		at[i], _ = r[7].(time.Time) // s.time's on PostgreSQL
	}
	var setOrg, setCanvas, setHash, setIDs, setNames []string
	var setN []int64
	var setAt []time.Time
	for _, set := range sets.byHash() {
		setOrg, setCanvas, setHash = append(setOrg, set.org), append(setCanvas, set.canvas), append(setHash, set.hash)
		setN, setIDs, setNames = append(setN, int64(set.n)), append(setIDs, set.ids), append(setNames, set.names)
		t, _ := s.time(set.at).(time.Time)
		setAt = append(setAt, t)
	}
	args := []any{setOrg, setCanvas, setHash, setN, setIDs, setNames, setAt, ids, orgs, canvases, events, messages, ns, hashes, at}
	if routed != nil {
		args = append(args, routed)
	}
	return args
}
