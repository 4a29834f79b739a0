package store

import (
	"fmt"
	"time"
)

// Page selects a page newest first with a keyset cursor: the (CreatedAt, ID)
// of the last item of the previous page; a zero BeforeTime asks for the first
// page, and BeforeTime without BeforeID for the items strictly older than
// BeforeTime.
type Page struct {
	BeforeTime time.Time
	BeforeID   string
	Limit      int // <= 0: 50; at most 500
}

// EventPage selects a page of events, newest first. Before is the keyset
// cursor: the (ReceivedAt, ID) of the last event of the previous page; a
// zero BeforeTime asks for the first page, and BeforeTime without BeforeID
// for the events strictly older than BeforeTime.
type EventPage struct {
	SourceID   string // "" for every source of the canvas
	BeforeTime time.Time
	BeforeID   string
	Limit      int // <= 0 means 50; at most 500
}

// Event pages: the size when the caller gives none, and the most one page
// returns whatever the caller asks.
const (
	defaultEventPage = 50
	maxEventPage     = 500
)

// pageLimit is the size of a page the caller asked limit for.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return defaultEventPage
	case limit > maxEventPage:
		return maxEventPage
	}
	return limit
}

// keyset appends page's cursor and limit to a query of alias's rows, newest
// first. The row-value comparison is a range bound on the (created_at DESC,
// id DESC) index, so a page costs the same however deep it is.
func (s *db) keyset(query string, args []any, alias string, page Page) (string, []any, error) {
	if !page.BeforeTime.IsZero() {
		// The nil UUID sorts before every id: without BeforeID, the page
		// starts strictly before BeforeTime.
		before := nilUUID
		if page.BeforeID != "" {
			var ok bool
			if before, ok = canonicalID(page.BeforeID); !ok {
				return "", nil, fmt.Errorf("store: page cursor id %q is not a UUID", page.BeforeID)
			}
		}
		query += ` AND (` + alias + `.created_at, ` + alias + `.id) < (?, ?)`
		args = append(args, s.time(page.BeforeTime), before)
	}
	query += ` ORDER BY ` + alias + `.created_at DESC, ` + alias + `.id DESC LIMIT ?`
	return query, append(args, pageLimit(page.Limit)), nil
}
