package webhook_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// fuzzLimit keeps fuzzed bodies under the limit except on purpose.
const fuzzLimit = 64 << 10

// Signature modes of the fuzz targets: a mutated body can never carry a valid
// signature by chance, so the targets can also sign the body themselves.
const (
	sigAsGiven    = 0 // the fuzzed signature string, verbatim
	sigValid      = 1 // webhook.Sign(currentKey, body)
	sigValidNoPfx = 2 // the same without "sha256="
)

func FuzzCustomReceiver(f *testing.F) {
	f.Add([]byte(`{"version":"v1.0","app":"core"}`), "", "application/json", uint8(sigValid))
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`), "", "application/json; charset=utf-8", uint8(sigValidNoPfx))
	f.Add([]byte(`"just a string"`), "", "application/json", uint8(sigValid))
	f.Add([]byte(`{"a":1}`), "sha256="+strings.Repeat("0", 64), "application/json", uint8(sigAsGiven))
	f.Fuzz(func(t *testing.T, body []byte, signature, contentType string, mode uint8) {
		header := signatureFor(mode%3, body, signature)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/custom-1", strings.NewReader(string(body)))
		req.Header.Set("X-Signature-256", header)
		req.Header.Set("Content-Type", contentType)
		checkReceiver(t, req, body, contentType, "", signatureValid(header, body, false))
	})
}

func FuzzGitHubReceiver(f *testing.F) {
	f.Add([]byte(`{"ref":"refs/heads/main","commits":[]}`), "", "application/json", "push", uint8(sigValid))
	f.Add([]byte(`{"zen":"Design for failure."}`), "", "application/json", "ping", uint8(sigValid))
	f.Add([]byte(`[1,2,3]`), "", "application/json", "push", uint8(sigValid))
	f.Add([]byte(`{"ref":"x"}`), strings.Repeat("a", 64), "application/json", "push", uint8(sigValidNoPfx))
	f.Fuzz(func(t *testing.T, body []byte, signature, contentType, event string, mode uint8) {
		header := signatureFor(mode%3, body, signature)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/gh-1/github", strings.NewReader(string(body)))
		req.Header.Set("X-Hub-Signature-256", header)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", "fuzz-delivery")
		checkReceiver(t, req, body, contentType, event, signatureValid(header, body, true))
	})
}

func signatureFor(mode uint8, body []byte, given string) string {
	switch mode {
	case sigValid:
		return webhook.Sign(currentKey, body)
	case sigValidNoPfx:
		return strings.TrimPrefix(webhook.Sign(currentKey, body), "sha256=")
	default:
		return given
	}
}

// signatureValid is the fuzz oracle for signatures, written independently of
// the parser: the expected value, compared ASCII-case-insensitively.
func signatureValid(header string, body []byte, prefixRequired bool) bool {
	want := webhook.Sign(currentKey, body)
	got := asciiLower(header)
	return got == want || (!prefixRequired && got == strings.TrimPrefix(want, "sha256="))
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// checkReceiver asserts what must hold for any delivery: no panic (the
// handler would answer 500), no 5xx while the sink works, a 2xx only for a
// validly signed JSON object, storage exactly when answered 2xx (a GitHub
// ping excepted), and a 200 for every delivery that deserves one.
func checkReceiver(t *testing.T, req *http.Request, body []byte, contentType, event string, validSig bool) {
	t.Helper()
	sink := newMemSink()
	rec := httptest.NewRecorder()
	newMux(testSources(), sink, webhook.Config{MaxBodyBytes: fuzzLimit}).ServeHTTP(rec, req)

	switch rec.Code {
	case 200, 400, 401, 413, 415:
	default:
		t.Fatalf("status %d (body %s)", rec.Code, rec.Body)
	}
	// RawMessage values, so that numbers beyond float64 (valid JSON) do not
	// make the oracle disagree.
	var object map[string]json.RawMessage
	isObject := json.Unmarshal(body, &object) == nil && object != nil
	stored := sink.count()

	if rec.Code == 200 {
		if !validSig || !isObject {
			t.Fatalf("200 for signature valid=%v, JSON object=%v", validSig, isObject)
		}
		wantStored := 1
		if event == "ping" {
			wantStored = 0
		}
		if stored != wantStored {
			t.Fatalf("200 with %d stored, want %d", stored, wantStored)
		}
		if stored == 1 && string(sink.last().Body) != string(body) {
			t.Fatal("stored body differs from the raw body")
		}
		return
	}

	if stored != 0 {
		t.Fatalf("status %d but %d stored", rec.Code, stored)
	}
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Details []any  `json:"details"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" || e.Details == nil {
		t.Fatalf("status %d with a body %q not of the contract's error shape", rec.Code, rec.Body)
	}
	if len(body) > fuzzLimit {
		if rec.Code != 413 {
			t.Fatalf("body of %d bytes: status %d, want 413", len(body), rec.Code)
		}
		return
	}
	if !validSig {
		if rec.Code != 401 {
			t.Fatalf("invalid signature: status %d, want 401", rec.Code)
		}
		return
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	deserved := err == nil && mediaType == "application/json" && isObject && utf8.Valid(body) &&
		(event == "" && req.URL.Path == "/api/v1/sources/custom-1" || event != "" && len(event) <= webhook.MaxDeliveryIDLength)
	if deserved {
		t.Fatalf("signed JSON object refused with %d: %s", rec.Code, rec.Body)
	}
}
