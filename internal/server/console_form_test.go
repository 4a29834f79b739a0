package server

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// formBody is a form body of n bytes handed over at most 1000 bytes a Read,
// as a browser's upload arrives, without allocating: "csrf=c&token=" and
// then 'x' to the end.
type formBody struct{ off, n int }

const formHead = "csrf=c&token="

// readStep is webhook.Budget.ReadBody's first buffer of a chunked body
// (webhook's readStep, exported to its own tests only).
const readStep = 32 << 10

func (r *formBody) Read(p []byte) (int, error) {
	if r.off == r.n {
		return 0, io.EOF
	}
	k := min(len(p), r.n-r.off, 1000)
	for i := range k {
		if j := r.off + i; j < len(formHead) {
			p[i] = formHead[j]
		} else {
			p[i] = 'x'
		}
	}
	r.off += k
	return k, nil
}

// formAllocated returns the bytes read allocates reading a form of n bytes
// (length: its Content-Length, -1 chunked): the least of five runs, as
// webhook's allocated, for the runtime's count is the whole process's. The
// requests are made before the count starts.
func formAllocated(t *testing.T, n int, length int64, read func(*http.Request) error) uint64 {
	t.Helper()
	least := uint64(math.MaxUint64)
	for range 5 {
		r := httptest.NewRequest(http.MethodPost, "/sign-in?next=%2Fcanvases", &formBody{n: n})
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.ContentLength = length
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := read(r)
		runtime.ReadMemStats(&after)
		if err != nil || r.PostFormValue("csrf") != "c" || len(r.PostFormValue("token")) != n-len(formHead) ||
			strings.Trim(r.PostFormValue("token"), "x") != "" || r.FormValue("next") != "/canvases" {
			t.Fatalf("a form of %d bytes (length %d): %v, csrf %q, token of %d bytes, next %q", n, length, err,
				r.PostFormValue("csrf"), len(r.PostFormValue("token")), r.FormValue("next"))
		}
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// TestConsoleFormHoldsNoMoreThanItReserved: a console form is read within
// what admission reserved for it (its Content-Length, or the limit and one
// step when chunked) and a few KiB of parsing, where r.ParseForm's
// io.ReadAll and its string of the whole came to two to three times the
// body (README, bodies in flight). Its values, the query's after the
// body's in r.Form, are r.ParseForm's.
func TestConsoleFormHoldsNoMoreThanItReserved(t *testing.T) {
	const n = maxSignInForm - 100
	b := webhook.NewBudget(4*maxSignInForm, maxSignInForm)
	readFormOf := func(r *http.Request) error { return readForm(b, r, anonymousShare, maxSignInForm) }
	// A few KiB (8) for the values' maps and what the runtime and the test
	// allocate meanwhile.
	if got := formAllocated(t, n, n, readFormOf); got > n+8<<10 {
		t.Errorf("a form of %d bytes of known length allocated %d bytes, more than its length and 8 KiB", n, got)
	}
	if !b.Reserve(anonymousShare, maxSignInForm) {
		t.Fatal("an idle budget refused a form at the limit")
	}
	if got := formAllocated(t, n, -1, readFormOf); got > maxSignInForm+readStep+8<<10 {
		t.Errorf("a chunked form of %d bytes allocated %d bytes, more than the limit, one step and 8 KiB", n, got)
	}
	if peak := b.Peak(); peak > maxSignInForm+readStep {
		t.Errorf("the budget's peak: %d bytes, want at most the limit and one step", peak)
	}
	b.Release(anonymousShare, maxSignInForm)
	t.Logf("r.ParseForm on the same form of known length: %d bytes", formAllocated(t, n, n, func(r *http.Request) error {
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxSignInForm)
		return r.ParseForm()
	}))
}

// TestConsoleFormRefusals: a form over the limit is refused (declared, or
// read), one of another content type is not read, and a chunked form the
// budget has no room for the step of is webhook.ErrNoRoom, the console's
// 503.
func TestConsoleFormRefusals(t *testing.T) {
	b := webhook.NewBudget(0, maxSignInForm)
	for _, length := range []int64{maxSignInForm + 1, -1} {
		r := httptest.NewRequest(http.MethodPost, "/sign-in", &formBody{n: maxSignInForm + 1})
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.ContentLength = length
		if _, over := errors.AsType[*http.MaxBytesError](readForm(b, r, anonymousShare, maxSignInForm)); !over {
			t.Errorf("a form of %d bytes (length %d) was not refused as too large", maxSignInForm+1, length)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/sign-in?a=1", strings.NewReader(`{"token":"t"}`))
	r.Header.Set("Content-Type", "application/json")
	if err := readForm(b, r, anonymousShare, maxSignInForm); err != nil || len(r.PostForm) != 0 || r.FormValue("a") != "1" {
		t.Errorf("a JSON body: %v, post form %v, form %v; want it unread and the query's values", err, r.PostForm, r.Form)
	}
	full := webhook.NewBudget(maxSignInForm, maxSignInForm)
	// The budget is at least one body and one step: another organization
	// holds the step.
	if !full.Reserve(anonymousShare, maxSignInForm) || !full.Reserve("org", readStep) {
		t.Fatal("an idle budget refused a form at the limit and a step")
	}
	r = httptest.NewRequest(http.MethodPost, "/sign-in", &formBody{n: maxSignInForm - 1})
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ContentLength = -1
	if err := readForm(full, r, anonymousShare, maxSignInForm); !errors.Is(err, webhook.ErrNoRoom) {
		t.Errorf("a chunked form with no room for its step: %v, want ErrNoRoom", err)
	}
}
