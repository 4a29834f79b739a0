package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The fuzz targets drive the real handler (authentication, decoding,
// validation, the store on SQLite) with an owner's token and a mutated body.
// Whatever the body, the answer is below 500, and an error answer has the
// contract's shape with a message. Seeds are in testdata/fuzz/<target> and
// in fuzzSeeds; `make fuzz` runs each target for longer.

// fuzzEnv is a server over SQLite with fake GitHub and Semaphore (so no
// request leaves loopback), an owner's token, and a canvas "prod" holding a
// secret "plain", a token secret "gh" used by integration "github", a
// webhook source "hook" and a manual source "button".
type fuzzEnv struct {
	handler  http.Handler
	token    string
	secretID string
	logs     *tailBuffer
}

// tailBuffer keeps the last 64 KiB written, so a failure can show the
// server's log without the log growing through a long fuzz run.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if n := len(t.b); n > 64<<10 {
		t.b = append(t.b[:0], t.b[n-(64<<10):]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	ctx := context.Background()
	dir := f.TempDir()
	// synchronous=OFF: a fuzz run writes a lot and durability is not what
	// is under test here.
	st, err := store.Open(ctx, "file:"+filepath.Join(dir, "fuzz.db")+"?_pragma=synchronous(OFF)")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	keyFile := filepath.Join(dir, "keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		f.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		f.Fatal(err)
	}
	gh := github.New(f)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddRepo("acme", "app", "octocat")
	sem := semaphore.New(f)
	sem.AddToken(goodSemToken)
	logs := &tailBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	srv := server.New(st, service.New(st, sealer.New(ks), log, service.WithTools(fakeTools(gh.URL(), sem.URL()))), log)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		f.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "owner@example.com")
	if err != nil {
		f.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		f.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: api.RoleOwner}); err != nil {
		f.Fatal(err)
	}
	e := &fuzzEnv{handler: srv, token: tok, logs: logs}
	for _, step := range []struct{ path, body string }{
		{"/api/v1/canvases", `{"canvas":{"metadata":{"name":"prod"}}}`},
		{"/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","secret":{"metadata":{"name":"plain"},"spec":{"local":{"data":{"k":"v"}}}}}`},
		{"/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"gh"},"spec":{"local":{"data":{"token":"` + goodGitHubToken + `"}}}}}`},
		{"/api/v1/integrations", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"github"},"spec":{"type":"github","url":"https://github.com/acme","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"name":"gh","key":"token"}}}}}}}`},
		{"/api/v1/canvases/prod/event-sources", `{"eventSource":{"metadata":{"name":"hook"},"spec":{"type":"webhook"}}}`},
		{"/api/v1/canvases/prod/event-sources", `{"eventSource":{"metadata":{"name":"button"},"spec":{"type":"manual"}}}`},
	} {
		status, body := e.serve("POST", step.path, []byte(step.body))
		if status != http.StatusOK {
			f.Fatalf("fixture %s: %d %s", step.path, status, body)
		}
		if strings.Contains(step.body, `"name":"plain"`) {
			var out api.SecretResponse
			if err := json.Unmarshal(body, &out); err != nil {
				f.Fatal(err)
			}
			e.secretID = out.Secret.Metadata.ID
		}
	}
	return e
}

func (e *fuzzEnv) serve(method, path string, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// check sends body and fails on a 5xx or an error answer that is not the
// contract's.
func (e *fuzzEnv) check(t *testing.T, method, path string, body []byte) {
	status, resp := e.serve(method, path, body)
	if status >= 500 {
		t.Fatalf("%s %s answered %d %s\nbody: %q\nserver log (tail):\n%s", method, path, status, resp, fuzzClip(body), e.logs.String())
	}
	if status >= 400 {
		var apiErr api.Error
		if err := json.Unmarshal(resp, &apiErr); err != nil || apiErr.Code == 0 || apiErr.Message == "" {
			t.Fatalf("%s %s answered %d with a body that is not the contract's error: %s", method, path, status, resp)
		}
		return
	}
	if !json.Valid(resp) {
		t.Fatalf("%s %s answered %d with invalid JSON: %s", method, path, status, resp)
	}
}

func fuzzClip(b []byte) []byte {
	if len(b) > 2000 {
		return b[:2000]
	}
	return b
}

// fuzzSeeds are seeds every target gets besides its own: odd JSON shapes.
var fuzzSeeds = []string{
	``, `{}`, `[]`, `null`, `"x"`, `{"a":`, `{} {}`, `{"a":1e400}`, "{\"pad\":\"\xff\"}", `{"pad":"\u0000"}`,
	strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200),
}

func fuzzAddSeeds(f *testing.F, own ...string) {
	for _, s := range append(own, fuzzSeeds...) {
		f.Add([]byte(s))
	}
}

func FuzzCreateCanvas(f *testing.F) {
	fuzzAddSeeds(f,
		`{"canvas":{"metadata":{"name":"c1","description":"d"}}}`,
		`{"canvas":{"metadata":{"name":"../x"}}}`,
		`{"canvas":{"metadata":{"name":42}}}`,
		`{"canvas":{"metadata":{"name":"00000000-0000-0000-0000-000000000001"}}}`,
	)
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.check(t, "POST", "/api/v1/canvases", body)
	})
}

func FuzzCreateSecret(f *testing.F) {
	fuzzAddSeeds(f,
		`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","secret":{"metadata":{"name":"s1"},"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"k":"v"}}}}}`,
		`{"domain_type":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"s2"},"spec":{"local":{"data":{"API_KEY":"x"}}}}}`,
		`{"domainType":"DOMAIN_TYPE_GALAXY","secret":{"metadata":{"name":"s3"}}}`,
		`{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"s4"},"spec":{"local":{"data":{"k":1}}}}}`,
	)
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.check(t, "POST", "/api/v1/secrets", body)
	})
}

func FuzzUpdateSecret(f *testing.F) {
	fuzzAddSeeds(f,
		`{"secret":{"spec":{"local":{"data":{"k":"v2"}}}}}`,
		`{"secret":{"metadata":{"name":"renamed"}}}`,
		`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","secret":{"metadata":{"name":"plain"},"spec":{"provider":"PROVIDER_VAULT"}}}`,
		`{"secret":{"spec":{"local":{"data":null}}}}`,
	)
	e := newFuzzEnv(f)
	path := "/api/v1/secrets/" + e.secretID + "?domainType=DOMAIN_TYPE_CANVAS&domainId=prod"
	f.Fuzz(func(t *testing.T, body []byte) {
		e.check(t, "PATCH", path, body)
	})
}

func FuzzCreateIntegration(f *testing.F) {
	fuzzAddSeeds(f,
		`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","integration":{"metadata":{"name":"i1"},"spec":{"type":"github","url":"https://github.com/acme","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"domainType":"DOMAIN_TYPE_ORGANIZATION","name":"gh","key":"token"}}}}}}}`,
		`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"i2"},"spec":{"type":"semaphore","url":"https://acme.semaphoreci.com","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"name":"gh","key":"token"}}}}}}}`,
		`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"i3"},"spec":{"type":"gitlab"}}}`,
		`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"i4"},"spec":{"type":"github","url":"https://github.com/","auth":{"use":"AUTH_TYPE_TOKEN"}}}}`,
	)
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.check(t, "POST", "/api/v1/integrations", body)
	})
}

func FuzzCreateEventSource(f *testing.F) {
	fuzzAddSeeds(f,
		`{"eventSource":{"metadata":{"name":"e1"},"spec":{"type":"webhook","events":[{"type":"push","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.ref == 'main'"}}]}]}}}`,
		`{"eventSource":{"metadata":{"name":"e2"},"spec":{"type":"github","integration":{"name":"github"},"resource":{"type":"repository","name":"app"},"events":[{"type":"push"}]}}}`,
		`{"eventSource":{"metadata":{"name":"e3"},"spec":{"type":"scheduled","schedule":{"type":"TYPE_WEEKLY","weekly":{"weekDay":"WEEK_DAY_MONDAY","time":"10:00"}}}}}`,
		`{"eventSource":{"metadata":{"name":"e4"},"spec":{"type":"webhook","events":[{"type":"push","filters":[{"type":"FILTER_TYPE_HEADER","header":{"expression":"headers['x'] == 'y'"}}],"filterOperator":"FILTER_OPERATOR_OR"}]}}}`,
	)
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.check(t, "POST", "/api/v1/canvases/prod/event-sources", body)
	})
}

func FuzzCreateStage(f *testing.F) {
	fuzzAddSeeds(f,
		hostileStageBody("st1"),
		matrixStageBody("st2", 2),
		`{"stage":{"metadata":{"name":"st3"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"conditions":[{"type":"CONDITION_TYPE_TIME_WINDOW","timeWindow":{"start":"08:00","end":"17:00","weekDays":["monday"]}}],"secrets":[{"name":"T","valueFrom":{"secret":{"name":"plain","key":"k"}}}],"executor":{"type":"http","spec":{"url":"https://x.example.com","headers":{"Authorization":"${{ secrets.T }}"}}}}}}`,
		`{"stage":{"metadata":{"name":"st4"},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"executor":{"type":"github","integration":{"name":"github"},"resource":{"name":"app"},"spec":{"workflow":"deploy.yml","ref":"main"}}}}}`,
	)
	e := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.check(t, "POST", "/api/v1/canvases/prod/stages", body)
	})
}
