package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
)

// defaultHTTPTimeout bounds an http executor request without
// spec.timeoutSeconds.
const defaultHTTPTimeout = 30 * time.Second

// maxResponseBody bounds how much of a response is read for its outputs.
const maxResponseBody = 1 << 20

// maxBodyExcerpt bounds, in runes, the excerpt of a refused response's body
// quoted in the execution's message: enough for an error's first line.
const maxBodyExcerpt = 200

// errHTTPTimeout is the cause of a request that ran out of its
// timeoutSeconds.
var errHTTPTimeout = errors.New("HTTP request timed out")

// httpSpec is a rendered, validated http executor spec.
type httpSpec struct {
	url         string
	method      string
	explicit    bool // spec.method named the method: the payload goes as written
	headers     map[string]string
	payload     map[string]any
	statusCodes []int
	timeout     time.Duration
}

func parseHTTPSpec(spec map[string]any) httpSpec {
	hs := httpSpec{
		url:     integration.SpecString(spec, "url"),
		headers: integration.StringValues(spec["headers"]),
		payload: map[string]any{},
		timeout: defaultHTTPTimeout,
	}
	hs.method, hs.explicit = methodOf(spec)
	if p, ok := integration.AsObject(spec["payload"]); ok {
		for k, v := range p {
			hs.payload[k] = v
		}
	}
	if policy, ok := integration.AsObject(spec["responsePolicy"]); ok {
		list, _ := policy["statusCodes"].([]any)
		for _, x := range list {
			if code, err := statusCode(x); err == nil {
				hs.statusCodes = append(hs.statusCodes, code)
			}
		}
	}
	if n, ok := integration.Number(spec["timeoutSeconds"]); ok && n > 0 {
		hs.timeout = time.Duration(n * float64(time.Second))
	}
	return hs
}

// accepts reports whether status counts as passed: one of the listed codes,
// or any 2xx when none are listed.
func (hs httpSpec) accepts(status int) bool {
	if len(hs.statusCodes) == 0 {
		return status >= 200 && status < 300
	}
	for _, c := range hs.statusCodes {
		if c == status {
			return true
		}
	}
	return false
}

// httpResult is what a finished request gave.
type httpResult struct {
	status  int
	outputs map[string]string
	body    []byte
	err     error
}

// runHTTP sends the payload (POST, with stageId and executionId added, unless
// spec.method names the method: see http_method.go) to the
// spec's URL through the network guard, and passes when the status is
// accepted. The request runs in a goroutine while progress is polled, so a
// cancel aborts it.
func (r *Runner) runHTTP(ctx context.Context, req Request, progress Progress) Outcome {
	hs := parseHTTPSpec(req.Spec)
	if !hs.explicit {
		hs.payload["stageId"] = req.StageID
		hs.payload["executionId"] = req.ExecutionID
	}
	var body []byte
	if hasBody(hs.method) {
		var err error
		if body, err = json.Marshal(hs.payload); err != nil {
			return integration.Failed(api.ResultReasonError, "spec.payload cannot be sent as JSON: "+err.Error())
		}
	}

	reqCtx, cancelReq := context.WithTimeoutCause(ctx, hs.timeout, errHTTPTimeout)
	defer cancelReq()
	done := make(chan httpResult, 1)
	go func() { done <- r.doHTTP(reqCtx, hs, body, req.Sign) }()

	ticker := time.NewTicker(r.cfg.PollInterval)
	defer ticker.Stop()
	for {
		select {
		case res := <-done:
			return r.httpOutcome(ctx, reqCtx, hs, res, redact.New(append([]string{req.Token}, req.Secrets...)...))
		case <-ticker.C:
			if progress(ctx, nil) {
				cancelReq()
				<-done
				return integration.Cancelled("cancelled while the HTTP request was running")
			}
		}
	}
}

// doHTTP sends the request and reads the response's outputs. sign, when
// set, authenticates it last, over the headers it is sent with.
func (r *Runner) doHTTP(ctx context.Context, hs httpSpec, body []byte, sign func(context.Context, *http.Request, []byte) error) httpResult {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, hs.method, hs.url, reader)
	if err != nil {
		return httpResult{err: err}
	}
	if body != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	httpReq.Header.Set("Accept", "application/json")
	httpReq.Header.Set("User-Agent", "SuperPlane")
	for k, v := range hs.headers {
		httpReq.Header.Set(k, v)
	}
	if sign != nil {
		if err := sign(ctx, httpReq, body); err != nil {
			return httpResult{err: &signError{err}}
		}
	}
	resp, err := r.hookClient.Do(httpReq)
	if err != nil {
		return httpResult{err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return httpResult{status: resp.StatusCode, err: err}
	}
	return httpResult{status: resp.StatusCode, outputs: responseOutputs(data), body: data}
}

// responseOutputs returns the "outputs" object of a JSON response, its
// scalar values as text; nil when the response has none.
func responseOutputs(data []byte) map[string]string {
	var obj struct {
		Outputs map[string]any `json:"outputs"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&obj) != nil {
		return nil
	}
	return integration.StringValues(obj.Outputs)
}

// httpOutcome turns a finished request into the execution's outcome.
// A refused status quotes the start of the response body, masked by red.
func (r *Runner) httpOutcome(ctx, reqCtx context.Context, hs httpSpec, res httpResult, red *redact.Redactor) Outcome {
	if res.err == nil {
		out := integration.Passed(fmt.Sprintf("HTTP %d", res.status), res.outputs)
		if !hs.accepts(res.status) {
			out.Result, out.Reason = api.ResultFailed, api.ResultReasonError
			if excerpt := bodyExcerpt(res.body, red); excerpt != "" {
				out.Message += ": " + excerpt
			}
		}
		return out
	}
	if d, ok := outbound.Denied(res.err); ok {
		// The guard sees only the address; name the host it was for (the
		// URL's path and query may hold secrets, its host does not).
		var ue *url.Error
		if errors.As(res.err, &ue) {
			if u, err := url.Parse(ue.URL); err == nil && u.Host != "" {
				return integration.Failed(api.ResultReasonError, fmt.Sprintf("HTTP request to %s failed: %s", integration.Printable(u.Host), d))
			}
		}
		return integration.Failed(api.ResultReasonError, "HTTP request failed: "+d.Error())
	}
	switch {
	case ctx.Err() != nil:
		return r.ended(ctx, "the HTTP request was running")
	case errors.Is(context.Cause(reqCtx), errHTTPTimeout):
		return integration.Failed(api.ResultReasonTimeout, fmt.Sprintf("HTTP request timed out after %s", hs.timeout))
	case outbound.IsTooManyRedirects(res.err):
		return integration.Failed(api.ResultReasonError, fmt.Sprintf("HTTP request failed: stopped after %d redirects", outbound.MaxRedirects))
	case res.status != 0:
		return integration.Failed(api.ResultReasonError, fmt.Sprintf("HTTP %d: reading the response failed: %s", res.status, integration.RemoteText(res.err.Error())))
	}
	return integration.Failed(api.ResultReasonError, "HTTP request failed: "+integration.RemoteText(res.err.Error()))
}

// bodyExcerpt returns the start of a response body fit for the execution's
// message: every secret masked first, in the raw body and again once it is
// on one line (dropping unprintable runes may join a value split by them),
// and only then clipped to maxBodyExcerpt runes, so a clip never leaves the
// start of a secret unmasked.
func bodyExcerpt(body []byte, red *redact.Redactor) string {
	text := redact.OneLine(red.Redact(string(body)))
	return redact.ClipRedacted(red.Redact(text), maxBodyExcerpt)
}
