package webhook

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// DefaultMaxInflightBytes is the in-flight budget when
// Config.MaxInflightBytes is unset: the request-body bytes all receivers
// together may hold in memory at once.
const DefaultMaxInflightBytes int64 = 256 << 20

// shareDivisor sets one tenant's share of the in-flight budget: a quarter.
// A flood at one organization's receivers, or at ids that name no source,
// then leaves three quarters for every other organization's deliveries, and
// it takes floods at four of them to fill the budget. A quarter of the
// default budget still holds a dozen bodies at the 5 MiB limit, or
// thousands of ordinary deliveries, for the one tenant.
const shareDivisor = 4

// RetryAfterSeconds is the Retry-After of an answer refused for want of
// budget: long enough for slow bodies to finish, short enough that a
// sender that honours it loses little time.
const RetryAfterSeconds = 5

// msgOverloaded answers a delivery refused for want of budget.
const msgOverloaded = "too many deliveries are being received; try again later"

// Budget bounds the request-body bytes held across requests, in all and
// per tenant. It never blocks: a reservation that does not fit fails at
// once, so that no handler goroutine waits (and holds its connection) on
// others' bodies. The receivers draw on one (Config.Budget); the server
// may share it with other routes that read bodies. It is safe for
// concurrent use.
type Budget struct {
	mu    sync.Mutex
	total int64 // the whole budget
	share int64 // the most one tenant may hold
	used  int64
	peak  int64 // the most used has been
	// held is the bytes each tenant holds; a tenant holding none has no
	// entry, so the map never grows past the deliveries in flight.
	held map[string]int64
}

// NewBudget returns a budget of total bytes, of which one tenant may hold a
// quarter, but never less than maxBody, the largest body a request may
// have, so that any body the size limits allow can be read when the server
// is idle. The whole budget is never less than maxBody and one read step
// (ReadBody), which a body of unknown length holds besides.
func NewBudget(total, maxBody int64) *Budget {
	total = max(total, maxBody+readStep)
	return &Budget{total: total, share: max(total/shareDivisor, maxBody), held: map[string]int64{}}
}

// Reserve takes n bytes for tenant if both the whole budget and the
// tenant's share have room, and reports whether it did.
func (b *Budget) Reserve(tenant string, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	held := b.held[tenant]
	if b.used+n > b.total || held+n > b.share {
		return false
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	b.held[tenant] = held + n
	return true
}

// reserveStep is Reserve for ReadBody's step: it is checked against the
// whole budget only, not the tenant's share. The step is held for one copy
// (at most readStep bytes) by a body that already holds the limit in the
// share, so it cannot tip one tenant's bodies past the others' room; a
// share of exactly one body at the limit still reads that body.
func (b *Budget) reserveStep(tenant string, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.total {
		return false
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	b.held[tenant] += n
	return true
}

// Peak returns the most bytes b has held reserved at once since it was
// made: what tests check the accounting against.
func (b *Budget) Peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// readStep is the first buffer of a body of unknown length (chunked): a
// body that ends within it costs no more; a longer one is copied from it
// into one buffer of the limit, and the step is reserved for that copy.
const readStep = 32 << 10

// ErrNoRoom is ReadBody's answer when the budget has no room for a step.
var ErrNoRoom = errors.New("no room in the request-body budget")

// ReadBody reads body, whose length is length bytes (-1: unknown), whole,
// holding no more than what tenant reserved for it, admit's way: its length
// when it gives one, else limit. A body of known length is read into a
// buffer of exactly that size. One of unknown length is read into a first
// step of readStep bytes and, when it fills that, into one buffer of limit
// bytes, the step being reserved besides (reserveStep) until the read ends;
// so it never holds more than it reserved plus one step, where
// io.ReadAll holds its chunks and their copy, about twice the body.
//
// A body over limit is refused with *http.MaxBytesError (its length before
// anything is read, an unknown one after limit bytes); a step the budget
// has no room for with ErrNoRoom. b may be nil: nothing is reserved.
func (b *Budget) ReadBody(body io.Reader, length, limit int64, tenant string) ([]byte, error) {
	if length > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	if body == nil || body == http.NoBody || length == 0 {
		return []byte{}, nil
	}
	if length > 0 {
		buf := make([]byte, length)
		// net/http ends the body at its Content-Length; a shorter one
		// is an unexpected EOF.
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	first := make([]byte, min(limit, readStep))
	n, err := fill(body, first)
	if err != nil {
		return first[:n], eofIsEnd(err)
	}
	if int64(n) == limit {
		return first, overflow(body, limit)
	}
	if b != nil {
		if !b.reserveStep(tenant, int64(len(first))) {
			return nil, ErrNoRoom
		}
		defer b.Release(tenant, int64(len(first)))
	}
	whole := make([]byte, limit)
	// first is dead from here (the compiler's liveness): the step is
	// garbage while the rest is read.
	copy(whole, first)
	m, err := fill(body, whole[n:])
	if err != nil {
		return whole[:n+m], eofIsEnd(err)
	}
	return whole, overflow(body, limit)
}

// fill reads into buf until it is full or the body ends; unlike
// io.ReadFull it tells a body that ends (io.EOF) from one that breaks
// (io.ErrUnexpectedEOF and the like, as net/http reports a cut chunked
// body).
func fill(body io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := body.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// eofIsEnd is nil for io.EOF, the end of a whole body, and err otherwise.
func eofIsEnd(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// overflow reports whether body, of which limit bytes were read, has more:
// then it is over the limit.
func overflow(body io.Reader, limit int64) error {
	var one [1]byte
	n, err := fill(body, one[:])
	if n > 0 {
		return &http.MaxBytesError{Limit: limit}
	}
	return eofIsEnd(err)
}

// Release gives back n bytes that tenant reserved.
func (b *Budget) Release(tenant string, n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if held := b.held[tenant] - n; held > 0 {
		b.held[tenant] = held
	} else {
		delete(b.held, tenant)
	}
}

// inUse returns the bytes reserved in all and the number of tenants
// holding some, for tests.
func (b *Budget) inUse() (used int64, tenants int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, len(b.held)
}

// reservation is one delivery's claim on the budget. Its zero value holds
// nothing, so releasing it is always safe.
type reservation struct {
	b      *Budget
	tenant string
	n      int64
}

// admit reserves room for r's body before it is read: its Content-Length
// when it gives one (the handler has already refused one over the limit),
// else the limit. ok is false when the budget has no room.
func (h *Handler) admit(r *http.Request, tenant string) (res reservation, ok bool) {
	n := h.maxBody
	if r.ContentLength >= 0 {
		n = r.ContentLength
	}
	if r.Body == nil || r.Body == http.NoBody || n == 0 {
		return reservation{}, true
	}
	if !h.budget.Reserve(tenant, n) {
		return reservation{}, false
	}
	return reservation{b: h.budget, tenant: tenant, n: n}, true
}

// trim gives back what res reserved beyond held, the bytes the body read
// actually holds, and keeps the rest until done.
func (res *reservation) trim(held int64) {
	if res.b == nil || held >= res.n {
		return
	}
	res.b.Release(res.tenant, res.n-held)
	res.n = held
}

// done gives back the whole reservation; calling it again does nothing.
func (res *reservation) done() {
	if res.b == nil {
		return
	}
	res.b.Release(res.tenant, res.n)
	res.b, res.n = nil, 0
}

// overloaded is the answer to a delivery refused for want of budget: 503,
// which senders retry, with a Retry-After for those that honour it.
func overloaded(w http.ResponseWriter) reply {
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	rep := failure(http.StatusServiceUnavailable, codeUnavailable, msgOverloaded)
	rep.overloaded = true
	return rep
}

// tenantOf is the key of the share a delivery draws on: the organization
// of the source it names (Source.Tenant; the source's own id when it has
// none), or "" for the one pool shared by every delivery whose source is
// not known before its body is read (an unknown id, a failed lookup, a
// request without a signature), so that spraying made-up ids takes no more
// than one share. The price: while that pool is full, a delivery to an id
// that exists is read and one to an id that does not is refused, so
// someone who holds a quarter of the budget can tell whether an id they
// already have exists (ids are UUIDs: this finds none).
func tenantOf(src Source, err error) string {
	switch {
	case err != nil:
		return ""
	case src.Tenant != "":
		return src.Tenant
	}
	return src.ID
}
