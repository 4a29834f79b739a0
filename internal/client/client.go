// Package client is a typed HTTP client for the SuperPlane v1 REST API
// (internal/api/openapi.json). It speaks to this project's server and to a real v1
// server alike, so it absorbs the quirks of the latter: canvases are looked
// up by name through the nil UUID, organization secrets need the
// organization id, and "not found" and "name taken" sometimes arrive as 400.
//
// The client never logs request or response bodies, and never puts the token
// or a secret value into an error message.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// DefaultMaxRetries is how many times a request is retried when
// Config.MaxRetries is zero.
const DefaultMaxRetries = 4

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// Config configures a Client.
type Config struct {
	// Endpoint is the absolute http(s) URL of the server, for example
	// https://superplane.example.com. A path prefix is kept.
	Endpoint string
	// Token is the API token sent as "Authorization: Bearer <token>".
	Token string
	// UserAgent is sent as the User-Agent header, for example
	// "terraform-provider-superplane/1.2.3".
	UserAgent string
	// HTTPClient is the transport; nil means a client with a 60s timeout.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of one call after a transient failure
	// (connection refused or reset, 429, 502, 503, 504). Zero means
	// DefaultMaxRetries; a negative value turns retries off.
	MaxRetries int
	// Logf, when set, receives one line per retry. It never receives a body,
	// the token or a secret value.
	Logf func(ctx context.Context, msg string, fields map[string]any)
	// NoSharedLists makes ReadSecret, ReadEventSource and ReadStage each
	// send their own GET instead of sharing one list per type and scope
	// (listreads.go).
	NoSharedLists bool
	// SharedListAfter is how many reads of one type and scope send their
	// own GET before the shared list is fetched, so a configuration that
	// manages a few objects of a large scope never lists all of it: 0 means
	// DefaultSharedListAfter, a negative value lists at the first read.
	SharedListAfter int
}

// DefaultSharedListAfter is SharedListAfter's default: a scope's list costs
// as much as the scope is large, eight GETs about as much as a list of a
// few hundred objects.
const DefaultSharedListAfter = 8

// Client calls the SuperPlane v1 API. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	token      string
	userAgent  string
	http       *http.Client
	maxRetries int
	logf       func(ctx context.Context, msg string, fields map[string]any)

	// backoffBase and backoffCap shape the exponential backoff; tests shrink them.
	backoffBase time.Duration
	backoffCap  time.Duration
	// retryAfterCap bounds how long a Retry-After header can make a call wait.
	retryAfterCap time.Duration

	// meMu guards me: the caller's identity, fetched once and reused for the
	// organization id of secrets and the creator check of retried creates.
	// A failed fetch is not cached, so a later call tries again.
	meMu sync.Mutex
	me   *api.Me

	// made holds the ids of the objects this client created: never adopted.
	made made

	// canvasIDs maps canvas names to ids (see canvasID).
	canvasIDs sync.Map

	// gone stops requests once the server has clearly stopped answering
	// (breaker.go).
	gone breaker

	// lists are the lists the reads of one walk share (listreads.go).
	lists listReads
}

// New returns a Client for cfg. It fails when cfg.Endpoint is not an
// absolute http or https URL.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Endpoint) == "" {
		return nil, errors.New("endpoint is required")
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q is not a valid URL: %v", cfg.Endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("endpoint %q must be an absolute http or https URL", cfg.Endpoint)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint %q has no host", cfg.Endpoint)
	}
	if u.User != nil {
		// Credentials in the URL would end up in error messages and logs.
		return nil, errors.New("endpoint must not contain user credentials; use the token")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery = ""
	u.Fragment = ""

	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	return &Client{
		base:          u,
		token:         cfg.Token,
		userAgent:     cfg.UserAgent,
		http:          hc,
		maxRetries:    retries,
		logf:          cfg.Logf,
		backoffBase:   200 * time.Millisecond,
		backoffCap:    5 * time.Second,
		retryAfterCap: 60 * time.Second,
		gone:          breaker{probeAfter: defaultProbeAfter, now: time.Now},
		lists:         listReads{off: cfg.NoSharedLists, after: sharedListAfter(cfg.SharedListAfter)},
	}, nil
}

// postTimeout bounds a POST once sent (see do).
const postTimeout = 2 * time.Minute

// isPost tells the requests that may create something on the server.
func isPost(r request) bool { return r.method == http.MethodPost }

// request describes one API call.
type request struct {
	op     string // what the call does, for error messages: "create canvas"
	method string
	path   string // below the endpoint, already escaped: /api/v1/canvases
	query  url.Values
	body   any // marshaled to JSON when non-nil
}

// do sends r, retrying transient failures, and decodes a 2xx body into out
// (when out is non-nil). It returns how many attempts were made, so a
// create can tell whether an earlier attempt might have reached the server.
func (c *Client) do(ctx context.Context, r request, out any) (int, error) {
	var payload []byte
	if r.body != nil {
		var err error
		payload, err = json.Marshal(r.body)
		if err != nil {
			return 0, fmt.Errorf("%s: encoding request: %w", r.op, err)
		}
	}
	// r.path holds escaped segments, so the URL is joined as text rather
	// than through url.URL.Path, which would escape them again.
	target := c.base.String() + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}

	// A POST may create something. Once sent, it is seen through to its
	// answer even when ctx ends: on Ctrl-C Terraform cancels the requests
	// in flight and then waits for them, and a create cut off after the
	// server committed would leave an object no state knows. ctx still
	// stops new attempts, and postTimeout bounds the one in flight.
	sendCtx := ctx
	if isPost(r) {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("%s: %w", r.op, err)
		}
		var cancel context.CancelFunc
		sendCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
		defer cancel()
	}

	// Once the server is clearly gone, calls are not sent at all; a probe
	// (see breaker) makes one attempt.
	probe, err := c.gone.admit(c.base.String())
	if err != nil {
		return 0, fmt.Errorf("%s: %w", r.op, err)
	}
	maxRetries := c.maxRetries
	if probe {
		maxRetries = 0
	}
	defer c.gone.settled(probe)

	attempt := 0
	for {
		attempt++
		resp, err := c.attempt(sendCtx, r, target, payload)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return attempt, fmt.Errorf("%s: %w", r.op, ctxErr)
			}
			giveUp := !retryableTransportError(err) || attempt > maxRetries
			if !giveUp && !probe && c.gone.open() {
				// Another call has used up its retries meanwhile: stop too.
				giveUp = true
			}
			if giveUp {
				if retryableTransportError(err) {
					c.gone.failed(unwrapURLError(err).Error())
				}
				return attempt, fmt.Errorf("%s: %s %s: %w", r.op, r.method, c.base.String()+r.path, unwrapURLError(err))
			}
			if werr := c.wait(ctx, r, attempt, 0, err.Error()); werr != nil {
				return attempt, werr
			}
			continue
		}
		if !serverGoneStatus(resp.StatusCode) {
			c.gone.answered()
		}

		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			err := decodeBody(resp, out)
			if err != nil {
				return attempt, fmt.Errorf("%s: decoding response: %w", r.op, err)
			}
			return attempt, nil
		}

		apiErr := readAPIError(resp, r.op)
		stopRetrying := serverGoneStatus(resp.StatusCode) && !probe && c.gone.open()
		if retryableStatus(resp.StatusCode) && attempt <= maxRetries && !stopRetrying {
			retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"))
			if werr := c.wait(ctx, r, attempt, retryAfter, fmt.Sprintf("status %d", resp.StatusCode)); werr != nil {
				return attempt, werr
			}
			continue
		}
		if serverGoneStatus(resp.StatusCode) {
			c.gone.failed(fmt.Sprintf("status %d from a proxy in front of it", resp.StatusCode))
		}
		return attempt, apiErr
	}
}

// attempt sends one HTTP request.
func (c *Client) attempt(ctx context.Context, r request, target string, payload []byte) (*http.Response, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// Once a write is answered (or lost), the lists read before it are
	// out of date.
	defer c.forgetAfter(r.method)
	return c.http.Do(req)
}

// wait sleeps before retry number attempt, or returns ctx's error.
func (c *Client) wait(ctx context.Context, r request, attempt int, retryAfter time.Duration, reason string) error {
	d := backoff(c.backoffBase, c.backoffCap, attempt)
	if retryAfter > 0 {
		d = min(retryAfter, c.retryAfterCap)
	}
	if c.logf != nil {
		c.logf(ctx, "retrying SuperPlane API request", map[string]any{
			"operation": r.op,
			"method":    r.method,
			"path":      r.path,
			"attempt":   attempt + 1,
			"reason":    reason,
			"delay":     d.String(),
		})
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w (while waiting to retry after %s)", r.op, ctx.Err(), reason)
	case <-t.C:
		return nil
	}
}

// unwrapURLError drops *url.Error's wrapper, whose message repeats the
// method and the full URL we already print.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decodeBody decodes a success body into out, draining it either way so
// the connection can be reused.
func decodeBody(resp *http.Response, out any) error {
	defer func() { _ = resp.Body.Close() }()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	dec := json.NewDecoder(resp.Body)
	if err := dec.Decode(out); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return nil
}
