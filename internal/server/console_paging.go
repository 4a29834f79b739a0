package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Paging in the console. Every long list is read a page at a time through
// the API's keyset cursor (?before= and ?beforeId=: the time and id of the
// previous page's last item), so a page deep in a long history costs what
// the first does. The cursor only goes older; "newer" goes back along the
// trail of cursors the links carry (a few at most: past that, newer starts
// over at the newest page). Each list has its own query parameters (its
// key), so the lists of one page page independently, and the live updates,
// which ask for the page's own address, keep the page the user is on.

// consolePageSize is how many items a console list shows per page.
const consolePageSize = 20

// maxCursorTrail bounds the cursors a "newer" link carries back.
const maxCursorTrail = 10

// firstPage is the trail's name for the newest page (which has no cursor).
const firstPage = "0"

// pager is one list's paging: where the page starts, its links and counts.
type pager struct {
	key   string
	query url.Values
	path  string
	// before and beforeID are the API's cursor for this page; "" on the
	// newest page.
	before, beforeID string
	trail            []string
	// Shown is how many items this page shows; Total how many the list
	// holds in all (Counted says there is a total; Capped that it stopped
	// counting at its bound).
	Shown   int
	Total   int64
	Counted bool
	Capped  bool
	// Newer and Older are the links to the neighbouring pages; "" when
	// there is none.
	Newer, Older string
}

// newPager reads list key's page from the request: ?key=<cursor> and
// ?key_back=<cursors newer than it>. A cursor the console did not write
// reaches the service as the API's before and beforeId, which refuses it
// naming the field.
func newPager(r *http.Request, key string) *pager {
	q := r.URL.Query()
	q.Del("done")
	p := &pager{key: key, query: q, path: r.URL.Path}
	p.before, p.beforeID = splitCursor(q.Get(key))
	if back := q.Get(key + "_back"); back != "" {
		p.trail = strings.Split(back, ",")
		if len(p.trail) > maxCursorTrail {
			p.trail = p.trail[len(p.trail)-maxCursorTrail:]
		}
	}
	return p
}

// page is this page's query for a service: the size and the cursor.
func (p *pager) page() store.PageQuery {
	return store.PageQuery{Limit: strconv.Itoa(consolePageSize), Before: p.before, BeforeID: p.beforeID}
}

// cursorOf is the page token of an item: its time and id.
func cursorOf(t time.Time, id string) string {
	return t.UTC().Format(time.RFC3339Nano) + "_" + id
}

func splitCursor(tok string) (before, beforeID string) {
	if tok == "" || tok == firstPage {
		return "", ""
	}
	before, beforeID, _ = strings.Cut(tok, "_")
	return before, beforeID
}

// done sets the links once the page is read: shown items, whether an older
// page follows and the last item's cursor.
func (p *pager) done(shown int, more bool, lastAt time.Time, lastID string) {
	p.Shown = shown
	current := p.query.Get(p.key)
	if current != "" && current != firstPage {
		newer, trail := firstPage, p.trail
		if n := len(trail); n > 0 {
			newer, trail = trail[n-1], trail[:n-1]
		}
		p.Newer = p.link(newer, trail)
	}
	if more && shown > 0 {
		from := current
		if from == "" {
			from = firstPage
		}
		trail := append(append([]string{}, p.trail...), from)
		if len(trail) > maxCursorTrail {
			trail = trail[len(trail)-maxCursorTrail:]
		}
		p.Older = p.link(cursorOf(lastAt, lastID), trail)
	}
}

// count sets the list's total, as the API counts it.
func (p *pager) count(total int64, capped bool) {
	p.Total, p.Counted, p.Capped = total, true, capped
}

// link is this page's address with the list at cursor, the other lists
// and filters as they are.
func (p *pager) link(cursor string, trail []string) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Del(p.key)
	q.Del(p.key + "_back")
	if cursor != firstPage {
		q.Set(p.key, cursor)
	}
	if len(trail) > 0 && cursor != firstPage {
		q.Set(p.key+"_back", strings.Join(trail, ","))
	}
	if len(q) == 0 {
		return p.path
	}
	return p.path + "?" + q.Encode()
}

// Key is the list's query parameter, for the links' ids.
func (p *pager) Key() string { return p.key }
