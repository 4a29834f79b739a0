package store

import (
	"fmt"
	"strconv"
	"time"
)

// Page selects a page of a list, with a keyset cursor so that a page deep in
// a long list costs what the first one does.
//
// Lists newest first (events, stage events, executions) take Before: the
// (time, id) of the last item of the previous page; a zero BeforeTime asks
// for the first page, and BeforeTime without BeforeID for the items strictly
// older than BeforeTime. Lists in name order (secrets) take After: the name
// the page starts after.
type Page struct {
	// Limit is the most items of the page. Lists newest first read <= 0 as
	// DefaultPageLimit and more than MaxPageLimit as MaxPageLimit; a list in
	// name order returns nothing for a Limit < 1.
	Limit      int
	BeforeTime time.Time
	BeforeID   string
	After      string
}

// The page size of a list newest first when the caller gives none, and the
// most one such page returns whatever the caller asks.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// PageQuery is a page as a caller spells it: the text of each value, empty
// when absent. The names are the API's query parameters (?limit=, ?before=,
// ?beforeId=, ?after=), which ParsePage's messages name.
type PageQuery struct {
	Limit, Before, BeforeID, After string
}

// PageRules are what one list accepts.
type PageRules struct {
	// DefaultLimit is the Limit when the query gives none; 0 leaves it 0,
	// which a list in name order reads as "no pages, the whole list".
	DefaultLimit int
	// MaxLimit is the largest limit the query may ask.
	MaxLimit int
	// ByName says the list is in name order: the query's After is the
	// cursor (and needs a limit) and Before is ignored. Otherwise Before and
	// BeforeID are, and After is ignored.
	ByName bool
	// Item, when set, names the items in the message of a bad beforeId
	// ("beforeId must be an event id").
	Item string
}

// PageError is a page query ParsePage refuses: Field names the query
// parameter, Error says what it must be.
type PageError struct {
	Field   string
	Message string
}

func (e *PageError) Error() string { return e.Message }

// ParsePage validates q against r and returns the page it asks for. Its
// error is a *PageError.
func ParsePage(q PageQuery, r PageRules) (Page, error) {
	page := Page{Limit: r.DefaultLimit}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if err != nil || n < 1 || n > r.MaxLimit {
			return page, &PageError{Field: "limit", Message: fmt.Sprintf("limit must be 1-%d", r.MaxLimit)}
		}
		page.Limit = n
	}
	if r.ByName {
		if q.After != "" && q.Limit == "" {
			return page, &PageError{Field: "after", Message: "after needs limit"}
		}
		page.After = q.After
		return page, nil
	}
	if q.Before != "" {
		t, err := time.Parse(time.RFC3339Nano, q.Before)
		if err != nil {
			return page, &PageError{Field: "before", Message: "before must be an RFC 3339 time"}
		}
		page.BeforeTime, page.BeforeID = t, q.BeforeID
		if _, ok := canonicalID(q.BeforeID); q.BeforeID != "" && !ok {
			item := "an id"
			if r.Item != "" {
				item = "an " + r.Item + " id"
			}
			return page, &PageError{Field: "beforeId", Message: "beforeId must be " + item}
		}
	}
	return page, nil
}

// pageLimit is the size of a page newest first the caller asked limit for.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageLimit
	case limit > MaxPageLimit:
		return MaxPageLimit
	}
	return limit
}

// keyset appends page's cursor and limit to a query of rows ordered newest
// first by the columns at (a time) and id. The row-value comparison, not
// "a < ? OR (a = ? AND b < ?)", is what both databases turn into a range
// bound on the (at DESC, id DESC) index, where the OR form only filters,
// reading every newer row first; so a page costs the same however deep it
// is.
func (s *db) keyset(query string, args []any, at, id string, page Page) (string, []any, error) {
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
		query += ` AND (` + at + `, ` + id + `) < (?, ?)`
		args = append(args, s.time(page.BeforeTime), before)
	}
	query += ` ORDER BY ` + at + ` DESC, ` + id + ` DESC LIMIT ?`
	return query, append(args, pageLimit(page.Limit)), nil
}
