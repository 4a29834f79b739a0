package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// switchableTransport refuses connections while down is set, like a
// stopped server, and otherwise passes requests to next. It counts what
// reached it.
type switchableTransport struct {
	down atomic.Bool
	sent atomic.Int32
	next http.RoundTripper
}

func (s *switchableTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.sent.Add(1)
	if s.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connect: connection refused"}}
	}
	return s.next.RoundTrip(r)
}

// newBreakerClient returns a client of a working test server whose
// connections can be cut, and a clock the test moves.
func newBreakerClient(t *testing.T) (*Client, *switchableTransport, *time.Time) {
	t.Helper()
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, api.ListCanvasesResponse{})
	})
	tr := &switchableTransport{next: http.DefaultTransport}
	c.http = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	c.backoffBase, c.backoffCap = time.Millisecond, time.Millisecond
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c.gone.now = func() time.Time { return now }
	return c, tr, &now
}

// TestServerGoneFailsFast: once one call has used up its retries on refused
// connections, the next 100 calls send nothing and fail at once with a
// short error that says why; a probe after the wait finds the server back
// and calls flow again.
func TestServerGoneFailsFast(t *testing.T) {
	c, tr, now := newBreakerClient(t)
	ctx := context.Background()
	tr.down.Store(true)

	_, err := c.ListCanvases(ctx)
	if err == nil || errors.Is(err, ErrUnreachable) {
		t.Fatalf("first call: %v, want the transport error itself", err)
	}
	if got, want := tr.sent.Load(), int32(1+c.maxRetries); got != want {
		t.Fatalf("first call made %d attempts, want %d: it retries as before", got, want)
	}

	before := tr.sent.Load()
	for i := range 100 {
		_, err := c.ListCanvases(ctx)
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("call %d: %v, want ErrUnreachable", i, err)
		}
		if i == 0 {
			msg := err.Error()
			for _, want := range []string{"list canvases", "not sent", c.base.String(), "12:00:00", "refused", "run Terraform again"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if strings.Contains(msg, testToken) {
				t.Error("error leaks the token")
			}
		}
	}
	if sent := tr.sent.Load() - before; sent != 0 {
		t.Fatalf("%d requests sent to a server known to be gone, want 0", sent)
	}

	// Still down after the wait: one probe, one attempt, and the wait restarts.
	*now = now.Add(defaultProbeAfter)
	before = tr.sent.Load()
	if _, err := c.ListCanvases(ctx); err == nil || errors.Is(err, ErrUnreachable) {
		t.Fatalf("probe: %v, want the transport error of the one attempt", err)
	}
	if sent := tr.sent.Load() - before; sent != 1 {
		t.Fatalf("probe made %d attempts, want 1", sent)
	}
	if _, err := c.ListCanvases(ctx); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("right after a failed probe: %v, want ErrUnreachable", err)
	}

	// Back: the next probe succeeds and closes the breaker.
	tr.down.Store(false)
	*now = now.Add(defaultProbeAfter)
	for i := range 3 {
		if _, err := c.ListCanvases(ctx); err != nil {
			t.Fatalf("call %d after the server came back: %v", i, err)
		}
	}
}

// TestBriefOutageIsRiddenOut: a server that refuses a few connections and
// then answers never opens the breaker.
func TestBriefOutageIsRiddenOut(t *testing.T) {
	c, tr, _ := newBreakerClient(t)
	tr.down.Store(true)
	go func() {
		// Bounded: the server comes back after two refused attempts.
		deadline := time.Now().Add(30 * time.Second)
		for tr.sent.Load() < 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		tr.down.Store(false)
	}()
	c.backoffBase, c.backoffCap = 20*time.Millisecond, 20*time.Millisecond
	if _, err := c.ListCanvases(context.Background()); err != nil {
		t.Fatalf("call across a brief outage: %v", err)
	}
	if c.gone.open() {
		t.Fatal("a brief outage opened the breaker")
	}
	if _, err := c.ListCanvases(context.Background()); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

// TestCallsInBackoffStopOnceServerIsGone: calls already retrying when
// another call gives up stop at their next retry instead of each running
// its full cycle.
func TestCallsInBackoffStopOnceServerIsGone(t *testing.T) {
	c, tr, _ := newBreakerClient(t)
	tr.down.Store(true)
	c.maxRetries = 1 << 20 // without the breaker, each would retry until its deadline
	c.backoffBase, c.backoffCap = 5*time.Millisecond, 5*time.Millisecond

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, errs[i] = c.ListCanvases(ctx)
		})
	}
	// Once every call is retrying, one gives up (as if its retries were
	// used up) and opens the breaker.
	deadline := time.Now().Add(10 * time.Second)
	for tr.sent.Load() < int32(2*len(errs)) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	c.gone.failed("connection refused")
	wg.Wait()
	for i, err := range errs {
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("call %d: %v, want it to stop retrying once the server is known gone", i, err)
		}
	}
}

// TestGatewayErrorsOpenButBusyServerDoesNot: a proxy's 502 after the
// retries opens the breaker; a 503 or 429 from a server that answers does
// not.
func TestGatewayErrorsOpenButBusyServerDoesNot(t *testing.T) {
	for _, tc := range []struct {
		status   int
		wantOpen bool
	}{{502, true}, {504, true}, {503, false}, {429, false}} {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeError(w, tc.status, api.CodeUnavailable, "nope")
		})
		c.backoffBase, c.backoffCap = time.Millisecond, time.Millisecond
		if _, err := c.ListCanvases(context.Background()); err == nil {
			t.Fatalf("status %d: want an error", tc.status)
		}
		if got := c.gone.open(); got != tc.wantOpen {
			t.Errorf("status %d: breaker open = %v, want %v", tc.status, got, tc.wantOpen)
		}
	}
}
