package client

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelCallsReuseConnections: Terraform's -parallelism 10 sends ten
// calls at once, burst after burst. The client must keep those ten
// connections open between bursts instead of closing all but two and
// dialling eight new ones each time (net/http's default), which cost the
// provider and the server a handshake per request during a large apply.
func TestParallelCallsReuseConnections(t *testing.T) {
	const parallel, bursts = 10, 6
	var (
		dials   atomic.Int64
		arrived = make(chan struct{}, parallel)
		release = make(chan struct{})
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hold every call until the whole burst has arrived, so a burst
		// needs ten connections at once.
		arrived <- struct{}{}
		<-release
		writeJSON(w, http.StatusOK, map[string]any{"user": map[string]any{"id": "u1"}})
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}

	for b := range bursts {
		var wg sync.WaitGroup
		errs := make(chan error, parallel)
		for range parallel {
			wg.Go(func() {
				if _, err := c.Me(t.Context()); err != nil {
					errs <- err
				}
			})
		}
		for i := range parallel {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatalf("burst %d: only %d of %d calls reached the server", b, i, parallel)
			}
		}
		for range parallel {
			release <- struct{}{}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	// Ten connections serve every burst; a few more may be dialled when a
	// call starts before the previous burst's connection is back in the
	// pool. net/http's default would dial 10 + 5 × 8 = 50.
	if got := dials.Load(); got > 2*parallel {
		t.Errorf("%d bursts of %d calls opened %d connections, want at most %d", bursts, parallel, got, 2*parallel)
	}
}
