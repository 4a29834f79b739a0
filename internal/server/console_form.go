package server

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"unsafe"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// readForm parses r's url-encoded body into r.PostForm and r.Form as
// r.ParseForm does (the body's values first in r.Form, then the query's),
// holding no more than admission reserved for it from tenant's share: the
// body is read by webhook.Budget.ReadBody into a buffer of exactly its
// Content-Length (a chunked one into a step, then one buffer of limit),
// and the values are cut from that buffer, not from a copy of it.
// r.ParseForm reads through io.ReadAll, whose chunks and final copy, and
// then a string of the whole, came to two to three times the body
// (README, bodies in flight).
//
// A body over limit is *http.MaxBytesError, a step the budget has no room
// for webhook.ErrNoRoom. A body of another
// content type is not read: its form is empty, as with r.ParseForm.
func readForm(bodies *webhook.Budget, r *http.Request, tenant string, limit int64) error {
	r.PostForm = url.Values{}
	var err error
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Body != nil && ct == "application/x-www-form-urlencoded" &&
		(r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
		var body []byte
		if body, err = bodies.ReadBody(r.Body, r.ContentLength, limit, tenant); err != nil {
			return err
		}
		if len(body) > 0 {
			// The buffer is this request's alone and never written again:
			// the values (substrings where nothing was escaped) share it.
			r.PostForm, err = url.ParseQuery(unsafe.String(unsafe.SliceData(body), len(body)))
		}
	}
	query, qerr := url.ParseQuery(r.URL.RawQuery)
	r.Form = make(url.Values, len(r.PostForm)+len(query))
	for k, vs := range r.PostForm {
		r.Form[k] = append(r.Form[k], vs...)
	}
	for k, vs := range query {
		r.Form[k] = append(r.Form[k], vs...)
	}
	return errors.Join(err, qerr)
}

// consoleForm reads r's form (readForm) from tenant's share, limit bytes
// at most, and when it cannot, answers with the console's page for c (nil:
// no session): 503 with Retry-After when the budget had no room for the
// read, 400 otherwise.
func (s *Server) consoleForm(w http.ResponseWriter, r *http.Request, c *consoleCtx, tenant string, limit int64) bool {
	err := readForm(s.bodies, r, tenant, limit)
	switch {
	case err == nil:
		return true
	case errors.Is(err, webhook.ErrNoRoom):
		s.consoleOverloaded(w, r, c)
	default:
		s.consoleError(w, r, c, invalid("the form could not be read"))
	}
	return false
}
