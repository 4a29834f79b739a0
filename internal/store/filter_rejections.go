package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FilteredRejection is the rejections of one event by every stage of a
// canvas whose filters it did not pass, stored as one row (a busy source
// connected to 100 filtered stages makes 99 a delivery). ListRejections
// answers it as one Rejection per stage (TargetType TYPE_STAGE, Reason
// REJECTION_REASON_FILTERED, the row's message and time), newest first like
// every other; the rejection of the i-th stage has the id
// FilteredRejectionID(ID, i, len(StageIDs)).
type FilteredRejection struct {
	ID       string
	OrgID    string
	CanvasID string
	// EventID is the event rejected: a source event, or for stages
	// triggered by another stage the execution whose end was the event.
	EventID   string
	Message   string
	CreatedAt time.Time
	// StageIDs and StageNames name the stages, in the same order; at most
	// MaxFilteredStages.
	StageIDs   []string
	StageNames []string
}

// MaxFilteredStages is the most stages one FilteredRejection names: the
// rejections' ids take the stage's position in four hex digits.
const MaxFilteredStages = 1 << 16

// The target type and reason of every rejection a FilteredRejection holds
// (api.ConnectionTypeStage and api.RejectionReasonFiltered; the store
// imports none of ours).
const (
	filteredTargetType = "TYPE_STAGE"
	filteredReason     = "REJECTION_REASON_FILTERED"
)

// uuidLen is the length of a canonical UUID; filteredIDPrefix the part of
// a FilteredRejection's id its rejections share.
const (
	uuidLen          = 36
	filteredIDPrefix = uuidLen - 4
)

// filteredScanRows is the most filter_rejections index entries one
// stage's listing or count reads: a stage that rarely fails its filters
// must not make one request scan a busy canvas's whole history. The
// retention keeps RejectionsPerCanvas (engine) rejections of a canvas, so
// in steady state the window holds them all; only a backlog between two
// prune passes can reach past it, and its older rows are then not listed
// for the stage. filteredMaxSets is the most stage sets of a canvas one
// stage's listing looks at, the most recently used (a canvas whose events
// fail ever different sets of stages is the case it bounds).
const (
	filteredScanRows = 10000
	filteredMaxSets  = 500
)

// FilteredRejectionID is the id of the rejection of the i-th of n stages of
// the FilteredRejection with id rowID: the row id with its last four hex
// digits replaced by n-1-i. The ids of one row's rejections thus sort in
// stage order newest first, share the row's prefix, and none sorts below
// the stored row id (the prefix and 0000), so the keyset cursor of the
// rejections list applies to the rows as it does to single rejections.
func FilteredRejectionID(rowID string, i, n int) string {
	if len(rowID) < filteredIDPrefix {
		return rowID
	}
	return fmt.Sprintf("%s%04x", rowID[:filteredIDPrefix], n-1-i)
}

// stageSet is a set of stages as stored once per canvas.
type stageSet struct {
	n          int
	ids, names string
}

// setHash names a set of stages within its canvas: a hash of its ids and
// names (128 bits of SHA-256, in hex).
func setHash(ids, names string) string {
	sum := sha256.Sum256([]byte(ids + "\x00" + names))
	return hex.EncodeToString(sum[:16])
}

// InsertFilteredRejections stores fs in one transaction, a row each naming
// its set of stages, each set once per canvas (written, or its
// last_used_at moved on). A canvas deleted since is skipped, as by
// InsertRejections.
func (s *db) InsertFilteredRejections(ctx context.Context, fs []FilteredRejection) error {
	if len(fs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.insertFilteredRejections(ctx, tx, fs) })
	return wrap("insert filtered rejections", err)
}

// insertFilteredRejections is InsertFilteredRejections within tx: its own
// transaction, or the routing transaction of the events rejected.
func (s *db) insertFilteredRejections(ctx context.Context, tx *sql.Tx, fs []FilteredRejection) error {
	ps, err := s.prepareFiltered(fs)
	if err != nil {
		return err
	}
	return s.writeFiltered(ctx, tx, ps)
}

// preparedFiltered is a FilteredRejection checked, with its set of stages
// encoded and hashed and its row's values: what can be done before the
// transaction that writes it. Routing prepares an event's before its
// routing transaction, so that SQLite's writer is not held for it (the
// hash, the names' JSON and the ids' checks were a fifth of that
// transaction's CPU in a busy canvas, BENCHMARKS.md round six).
type preparedFiltered struct {
	org, canvas string
	set         stageSet
	hash        string
	at          time.Time
	row         [filteredFields]any
}

// prepareFiltered prepares fs; one with an id, organization or canvas that
// is not a UUID, or no stages, is left out, as the store finds nothing by
// such ids.
func (s *db) prepareFiltered(fs []FilteredRejection) ([]preparedFiltered, error) {
	out := make([]preparedFiltered, 0, len(fs))
	var ids strings.Builder
	for _, f := range fs {
		id, okID := canonicalID(f.ID)
		org, okOrg := canonicalID(f.OrgID)
		canvas, okCanvas := canonicalID(f.CanvasID)
		n := len(f.StageIDs)
		if !okID || !okOrg || !okCanvas || n == 0 {
			continue
		}
		if n != len(f.StageNames) || n > MaxFilteredStages {
			return nil, fmt.Errorf("filtered rejection %s: %d stage ids, %d names (at most %d)", id, n, len(f.StageNames), MaxFilteredStages)
		}
		set, hash, err := encodeStageSet(&ids, f.StageIDs, f.StageNames)
		if err != nil {
			return nil, fmt.Errorf("filtered rejection %s: %w", id, err)
		}
		out = append(out, preparedFiltered{org: org, canvas: canvas, set: set, hash: hash, at: f.CreatedAt,
			row: [filteredFields]any{id[:filteredIDPrefix] + "0000", org, canvas, f.EventID, f.Message, n, hash, s.time(f.CreatedAt)}})
	}
	return out, nil
}

// lastStageSet is the stage set encodeStageSet encoded last. The events of
// a busy source mostly fail the same stages, so most events' sets equal the
// one before, and comparing two sets' ids and names (the same strings, from
// the engine's stages) costs far less than encoding and hashing one again:
// 36 of the ~100 µs of a busy canvas's routing CPU an event (BENCHMARKS.md,
// round seven).
var lastStageSet atomic.Pointer[encodedStageSet]

// encodedStageSet is a set of stages with its encoding and hash; ids and
// names are copies of the slices it was encoded from.
type encodedStageSet struct {
	ids, names []string
	set        stageSet
	hash       string
}

// encodeStageSet checks and encodes the stages ids and names (as many of
// each) and hashes them, or takes the last set encoded when it is the same;
// ids is a builder to reuse.
func encodeStageSet(ids *strings.Builder, stageIDs, stageNames []string) (stageSet, string, error) {
	if last := lastStageSet.Load(); last != nil && slices.Equal(last.ids, stageIDs) && slices.Equal(last.names, stageNames) {
		return last.set, last.hash, nil
	}
	n := len(stageIDs)
	ids.Reset()
	ids.Grow(n * uuidLen)
	for _, st := range stageIDs {
		c, ok := canonicalID(st)
		if !ok {
			return stageSet{}, "", fmt.Errorf("stage id %q is not a UUID", st)
		}
		ids.WriteString(c)
	}
	names, err := json.Marshal(stageNames)
	if err != nil {
		return stageSet{}, "", err
	}
	e := &encodedStageSet{ids: slices.Clone(stageIDs), names: slices.Clone(stageNames),
		set: stageSet{n, ids.String(), string(names)}}
	e.hash = setHash(e.set.ids, e.set.names)
	lastStageSet.Store(e)
	return e.set, e.hash, nil
}

// pendingSet is a stage set a batch of rejections writes, with the
// latest time a rejection of the batch used it.
type pendingSet struct {
	org, canvas, hash string
	stageSet
	at time.Time
}

// pendingSets gathers the distinct sets (by organization, canvas and
// hash) of a batch's rejections, on SQLite and on PostgreSQL alike.
type pendingSets struct {
	index map[[3]string]int // into list
	list  []pendingSet
}

// add counts p's set, moving its time on if p is later.
func (ps *pendingSets) add(p preparedFiltered) {
	key := [3]string{p.org, p.canvas, p.hash}
	if i, seen := ps.index[key]; seen {
		if p.at.After(ps.list[i].at) {
			ps.list[i].at = p.at
		}
		return
	}
	if ps.index == nil {
		ps.index = map[[3]string]int{}
	}
	ps.index[key] = len(ps.list)
	ps.list = append(ps.list, pendingSet{p.org, p.canvas, p.hash, p.set, p.at})
}

// byHash is the sets in hash order: two replicas' batches lock the sets
// they share in the same order, so they wait for each other rather than
// deadlock.
func (ps *pendingSets) byHash() []pendingSet {
	slices.SortFunc(ps.list, func(a, b pendingSet) int { return strings.Compare(a.hash, b.hash) })
	return ps.list
}

// writeFiltered writes prepared filtered rejections in tx, skipping those
// of a canvas deleted since.
func (s *db) writeFiltered(ctx context.Context, tx *sql.Tx, ps []preparedFiltered) error {
	return s.writeFilteredKnown(ctx, tx, ps, map[[2]string]bool{})
}

// writeFilteredKnown is writeFiltered with exists telling, by org and
// canvas, which canvases tx has already found (and locked) or found gone:
// those are not read again.
func (s *db) writeFilteredKnown(ctx context.Context, tx *sql.Tx, ps []preparedFiltered, exists map[[2]string]bool) error {
	var sets pendingSets
	rows := make([]any, 0, len(ps)*filteredFields)
	var found []preparedFiltered // PostgreSQL's (pgFilteredWrite)
	for _, p := range ps {
		ok, err := s.canvasExists(ctx, tx, exists, p.org, p.canvas)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if !s.d.oneWriter {
			found = append(found, p)
			continue
		}
		sets.add(p)
		rows = append(rows, p.row[:]...)
	}
	if !s.d.oneWriter {
		if len(found) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.q(pgFilteredWrite), s.pgFilteredArgs(found, nil)...)
		return err
	}
	// A set is written once; later uses move its last_used_at on (never
	// back), so that pruning by age keeps a set as long as a row of it.
	for _, set := range sets.byHash() {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO filter_rejection_sets
			(org_id, canvas_id, set_hash, n, target_ids, target_names, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, canvas_id, set_hash) DO UPDATE SET last_used_at = excluded.last_used_at
			WHERE filter_rejection_sets.last_used_at < excluded.last_used_at`),
			set.org, set.canvas, set.hash, set.n, set.ids, set.names, s.time(set.at)); err != nil {
			return err
		}
	}
	for len(rows) > 0 {
		n := s.filteredChunk(len(rows) / filteredFields)
		if _, err := tx.ExecContext(ctx, s.q(filteredInsert(n)), rows[:n*filteredFields]...); err != nil {
			return err
		}
		rows = rows[n*filteredFields:]
	}
	return nil
}

// filteredChunk is how many of left rows the next filter_rejections insert
// carries. On PostgreSQL up to rejectionsPerInsert (one round trip). On
// SQLite the largest of eventRowChunks that fits, so that there are six
// statement texts to prepare: a routing batch of a busy canvas writes a row
// for nearly every event, and one statement each was half of the routing
// transaction's CPU with the one writer held (BENCHMARKS.md, round seven).
// The statement journal such a statement needs is in memory (temp_store,
// sqliteParams).
func (s *db) filteredChunk(left int) int {
	if !s.d.oneWriter {
		return min(rejectionsPerInsert, left)
	}
	for _, c := range eventRowChunks {
		if c <= left {
			return c
		}
	}
	return 1
}

// filteredInsertSQL caches the multi-row insert of n filter_rejections
// rows (by n).
var filteredInsertSQL sync.Map

// filteredInsert is the insert of n filter_rejections rows.
func filteredInsert(n int) string {
	if q, ok := filteredInsertSQL.Load(n); ok {
		return q.(string) //nolint:forcetypeassert // only strings are stored
	}
	q, _ := filteredInsertSQL.LoadOrStore(n, `INSERT INTO filter_rejections (`+filteredColumns+`) VALUES `+
		strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?), `, n), ", "))
	return q.(string) //nolint:forcetypeassert // only strings are stored
}

const filteredColumns = `id, org_id, canvas_id, event_id, message, n, set_hash, created_at`

// filteredFields is the number of filteredColumns.
const filteredFields = 8

// canvasExists tells whether the canvas exists, once per canvas of a
// transaction (exists remembers), keeping its row from deletion until the
// commit on PostgreSQL (FOR KEY SHARE; SQLite's one writer excludes that),
// so that no insert referencing it fails its foreign key.
func (s *db) canvasExists(ctx context.Context, tx *sql.Tx, exists map[[2]string]bool, org, canvas string) (bool, error) {
	key := [2]string{org, canvas}
	if ok, seen := exists[key]; seen {
		return ok, nil
	}
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM canvases WHERE org_id = ? AND id = ?`+s.d.forKeyShare),
		org, canvas).Scan(&one)
	switch {
	case err == nil:
		exists[key] = true
	case errors.Is(err, sql.ErrNoRows):
		exists[key] = false
	default:
		return false, err
	}
	return exists[key], nil
}

// listFiltered returns the newest rejections held by the canvas's
// filter_rejections rows that page (its cursor and limit) selects, for the
// stage targetID when it is set, expanded one per stage and newest first,
// and how many such rejections there are in all. Without a stage that is
// bounded by the page (each row read gives at least one rejection), and the
// count is a sum over the canvas's index entries. For a stage, its sets
// are found first (at most filteredMaxSets), then its rows among at most
// the newest filteredScanRows index entries (from the cursor for the page,
// from the newest for the count), reading the index alone until the page's
// rows.
func (s *db) listFiltered(ctx context.Context, org, canvas, targetID string, page Page) ([]Rejection, int, error) {
	limit := pageLimit(page.Limit)
	cursor, cursorArgs, err := s.cursor(page)
	if err != nil {
		return nil, 0, err
	}
	base := ` FROM filter_rejections WHERE org_id = ? AND canvas_id = ?`
	args := []any{org, canvas}
	// The count is read after the page (counted), as ListRejections does:
	// a rejection written in between is then never on the page and
	// missing from the count.
	var countQuery string
	var countArgs []any
	counted := func(out []Rejection) ([]Rejection, int, error) {
		if rejectionsPageRead != nil {
			rejectionsPageRead()
		}
		var total int
		if err := s.sql.QueryRowContext(ctx, s.q(countQuery), countArgs...).Scan(&total); err != nil {
			return nil, 0, wrap("count filtered rejections", err)
		}
		return out, total, nil
	}
	var query string
	var sets map[string]stageSet
	if targetID == "" {
		countQuery, countArgs = `SELECT COALESCE(SUM(n), 0)`+base, []any{org, canvas}
		query = `SELECT ` + filteredColumns + base + cursor + ` ORDER BY created_at DESC, id DESC LIMIT ?`
		args = append(append(args, cursorArgs...), limit+1)
	} else {
		if sets, err = s.stageSets(ctx, org, canvas, `AND `+s.d.position+`(target_ids, ?) > 0 ORDER BY last_used_at DESC LIMIT ?`,
			targetID, filteredMaxSets); err != nil {
			return nil, 0, err
		}
		if len(sets) == 0 {
			return nil, 0, nil
		}
		in := make([]any, 0, len(sets))
		for h := range sets {
			in = append(in, h)
		}
		inList := strings.TrimSuffix(strings.Repeat("?, ", len(in)), ", ")
		// The window is a subquery in the list index's order over its own
		// columns, so both databases read the index newest first, stop after
		// filteredScanRows entries, and fetch only the page's rows.
		window := func(cursor string) string {
			return `(SELECT id, created_at, set_hash` + base + cursor + ` ORDER BY created_at DESC, id DESC LIMIT ?) w
				WHERE w.set_hash IN (` + inList + `)`
		}
		countQuery, countArgs = `SELECT COUNT(*) FROM `+window(""), append(append([]any{org, canvas}, filteredScanRows), in...)
		// The page's ids first, from the index alone; then their rows. (One
		// statement with the window as an IN subquery made PostgreSQL run the
		// window once per row of the canvas.)
		var ids []any
		err := s.query(ctx, `SELECT w.id FROM `+window(cursor)+` ORDER BY w.created_at DESC, w.id DESC LIMIT ?`,
			append(append(append(append([]any{org, canvas}, cursorArgs...), filteredScanRows), in...), limit+1),
			func(rs *sql.Rows) error {
				var id string
				if err := rs.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
				return nil
			})
		if err != nil {
			return nil, 0, wrap("list filtered rejections", err)
		}
		if len(ids) == 0 {
			return counted(nil)
		}
		query = `SELECT ` + filteredColumns + base + ` AND id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") +
			`) ORDER BY created_at DESC, id DESC`
		args = append(args, ids...)
	}
	type row struct {
		FilteredRejection
		n    int
		hash string
	}
	var found []row
	err = s.query(ctx, query, args, func(rs *sql.Rows) error {
		var r row
		if err := rs.Scan(&r.ID, &r.OrgID, &r.CanvasID, &r.EventID, &r.Message, &r.n, &r.hash,
			timeColumn{&r.CreatedAt}); err != nil {
			return err
		}
		found = append(found, r)
		return nil
	})
	if err != nil {
		return nil, 0, wrap("list filtered rejections", err)
	}
	if sets == nil {
		hashes := map[string]bool{}
		var in []any
		for _, r := range found {
			if !hashes[r.hash] {
				hashes[r.hash] = true
				in = append(in, r.hash)
			}
		}
		if len(in) > 0 {
			cond := `AND set_hash IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(in)), ", ") + `)`
			if sets, err = s.stageSets(ctx, org, canvas, cond, in...); err != nil {
				return nil, 0, err
			}
		}
	}
	var out []Rejection
	for _, r := range found {
		set, ok := sets[r.hash]
		if !ok || len(r.ID) != uuidLen {
			// The set of a row past the retention, pruned before the row.
			continue
		}
		var stageNames []string
		if err := json.Unmarshal([]byte(set.names), &stageNames); err != nil || len(stageNames) != set.n || len(set.ids) != set.n*uuidLen {
			return nil, 0, fmt.Errorf("store: the stage set %s of canvas %s does not decode", r.hash, canvas)
		}
		for i := range set.n {
			id := set.ids[i*uuidLen : (i+1)*uuidLen]
			if targetID != "" && id != targetID {
				continue
			}
			rj := Rejection{
				ID: FilteredRejectionID(r.ID, i, set.n), OrgID: r.OrgID, CanvasID: r.CanvasID, TargetType: filteredTargetType,
				TargetID: id, TargetName: stageNames[i], EventID: r.EventID, Reason: filteredReason, Message: r.Message,
				CreatedAt: r.CreatedAt,
			}
			// Only the row the cursor's id came from holds rejections at
			// or after the cursor: the rest of its rejections follow.
			if page.BeforeID != "" && strings.HasPrefix(page.BeforeID, r.ID[:filteredIDPrefix]) && rj.ID >= page.BeforeID {
				continue
			}
			out = append(out, rj)
			if len(out) == limit {
				return counted(out)
			}
		}
	}
	return counted(out)
}

// stageSets returns the canvas's stage sets matching cond (SQL after the
// canvas condition) with args, by hash.
func (s *db) stageSets(ctx context.Context, org, canvas, cond string, args ...any) (map[string]stageSet, error) {
	sets := map[string]stageSet{}
	err := s.query(ctx, `SELECT set_hash, n, target_ids, target_names FROM filter_rejection_sets
		WHERE org_id = ? AND canvas_id = ? `+cond, append([]any{org, canvas}, args...), func(rs *sql.Rows) error {
		var h string
		var set stageSet
		if err := rs.Scan(&h, &set.n, &set.ids, &set.names); err != nil {
			return err
		}
		sets[h] = set
		return nil
	})
	return sets, wrap("list stage sets", err)
}

// query runs query with args and calls each for every row.
func (s *db) query(ctx context.Context, query string, args []any, each func(*sql.Rows) error) error {
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// cursor is the condition keyset adds for page's cursor, alone.
func (s *db) cursor(page Page) (string, []any, error) {
	if page.BeforeTime.IsZero() {
		return "", nil, nil
	}
	before := nilUUID
	if page.BeforeID != "" {
		var ok bool
		if before, ok = canonicalID(page.BeforeID); !ok {
			return "", nil, fmt.Errorf("store: page cursor id %q is not a UUID", page.BeforeID)
		}
	}
	return ` AND (created_at, id) < (?, ?)`, []any{s.time(page.BeforeTime), before}, nil
}

// mergeRejections merges two lists newest first (created_at, then id) into
// one of at most limit.
func mergeRejections(a, b []Rejection, limit int) []Rejection {
	out := make([]Rejection, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && newerRejection(a[0], b[0])) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

func newerRejection(a, b Rejection) bool {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

// pruneFiltered deletes at most limit filter_rejections rows older than
// before, or whose rejections all lie beyond the newest keep rejections of
// their canvas (counted in rejections, as for the rejections table, each
// table on its own), and at most limit stage sets last used before before.
// The window reads the list index alone.
func (s *db) pruneFiltered(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM filter_rejections WHERE id IN (
		SELECT id FROM (SELECT id, created_at,
			SUM(n) OVER (PARTITION BY org_id, canvas_id ORDER BY created_at DESC, id DESC) - n AS newer
		FROM filter_rejections) r WHERE r.newer >= ? OR r.created_at < ? LIMIT ?)`), keep, s.time(before), limit)
	if err != nil {
		return 0, wrap("prune filtered rejections", err)
	}
	n, _ := res.RowsAffected()
	res, err = s.sql.ExecContext(ctx, s.q(`DELETE FROM filter_rejection_sets WHERE (org_id, canvas_id, set_hash) IN (
		SELECT org_id, canvas_id, set_hash FROM filter_rejection_sets WHERE last_used_at < ? LIMIT ?)`), s.time(before), limit)
	if err != nil {
		return int(n), wrap("prune stage sets", err)
	}
	m, _ := res.RowsAffected()
	return int(n + m), nil
}
