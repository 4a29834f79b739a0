package datadog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxResponse bounds how much of a Datadog answer is read.
const maxResponse = 1 << 20

// client calls the Datadog API of one site with one integration's keys.
type client struct {
	hc   *http.Client
	base string
	k    keys
}

// newClient returns a client for base with v's guarded client. Redirects
// are answers, not detours: they would carry the keys elsewhere.
func newClient(v *integration.Verifier, base string, k keys) client {
	hc := v.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return client{hc: hc, base: strings.TrimSuffix(base, "/"), k: k}
}

// apiError is a Datadog answer other than 2xx, or (status 0) a failure to
// get one. message is Datadog's own words (its "errors" list), fit for a
// Reason once redacted.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string {
	switch {
	case e.status == 0:
		return "cannot reach Datadog: " + e.message
	case e.message == "":
		return fmt.Sprintf("Datadog: %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("Datadog: %d %s: %s", e.status, http.StatusText(e.status), e.message)
}

// statusOf returns the HTTP status of a failed call (0 when there was no
// answer or err is not an apiError).
func statusOf(err error) int {
	if ae, ok := errors.AsType[*apiError](err); ok {
		return ae.status
	}
	return 0
}

// do sends in (when not nil) as JSON to path and decodes a 2xx answer into
// out (when not nil). apiKeyOnly leaves the application key out, as the
// key validation endpoint documents.
func (c client) do(ctx context.Context, method, path string, in, out any, apiKeyOnly bool) error {
	ans, no := integration.JSONCall{Tool: "Datadog API", Client: c.hc, Limit: maxResponse, Prepare: func(req *http.Request) {
		req.Header.Set(HeaderAPIKey, c.k.api)
		if !apiKeyOnly {
			req.Header.Set(HeaderAppKey, c.k.app)
		}
	}}.Send(ctx, method, c.base+path, in)
	if no != nil {
		return &apiError{message: no.Message}
	}
	if !ans.OK() {
		return &apiError{status: ans.Status, message: errorMessage(ans.Body)}
	}
	if err := ans.Decode(out); err != nil {
		return &apiError{status: ans.Status, message: err.Error()}
	}
	return nil
}

// errorMessage returns the words of a Datadog error body: v1 answers
// {"errors": ["Forbidden"]}, v2 {"errors": [{"title": ..., "detail": ...}]}.
// They are joined on one line; a body of another shape is quoted as it is.
func errorMessage(body []byte) string {
	var e struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		var parts []string
		for _, raw := range e.Errors {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				parts = append(parts, s)
				continue
			}
			var o struct {
				Title  string `json:"title"`
				Detail string `json:"detail"`
			}
			if json.Unmarshal(raw, &o) == nil {
				switch {
				case o.Title != "" && o.Detail != "":
					parts = append(parts, o.Title+": "+o.Detail)
				case o.Detail != "":
					parts = append(parts, o.Detail)
				case o.Title != "":
					parts = append(parts, o.Title)
				}
			}
		}
		if len(parts) > 0 {
			return integration.RemoteText(strings.Join(parts, "; "))
		}
	}
	return integration.RemoteText(string(body))
}
