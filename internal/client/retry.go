package client

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryableStatus reports whether a status is worth retrying: the server or
// a proxy in front of it is overloaded or restarting.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableTransportError reports whether err is a connection failure that
// a retry may cure: refused or reset connections, and a connection closed
// before any response arrived. TLS and DNS configuration errors are not.
func retryableTransportError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		var dnsErr *net.DNSError
		// An unknown host stays unknown; a refused or timed-out dial may not.
		return !errors.As(err, &dnsErr)
	}
	// net/http reports a keep-alive connection the server closed this way.
	return strings.Contains(err.Error(), "server closed idle connection")
}

// backoff is the delay before retry number attempt (1-based): full jitter,
// uniformly random in [0, min(cap, base*2^(attempt-1))], so that many
// clients hitting an overloaded server spread out.
func backoff(base, cap time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < cap; i++ {
		d *= 2
	}
	d = min(d, cap)
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// parseRetryAfter reads a Retry-After header given in seconds; an HTTP date
// or anything else counts as absent.
func parseRetryAfter(v string) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || secs <= 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}
