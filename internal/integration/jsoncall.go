package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// JSONCall is how a tool's REST client sends one JSON request: through the
// guarded client, with the tool's authentication, reading a bounded
// answer. What an answer means (its error body, its status) stays with
// each tool's client; the sending is the same for all of them.
type JSONCall struct {
	Tool   string // the tool, as messages name it: "Bitbucket API"
	Client Doer   // the guarded client (Verifier.HTTPClient)
	Limit  int64  // the most of an answer that is read
	// Prepare sets the tool's authentication and its own headers.
	Prepare func(*http.Request)
}

// Doer sends a request: an *http.Client or an *outbound.Client.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Answer is a tool's answer: its status, headers and (bounded) body.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx answer.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status <= 299 }

// Decode decodes the answer's JSON body into out; nil out, or a 204, has
// nothing to decode. A body that is not the JSON expected is reported in
// the tool's words, quoted as safe text.
func (a Answer) Decode(out any) error {
	if out == nil || a.Status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(a.Body, out); err != nil {
		return errors.New("unexpected answer: " + RemoteText(string(a.Body)))
	}
	return nil
}

// NoAnswer is why a call got no answer from the tool: Denied when the
// outbound guard refused the address (no retry helps until an operator
// allows it), otherwise the network's words, safe to show.
type NoAnswer struct {
	Message string
	Denied  bool
}

// Send sends in (when not nil) as JSON to target and reads the answer.
// Accept, User-Agent and, with a body, Content-Type are set before
// Prepare, which may change them.
func (c JSONCall) Send(ctx context.Context, method, target string, in any) (Answer, *NoAnswer) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return Answer{}, &NoAnswer{Message: "encoding the request: " + err.Error()}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return Answer{}, &NoAnswer{Message: "invalid " + c.Tool + " URL in the server configuration"}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "SuperPlane")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Prepare != nil {
		c.Prepare(req)
	}
	resp, err := c.Client.Do(req)
	if d, ok := outbound.Denied(err); ok {
		return Answer{}, &NoAnswer{Message: d.Error(), Denied: true}
	}
	if err != nil {
		// The URL error's own text repeats the method and URL.
		msg := err.Error()
		if ue, ok := errors.AsType[*url.Error](err); ok {
			msg = ue.Err.Error()
		}
		return Answer{}, &NoAnswer{Message: RemoteText(msg)}
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.Limit))
	if err != nil {
		return Answer{Status: resp.StatusCode, Header: resp.Header}, &NoAnswer{Message: RemoteText(err.Error())}
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}
