package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestJSONCall pins what every tool's client now gets from one place: the
// JSON body and its headers, the tool's own headers, a bounded answer, a
// 204 with nothing to decode, a body that is not JSON reported as safe
// text, and no answer worded without the URL.
func TestJSONCall(t *testing.T) {
	var got struct {
		method, ctype, accept, auth string
		body                        map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.ctype, got.accept, got.auth = r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		switch r.URL.Path {
		case "/none":
			w.WriteHeader(http.StatusNoContent)
		case "/html":
			_, _ = io.WriteString(w, "<html>\x1b[31msign in</html>")
		case "/big":
			_, _ = io.WriteString(w, strings.Repeat("x", 100))
		default:
			_, _ = io.WriteString(w, `{"id": 7}`)
		}
	}))
	defer srv.Close()
	call := JSONCall{Tool: "Tool API", Client: srv.Client(), Limit: 64,
		Prepare: func(r *http.Request) { r.Header.Set("Authorization", "Bearer t") }}

	ans, no := call.Send(t.Context(), http.MethodPost, srv.URL+"/runs", map[string]string{"ref": "main"})
	var out struct{ ID int }
	if no != nil || !ans.OK() || ans.Decode(&out) != nil || out.ID != 7 {
		t.Fatalf("answer %+v, %+v, decoded %+v", ans, no, out)
	}
	if got.method != http.MethodPost || got.ctype != "application/json" || got.accept != "application/json" || got.auth != "Bearer t" || got.body["ref"] != "main" {
		t.Fatalf("the tool received %+v", got)
	}
	if ans, _ := call.Send(t.Context(), http.MethodDelete, srv.URL+"/none", nil); ans.Status != http.StatusNoContent || ans.Decode(&out) != nil {
		t.Fatalf("a 204 has nothing to decode: %+v", ans)
	}
	if got.ctype != "" {
		t.Fatalf("a call without a body sent Content-Type %q", got.ctype)
	}
	ans, _ = call.Send(t.Context(), http.MethodGet, srv.URL+"/html", nil)
	if err := ans.Decode(&out); err == nil || strings.ContainsRune(err.Error(), '\x1b') || !strings.Contains(err.Error(), "unexpected answer") {
		t.Fatalf("a body that is not JSON: %v", err)
	}
	if ans, _ := call.Send(t.Context(), http.MethodGet, srv.URL+"/big", nil); len(ans.Body) != 64 {
		t.Fatalf("read %d bytes of the answer, want the limit 64", len(ans.Body))
	}
	srv.Close()
	if _, no := call.Send(t.Context(), http.MethodGet, srv.URL+"/runs?token=secret", nil); no == nil || no.Denied || strings.Contains(no.Message, "secret") {
		t.Fatalf("no answer: %+v; want the network's words without the URL", no)
	}
	if _, no := call.Send(t.Context(), http.MethodGet, "://bad", nil); no == nil || !strings.Contains(no.Message, "invalid Tool API URL") {
		t.Fatalf("a bad URL: %+v", no)
	}
}
