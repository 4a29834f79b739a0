package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// filteredScanRows is the most filter_rejections rows one stage's listing
// or count reads: a stage that rarely fails its filters must not make one
// request scan a busy canvas's whole history. The retention keeps
// RejectionsPerCanvas (engine) rejections of a canvas, so in steady state
// the window holds them all; only a backlog between two prune passes can
// reach past it, and its older rows are then not listed for the stage.
const filteredScanRows = 10000

// FilteredRejectionID is the id of the rejection of the i-th of n stages of
// the FilteredRejection with id rowID: the row id with its last four hex
// digits replaced by n-1-i. The ids of one row's rejections thus sort in
// stage order newest first, share the row's prefix, and none sorts below
// the stored row id (the prefix and 0000), so the keyset cursor of the
// rejections list applies to the rows as it does to single rejections.
func FilteredRejectionID(rowID string, i, n int) string {
	return fmt.Sprintf("%s%04x", rowID[:filteredIDPrefix], n-1-i)
}

// InsertFilteredRejections stores fs in one transaction, a row each. A
// canvas deleted since is skipped, as by InsertRejections.
func (s *db) InsertFilteredRejections(ctx context.Context, fs []FilteredRejection) error {
	if len(fs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		exists := map[[2]string]bool{}
		rows := make([]any, 0, len(fs)*filteredFields)
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
				return fmt.Errorf("filtered rejection %s: %d stage ids, %d names (at most %d)", id, n, len(f.StageNames), MaxFilteredStages)
			}
			ids.Reset()
			ids.Grow(n * uuidLen)
			for _, st := range f.StageIDs {
				c, ok := canonicalID(st)
				if !ok {
					return fmt.Errorf("filtered rejection %s: stage id %q is not a UUID", id, st)
				}
				ids.WriteString(c)
			}
			names, err := json.Marshal(f.StageNames)
			if err != nil {
				return err
			}
			ok, err := s.canvasExists(ctx, tx, exists, org, canvas)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			rows = append(rows, id[:filteredIDPrefix]+"0000", org, canvas, f.EventID, f.Message, n, ids.String(),
				string(names), s.time(f.CreatedAt))
		}
		per := rejectionsPerInsert
		if s.d.oneWriter {
			per = 1
		}
		for len(rows) > 0 {
			n := min(per, len(rows)/filteredFields)
			query := `INSERT INTO filter_rejections (` + filteredColumns + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?), `, n), ", ")
			if _, err := tx.ExecContext(ctx, s.q(query), rows[:n*filteredFields]...); err != nil {
				return err
			}
			rows = rows[n*filteredFields:]
		}
		return nil
	})
	return wrap("insert filtered rejections", err)
}

const filteredColumns = `id, org_id, canvas_id, event_id, message, n, target_ids, target_names, created_at`

// filteredFields is the number of filteredColumns.
const filteredFields = 9

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
// bounded by the page (each row read gives at least one rejection) and the
// count is a sum over the canvas's rows; for a stage, the rows read and
// counted are at most the newest filteredScanRows (from the cursor for the
// page, from the newest for the count).
func (s *db) listFiltered(ctx context.Context, org, canvas, targetID string, page Page) ([]Rejection, int, error) {
	limit := pageLimit(page.Limit)
	cursor, cursorArgs, err := s.cursor(page)
	if err != nil {
		return nil, 0, err
	}
	base := ` FROM filter_rejections WHERE org_id = ? AND canvas_id = ?`
	args := []any{org, canvas}
	var total int
	var query string
	if targetID == "" {
		err = s.sql.QueryRowContext(ctx, s.q(`SELECT COALESCE(SUM(n), 0)`+base), args...).Scan(&total)
		query = `SELECT ` + filteredColumns + base + cursor + ` ORDER BY created_at DESC, id DESC LIMIT ?`
		args = append(append(args, cursorArgs...), limit+1)
	} else {
		// The window is a subquery in the same order, so both databases read
		// the list index newest first and stop after filteredScanRows rows.
		window := func(cursor string) string {
			return `(SELECT ` + filteredColumns + base + cursor + ` ORDER BY created_at DESC, id DESC LIMIT ?) w
				WHERE ` + s.d.position + `(w.target_ids, ?) > 0`
		}
		err = s.sql.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM `+window("")), org, canvas, filteredScanRows,
			targetID).Scan(&total)
		query = `SELECT ` + filteredColumns + ` FROM ` + window(cursor) + ` ORDER BY created_at DESC, id DESC LIMIT ?`
		args = append(append(args, cursorArgs...), filteredScanRows, targetID, limit+1)
	}
	if err != nil {
		return nil, 0, wrap("count filtered rejections", err)
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, 0, wrap("list filtered rejections", err)
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() && len(out) < limit {
		var r FilteredRejection
		var n int
		var ids, names string
		if err := rows.Scan(&r.ID, &r.OrgID, &r.CanvasID, &r.EventID, &r.Message, &n, &ids, &names,
			timeColumn{&r.CreatedAt}); err != nil {
			return nil, 0, wrap("list filtered rejections", err)
		}
		if len(ids) != n*uuidLen || len(r.ID) != uuidLen {
			return nil, 0, fmt.Errorf("store: filtered rejection %s holds %d bytes of ids for %d stages", r.ID, len(ids), n)
		}
		var stageNames []string
		if err := json.Unmarshal([]byte(names), &stageNames); err != nil || len(stageNames) != n {
			return nil, 0, fmt.Errorf("store: filtered rejection %s: the stage names do not decode", r.ID)
		}
		for i := range n {
			id := ids[i*uuidLen : (i+1)*uuidLen]
			if targetID != "" && id != targetID {
				continue
			}
			rj := Rejection{
				ID: FilteredRejectionID(r.ID, i, n), OrgID: r.OrgID, CanvasID: r.CanvasID, TargetType: filteredTargetType,
				TargetID: id, TargetName: stageNames[i], EventID: r.EventID, Reason: filteredReason, Message: r.Message,
				CreatedAt: r.CreatedAt,
			}
			// Only the row the cursor's id came from holds rejections at
			// or after the cursor: the rest of its rejections follow.
			if page.BeforeID != "" && strings.HasPrefix(page.BeforeID, r.ID[:filteredIDPrefix]) && rj.ID >= page.BeforeID {
				continue
			}
			out = append(out, rj)
		}
	}
	return out, total, wrap("list filtered rejections", rows.Err())
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
// table on its own). The window reads the list index once.
func (s *db) pruneFiltered(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM filter_rejections WHERE id IN (
		SELECT id FROM (SELECT id, created_at,
			SUM(n) OVER (PARTITION BY org_id, canvas_id ORDER BY created_at DESC, id DESC) - n AS newer
		FROM filter_rejections) r WHERE r.newer >= ? OR r.created_at < ? LIMIT ?)`), keep, s.time(before), limit)
	if err != nil {
		return 0, wrap("prune filtered rejections", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
