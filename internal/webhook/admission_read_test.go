package webhook_test

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// trickle is a body of n bytes of 'x' handed over at most 1000 bytes a
// Read, as a chunked upload arrives, without allocating.
type trickle struct{ n int }

func (r *trickle) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n, 1000)
	for i := range k {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

// allocated returns the bytes f allocates: the least of five runs, because
// the runtime's count is the whole process's, and whatever another
// goroutine (an earlier test's server winding down, the test runner)
// allocates meanwhile only ever adds to it (CI once saw 9 KiB more).
func allocated(f func()) uint64 {
	least := uint64(math.MaxUint64)
	for range 5 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// TestReadBodyHoldsNoMoreThanItReserved: a body of unknown length near the
// limit is read holding no more than what admission reserved for it (the
// limit) and one step, reserved while the step is held: the bytes allocated
// while reading it stay within the budget's peak, where io.ReadAll's chunks
// and their final copy come to about twice the body. A short one costs one
// step; a known length exactly its bytes.
func TestReadBodyHoldsNoMoreThanItReserved(t *testing.T) {
	const limit = 4 << 20
	b := webhook.NewBudget(limit, limit)
	if !b.Reserve("org", limit) {
		t.Fatal("an idle budget of one body refused one body at the limit")
	}
	var body []byte
	var err error
	got := allocated(func() { body, err = b.ReadBody(&trickle{n: limit - 1}, -1, limit, "org") })
	if err != nil || len(body) != limit-1 || strings.Trim(string(body), "x") != "" {
		t.Fatalf("ReadBody of %d bytes: %d bytes, %v", limit-1, len(body), err)
	}
	peak := b.Peak()
	if peak > limit+webhook.ReadStep {
		t.Errorf("the budget's peak: %d bytes, want at most the limit and one step, %d", peak, limit+webhook.ReadStep)
	}
	// A few KiB (8) for what the runtime and the test allocate meanwhile.
	if got > uint64(peak)+8<<10 {
		t.Errorf("reading a body of unknown length allocated %d bytes, more than the %d the budget held at its peak", got, peak)
	}
	if used := b.Peak(); used != peak {
		t.Errorf("peak moved after the read: %d", used)
	}
	b.Release("org", limit)
	if !b.Reserve("other", limit) || !b.Reserve("third", webhook.ReadStep) {
		t.Error("the step was not given back")
	}
	b.Release("other", limit)
	b.Release("third", webhook.ReadStep)

	if got := allocated(func() { body, err = b.ReadBody(&trickle{n: 100}, -1, limit, "org") }); err != nil || len(body) != 100 || got > webhook.ReadStep+8<<10 {
		t.Errorf("a short body of unknown length: %d bytes, %v, allocating %d; want 100, one step", len(body), err, got)
	}
	if got := allocated(func() { body, err = b.ReadBody(&trickle{n: 300 << 10}, 300<<10, limit, "org") }); err != nil || len(body) != 300<<10 || got > 300<<10+8<<10 {
		t.Errorf("a body of known length: %d bytes, %v, allocating %d; want its length", len(body), err, got)
	}
}

// TestReadBodyOverTheLimit: a body of unknown length one byte over the
// limit, or a known length over it, is refused with the limit named; one at
// the limit is read. A budget too full for the step refuses with ErrNoRoom.
func TestReadBodyOverTheLimit(t *testing.T) {
	const limit = 100 << 10
	b := webhook.NewBudget(0, limit)
	for _, c := range []struct {
		n, length int
		over      bool
	}{{limit + 1, -1, true}, {limit, -1, false}, {webhook.ReadStep, -1, false}, {webhook.ReadStep + 1, -1, false}, {limit + 1, limit + 1, true}} {
		body, err := b.ReadBody(&trickle{n: c.n}, int64(c.length), limit, "org")
		mbe, isOver := errors.AsType[*http.MaxBytesError](err)
		switch {
		case c.over && (!isOver || mbe.Limit != limit):
			t.Errorf("%d bytes (length %d): %v, want *http.MaxBytesError of %d", c.n, c.length, err, limit)
		case !c.over && (err != nil || len(body) != c.n):
			t.Errorf("%d bytes (length %d): %d bytes, %v", c.n, c.length, len(body), err)
		}
	}
	if !b.Reserve("org", limit) || !b.Reserve("other", webhook.ReadStep-1) {
		t.Fatal("the budget refused its floor")
	}
	if _, err := b.ReadBody(&trickle{n: limit}, -1, limit, "org"); !errors.Is(err, webhook.ErrNoRoom) {
		t.Errorf("a step the budget has no room for: %v, want ErrNoRoom", err)
	}
}

// TestChunkedDeliveryWithinItsReservation: through the receiver, a chunked
// delivery near the limit is received within what the budget holds (the
// limit and one step), even when the budget is exactly one body at the
// limit; one over the limit is answered 413 naming the limit; and the
// budget is whole again afterwards.
func TestChunkedDeliveryWithinItsReservation(t *testing.T) {
	const limit = 256 << 10
	sink := newMemSink()
	h := webhook.NewHandler(admissionSources(), sink, webhook.Config{MaxBodyBytes: limit, MaxInflightBytes: limit, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/sources/{id}", h.ServeCustom)
	body := paddedBody(limit - 10)
	p := custom(body, webhook.Sign(currentKey, []byte(body))).at("/api/v1/sources/a-1")
	p.unknownLength = true
	if rec := do(mux, p); rec.Code != http.StatusOK {
		t.Fatalf("a chunked delivery near the limit on a budget of one body: %d %s, want 200", rec.Code, rec.Body)
	}
	if peak := webhook.Peak(h); peak > limit+webhook.ReadStep {
		t.Errorf("the budget's peak: %d, want at most %d", peak, limit+webhook.ReadStep)
	}
	over := paddedBody(limit + 1)
	p = custom(over, webhook.Sign(currentKey, []byte(over))).at("/api/v1/sources/a-1")
	p.unknownLength = true
	rec := do(mux, p)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "262144") {
		t.Errorf("a chunked delivery over the limit: %d %s, want 413 naming 262144", rec.Code, rec.Body)
	}
	if used, tenants := webhook.InFlight(h); used != 0 || tenants != 0 {
		t.Errorf("afterwards %d bytes in %d shares, want none", used, tenants)
	}
}
