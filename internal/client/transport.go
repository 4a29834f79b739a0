package client

import (
	"net/http"
	"time"
)

// idleConnsPerHost is how many kept-alive connections to the server a
// Client holds between requests. Terraform calls the provider with up to
// -parallelism (10 by default) operations at once; net/http's default
// keeps two, so the other eight connections of every burst were closed
// and dialled again: during an apply of 1,000 resources that is hundreds
// of new TCP connections, each costing the provider and the server a
// handshake, buffers and a goroutine (BENCHMARKS.md, issue 17 round four).
const idleConnsPerHost = 32

// defaultHTTPClient is the client New uses when Config.HTTPClient is nil:
// the default transport's proxy, dial and TLS settings, with enough idle
// connections kept for Terraform's parallelism, and a 60 s timeout.
func defaultHTTPClient() *http.Client {
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	t.MaxIdleConnsPerHost = idleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, idleConnsPerHost)
	return &http.Client{Timeout: 60 * time.Second, Transport: t}
}
