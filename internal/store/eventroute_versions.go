package store

import (
	"context"
	"database/sql"
)

// lockedVersions takes, first in a routing transaction, the organizations
// whose executions it may start (lockOrgsForStarts) and then the stages
// versions of the canvases it matched at (stagesVersionsIn). On PostgreSQL
// both are one statement (lockedVersionsPG), so the order is kept and a
// batch that may start pays one round trip for them, not one plus one a
// canvas (BENCHMARKS.md, PostgreSQL's routing round trips, round ten).
func (s *db) lockedVersions(ctx context.Context, tx *sql.Tx, matched []matchedEvent) (map[string]int64, error) {
	if s.d.forUpdate == "" {
		return s.stagesVersionsIn(ctx, tx, matched)
	}
	keys := versionKeys(matched)
	if len(keys) == 0 {
		// Nothing matched at a known version, so nothing to start.
		return map[string]int64{}, nil
	}
	var orgs, keyOrgs, keyCanvases []string
	for _, org := range orgsForStarts(matched) {
		id, _ := org.(string)
		orgs = append(orgs, id)
	}
	for _, k := range keys {
		keyOrgs, keyCanvases = append(keyOrgs, k.org), append(keyCanvases, k.canvas)
	}
	rows, err := tx.QueryContext(ctx, s.q(lockedVersionsPG), keyOrgs, keyCanvases, orgs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	versions := make(map[string]int64, len(keys))
	for rows.Next() {
		var org, canvas string
		var v int64
		if err := rows.Scan(&org, &canvas, &v); err != nil {
			return nil, err
		}
		versions[org+"/"+canvas] = v
	}
	return versions, rows.Err()
}

// lockedVersionsPG reads the stages versions of the canvases named by two
// arrays (organizations, ids) FOR SHARE in id order, after it has locked
// the organizations of the third array FOR NO KEY UPDATE in id order: the
// organizations' lock is an uncorrelated subquery of the canvases' WHERE,
// which PostgreSQL runs once, before the first canvas row passes that
// condition, and the canvas rows are locked only after it, above the
// sort. A canvas gone (no row) leaves nothing to start, so its events'
// organizations need no lock then.
const lockedVersionsPG = `SELECT c.org_id, c.id, c.stages_version FROM canvases c
	WHERE (c.org_id, c.id) IN (SELECT * FROM unnest(?::uuid[], ?::uuid[]))
		AND (SELECT COUNT(*) FROM (SELECT id FROM organizations WHERE id = ANY(?::uuid[]) ORDER BY id FOR NO KEY UPDATE) o) >= 0
	ORDER BY c.id FOR SHARE OF c`
