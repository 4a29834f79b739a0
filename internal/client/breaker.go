package client

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ErrUnreachable is wrapped by the error of a call the client did not send
// because the server had stopped answering: an earlier call used up its
// retries on refused connections or gateway errors. Terraform then shows
// one short line per remaining resource instead of a full retry cycle and a
// long error each.
var ErrUnreachable = errors.New("the SuperPlane API is unreachable")

// defaultProbeAfter is how long an open breaker sends nothing before it
// lets one call through to see whether the server is back.
const defaultProbeAfter = 30 * time.Second

// breaker stops a client from sending requests to a server that is clearly
// gone. It opens when a call has used up its retries on failures that mean
// "nothing answers" (a refused or reset connection, 502, 504); a brief
// outage, which a call's own retries ride out, never opens it. While open,
// calls fail at once with ErrUnreachable, and calls in their backoff stop
// retrying; after probeAfter one call at a time is sent, without retries,
// and any answer from the server closes the breaker again.
type breaker struct {
	mu         sync.Mutex
	openSince  time.Time // zero while closed
	cause      string    // the failure that opened it: no body, token or secret
	probing    bool      // a probe call is in flight
	probeAfter time.Duration
	now        func() time.Time
}

// admit decides whether a call may be sent. probe is true for the one call
// sent to test an open breaker: it makes a single attempt.
func (b *breaker) admit(endpoint string) (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openSince.IsZero() {
		return false, nil
	}
	if !b.probing && b.now().Sub(b.openSince) >= b.probeAfter {
		b.probing = true
		return true, nil
	}
	return false, b.errLocked(endpoint)
}

// open reports whether the breaker is open, for a call deciding whether to
// retry.
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openSince.IsZero()
}

// errLocked is the error of a call not sent.
func (b *breaker) errLocked(endpoint string) error {
	return fmt.Errorf("not sent: %w: %s has not answered since %s (%s), so no more requests are sent to it in this run; "+
		"check that the server is up and run Terraform again", ErrUnreachable, endpoint, b.openSince.UTC().Format(time.TimeOnly), b.cause)
}

// failed records that a call gave up on a failure that means the server is
// gone. The first such failure opens the breaker; a failed probe restarts
// the wait before the next one.
func (b *breaker) failed(cause string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openSince.IsZero() || b.probing {
		b.openSince, b.cause = b.now(), cause
	}
	b.probing = false
}

// answered records that the server answered a call (any status): it is
// there, whatever it said.
func (b *breaker) answered() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.openSince, b.cause, b.probing = time.Time{}, "", false
}

// settled ends a probe that neither reached the server nor failed in a way
// that opens the breaker (its context ended), so that a later call may probe.
func (b *breaker) settled(probe bool) {
	if !probe {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// serverGoneStatus reports the statuses that, once retries are used up,
// mean nothing answers behind a proxy. 503 and 429 are answers from a
// server that is there (busy, or its database is down) and do not count.
func serverGoneStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusGatewayTimeout
}
