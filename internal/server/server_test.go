package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// env is a running server over a real SQLite database in a temp dir, with
// tokens for three roles in org "acme" and an owner in org "other".
type env struct {
	t       *testing.T
	url     string
	dir     string
	store   store.Store
	keys    *keyring.KeySource
	keyFile string
	logs    *syncBuffer
	tokens  map[string]string // owner, admin, viewer, other
	server  *server.Server
	// engine is the env's engine, wired as serve wires it; tests that need
	// it running call engine.Run.
	engine *engine.Engine
	// services are the env's services (tests reach the OIDC issuer).
	services *service.Services
}

// envOption configures a test env's server, services and engine, each with
// its share of a setting, as serve does.
type envOption struct {
	srv []server.Option
	svc []service.Option
	eng []engine.Option
	// wrap, when set, wraps the store everything is built on (the metrics'
	// timed store).
	wrap func(store.Store) store.Store
	// ln, when set, is the listener the server serves on.
	ln net.Listener
	// databaseURL, when set, replaces the temp dir's SQLite file; open
	// adds options to the store's Open.
	databaseURL string
	open        []store.OpenOption
}

func withTools(v *integration.Verifier) envOption {
	return envOption{svc: []service.Option{service.WithTools(v)}, eng: []engine.Option{engine.WithTools(v)}}
}

func withBaseURL(u string) envOption {
	return envOption{svc: []service.Option{service.WithBaseURL(u)}, eng: []engine.Option{engine.WithBaseURL(u)}}
}

func withClock(now func() time.Time) envOption {
	return envOption{srv: []server.Option{server.WithClock(now)}, svc: []service.Option{service.WithClock(now)}, eng: []engine.Option{engine.WithClock(now)}}
}

func withKeyGrace(d time.Duration) envOption {
	return envOption{svc: []service.Option{service.WithKeyGrace(d)}}
}

func withHookCheckInterval(d time.Duration) envOption {
	return envOption{svc: []service.Option{service.WithHookCheckInterval(d)}}
}

func withExecutors(cfg executor.Config) envOption {
	return envOption{eng: []engine.Option{engine.WithExecutors(cfg)}}
}

func withReconcileLimits(orgs int, perOrg time.Duration) envOption {
	return envOption{eng: []engine.Option{engine.WithReconcileLimits(orgs, perOrg)}}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	databaseURL := filepath.Join(dir, "superplane.db")
	var openOpts []store.OpenOption
	for _, o := range opts {
		if o.databaseURL != "" {
			databaseURL = o.databaseURL
		}
		openOpts = append(openOpts, o.open...)
	}
	st, err := store.Open(ctx, databaseURL, openOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keyFile := filepath.Join(dir, "keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		t.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	var srvOpts []server.Option
	var svcOpts []service.Option
	var engOpts []engine.Option
	for _, o := range opts {
		srvOpts, svcOpts, engOpts = append(srvOpts, o.srv...), append(svcOpts, o.svc...), append(engOpts, o.eng...)
		if o.wrap != nil {
			st = o.wrap(st)
		}
	}
	// store → sealer → engine → services → server, as serve wires them.
	sl := sealer.New(ks)
	eng := engine.New(st, sl, log, engOpts...)
	svc := service.New(st, sl, log, append(svcOpts, service.WithEngine(eng))...)
	handler := server.New(st, svc, log, append(srvOpts, server.WithEngine(eng))...)
	srv := httptest.NewUnstartedServer(handler)
	for _, o := range opts {
		if o.ln != nil {
			// The test chose the address (its base URL is known up front).
			_ = srv.Listener.Close()
			srv.Listener = o.ln
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, dir: dir, store: st, keys: ks, keyFile: keyFile, logs: logs, tokens: map[string]string{}, server: handler, engine: eng}
	e.services = svc
	for name, spec := range map[string][2]string{
		"owner": {"acme", "owner"}, "admin": {"acme", "admin"}, "viewer": {"acme", "viewer"}, "other": {"other", "owner"},
	} {
		org, err := st.EnsureOrganization(ctx, spec[0])
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.EnsureUser(ctx, org.ID, name+"@example.com")
		if err != nil {
			t.Fatal(err)
		}
		tok, hash, err := service.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: spec[1]}); err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok
	}
	return e
}

type response struct {
	status int
	body   []byte
	err    api.Error
}

func (e *env) do(who, method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok, ok := e.tokens[who]; ok {
		req.Header.Set("Authorization", "Bearer "+tok)
	} else if who != "" {
		req.Header.Set("Authorization", "Bearer "+who)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, body: b}
	if res.StatusCode >= 400 {
		if err := json.Unmarshal(b, &r.err); err != nil {
			e.t.Fatalf("%s %s: error body is not the contract's shape: %s", method, path, b)
		}
	}
	return r
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatal(err)
	}
}

func expectError(t *testing.T, r response, status, code int, msgContains string) {
	t.Helper()
	if r.status != status || r.err.Code != code || !strings.Contains(r.err.Message, msgContains) {
		t.Fatalf("want %d code %d message containing %q; got %d %s", status, code, msgContains, r.status, r.body)
	}
}

func createCanvas(t *testing.T, e *env, name string) api.Canvas {
	t.Helper()
	var out api.CanvasResponse
	e.do("owner", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: name, Description: "d"}}}).decode(t, &out)
	return *out.Canvas
}

func secretBody(domainType, domainID, name string, data map[string]string) api.CreateSecretRequest {
	return api.CreateSecretRequest{
		DomainType: domainType, DomainID: domainID,
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: name}, Spec: &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: data}}},
	}
}

func TestCanvases(t *testing.T) {
	e := newEnv(t)
	c := createCanvas(t, e, "prod")
	if c.Metadata.ID == "" || c.Metadata.CreatedAt == nil || c.Metadata.CreatedBy == "" {
		t.Fatalf("create returned incomplete metadata: %+v", c.Metadata)
	}

	t.Run("GetByIDNameAndNilUUIDQuery", func(t *testing.T) {
		for _, path := range []string{
			"/api/v1/canvases/" + c.Metadata.ID,
			"/api/v1/canvases/prod",
			"/api/v1/canvases/00000000-0000-0000-0000-000000000000?name=prod",
		} {
			var out api.CanvasResponse
			e.do("viewer", "GET", path, nil).decode(t, &out)
			if out.Canvas.Metadata.ID != c.Metadata.ID || !out.Canvas.Metadata.CreatedAt.Equal(*c.Metadata.CreatedAt) {
				t.Fatalf("%s: got %+v want %+v", path, out.Canvas.Metadata, c.Metadata)
			}
		}
	})

	t.Run("ResponsesEmitUnpopulatedFields", func(t *testing.T) {
		var raw map[string]map[string]map[string]any
		e.do("owner", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"bare"}}}`).decode(t, &raw)
		md := raw["canvas"]["metadata"]
		if d, ok := md["description"]; !ok || d != "" {
			t.Fatalf("description must be emitted as \"\": %v", md)
		}
	})

	t.Run("List", func(t *testing.T) {
		var out api.ListCanvasesResponse
		e.do("viewer", "GET", "/api/v1/canvases", nil).decode(t, &out)
		if len(out.Canvases) != 2 {
			t.Fatalf("want 2 canvases, got %d", len(out.Canvases))
		}
		e.do("other", "GET", "/api/v1/canvases", nil).decode(t, &out)
		if len(out.Canvases) != 0 {
			t.Fatalf("another organization sees %d canvases", len(out.Canvases))
		}
	})

	t.Run("ErrNameTaken", func(t *testing.T) {
		r := e.do("owner", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}})
		expectError(t, r, 409, api.CodeAlreadyExists, "prod")
		// The same name in another organization is fine.
		e.do("other", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}).decode(t, &api.CanvasResponse{})
	})

	t.Run("ErrInvalidName", func(t *testing.T) {
		for _, name := range []string{"", "a/b", "../x", strings.Repeat("x", 129), "x'; DROP TABLE canvases;--", "héllo", "00000000-0000-0000-0000-000000000001"} {
			r := e.do("owner", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: name}}})
			expectError(t, r, 400, api.CodeInvalidArgument, "canvas.metadata.name")
		}
	})

	t.Run("UpdateDescription", func(t *testing.T) {
		var out api.CanvasResponse
		e.do("admin", "PATCH", "/api/v1/canvases/prod", `{"canvas":{"metadata":{"description":"new"}}}`).decode(t, &out)
		if out.Canvas.Metadata.Description != "new" || out.Canvas.Metadata.ID != c.Metadata.ID {
			t.Fatalf("got %+v", out.Canvas.Metadata)
		}
		e.do("viewer", "GET", "/api/v1/canvases/"+c.Metadata.ID, nil).decode(t, &out)
		if out.Canvas.Metadata.Description != "new" {
			t.Fatalf("description not stored: %+v", out.Canvas.Metadata)
		}
		// The contract's full shape, with unpopulated fields, is fine.
		e.do("admin", "PATCH", "/api/v1/canvases/prod", `{"canvas":{"metadata":{"id":"","name":"","description":"newer","createdBy":"","createdAt":null}}}`).decode(t, &out)
		if out.Canvas.Metadata.Description != "newer" {
			t.Fatalf("update with unpopulated fields: %+v", out.Canvas.Metadata)
		}
		r := e.do("admin", "PATCH", "/api/v1/canvases/prod", `{"canvas":{"metadata":{"name":"renamed"}}}`)
		expectError(t, r, 400, api.CodeInvalidArgument, "canvas.metadata.name")
	})

	t.Run("DeleteRemovesCanvasAndItsSecrets", func(t *testing.T) {
		d := createCanvas(t, e, "doomed")
		e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "doomed", "s", map[string]string{"k": "v"})).decode(t, &api.SecretResponse{})
		e.do("owner", "DELETE", "/api/v1/canvases/"+d.Metadata.ID, nil).decode(t, &api.Empty{})
		expectError(t, e.do("owner", "GET", "/api/v1/canvases/"+d.Metadata.ID, nil), 404, api.CodeNotFound, d.Metadata.ID)
		expectError(t, e.do("owner", "DELETE", "/api/v1/canvases/doomed", nil), 404, api.CodeNotFound, "doomed")
		// A new canvas of the same name starts empty.
		createCanvas(t, e, "doomed")
		var list api.ListSecretsResponse
		e.do("owner", "GET", "/api/v1/secrets?domainType=DOMAIN_TYPE_CANVAS&domainId=doomed", nil).decode(t, &list)
		if len(list.Secrets) != 0 {
			t.Fatalf("secrets of a deleted canvas survived: %s", list.Secrets[0].Metadata.Name)
		}
	})
}

func TestSecrets(t *testing.T) {
	e := newEnv(t)
	c := createCanvas(t, e, "prod")
	var me api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	if me.OrganizationID == "" || me.Email != "owner@example.com" || me.Role != "owner" {
		t.Fatalf("me: %+v", me)
	}

	var created api.SecretResponse
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "db", map[string]string{"user": "u1", "password": "p1"})).decode(t, &created)
	s := created.Secret
	if s.Metadata.Version != 1 || s.Metadata.DomainID != me.OrganizationID || s.Metadata.DomainType != api.DomainTypeOrganization || s.Spec.Provider != api.ProviderLocal {
		t.Fatalf("create: %+v %+v", s.Metadata, s.Spec)
	}

	t.Run("ValuesReadBackRedacted", func(t *testing.T) {
		for _, path := range []string{
			"/api/v1/secrets/db?domainType=DOMAIN_TYPE_ORGANIZATION&domainId=" + me.OrganizationID,
			"/api/v1/secrets/" + s.Metadata.ID + "?domainType=DOMAIN_TYPE_ORGANIZATION&domainId=acme",
			"/api/v1/secrets/db?domain_type=DOMAIN_TYPE_ORGANIZATION",
		} {
			var out api.SecretResponse
			e.do("viewer", "GET", path, nil).decode(t, &out)
			want := map[string]string{"user": "***", "password": "***"}
			if fmt.Sprint(out.Secret.Spec.Local.Data) != fmt.Sprint(want) || out.Secret.Metadata.ID != s.Metadata.ID {
				t.Fatalf("%s: %+v", path, out.Secret.Spec.Local.Data)
			}
		}
		if strings.Contains(string(e.do("owner", "GET", "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", nil).body), `"p1"`) {
			t.Fatal("list leaks a value")
		}
	})

	t.Run("VersionMovesOnlyWhenDataChanges", func(t *testing.T) {
		path := "/api/v1/secrets/db"
		var out api.SecretResponse
		body := func(name string, data map[string]string) api.UpdateSecretRequest {
			return api.UpdateSecretRequest(secretBody(api.DomainTypeOrganization, "", name, data))
		}
		e.do("admin", "PATCH", path, body("db", map[string]string{"user": "u1", "password": "p2"})).decode(t, &out)
		if out.Secret.Metadata.Version != 2 {
			t.Fatalf("changed data: version %d, want 2", out.Secret.Metadata.Version)
		}
		e.do("admin", "PATCH", path, body("db", map[string]string{"user": "u1", "password": "p2"})).decode(t, &out)
		if out.Secret.Metadata.Version != 2 {
			t.Fatalf("same data: version %d, want 2", out.Secret.Metadata.Version)
		}
		// Rename without spec keeps the data and the version; the id stays.
		e.do("admin", "PATCH", path, `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"database"}}}`).decode(t, &out)
		if out.Secret.Metadata.Name != "database" || out.Secret.Metadata.Version != 2 || out.Secret.Metadata.ID != s.Metadata.ID || len(out.Secret.Spec.Local.Data) != 2 {
			t.Fatalf("rename: %+v %v", out.Secret.Metadata, out.Secret.Spec.Local.Data)
		}
		// The renamed secret still decrypts: replacing it with equal data is not a change.
		e.do("admin", "PATCH", "/api/v1/secrets/database", body("database", map[string]string{"user": "u1", "password": "p2"})).decode(t, &out)
		if out.Secret.Metadata.Version != 2 {
			t.Fatalf("after rename the old value no longer opens: version %d", out.Secret.Metadata.Version)
		}
		// Data replaces the whole map: left-out keys are removed.
		out = api.SecretResponse{}
		e.do("admin", "PATCH", "/api/v1/secrets/database", body("database", map[string]string{"token": "t"})).decode(t, &out)
		if out.Secret.Metadata.Version != 3 || fmt.Sprint(out.Secret.Spec.Local.Data) != "map[token:***]" {
			t.Fatalf("replace: %+v %v", out.Secret.Metadata, out.Secret.Spec.Local.Data)
		}
	})

	t.Run("CanvasDomain", func(t *testing.T) {
		var out api.SecretResponse
		e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "database", map[string]string{"k": "v"})).decode(t, &out)
		if out.Secret.Metadata.DomainID != c.Metadata.ID || out.Secret.Metadata.DomainType != api.DomainTypeCanvas {
			t.Fatalf("canvas secret: %+v", out.Secret.Metadata)
		}
		// Same name, two domains: each lookup finds its own.
		var got api.SecretResponse
		e.do("viewer", "GET", "/api/v1/secrets/database?domainType=DOMAIN_TYPE_CANVAS&domainId="+c.Metadata.ID, nil).decode(t, &got)
		if got.Secret.Metadata.ID != out.Secret.Metadata.ID {
			t.Fatal("canvas lookup found the organization secret")
		}
		expectError(t, e.do("owner", "GET", "/api/v1/secrets/"+out.Secret.Metadata.ID+"?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 404, api.CodeNotFound, out.Secret.Metadata.ID)
		expectError(t, e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "database", map[string]string{"k": "v"})), 409, api.CodeAlreadyExists, "database")
		expectError(t, e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "nope", "x", nil)), 404, api.CodeNotFound, "nope")
		expectError(t, e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "", "x", nil)), 400, api.CodeInvalidArgument, "domainId")
	})

	t.Run("Delete", func(t *testing.T) {
		e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "tmp", map[string]string{"a": "b"})).decode(t, &api.SecretResponse{})
		e.do("owner", "DELETE", "/api/v1/secrets/tmp?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &api.Empty{})
		expectError(t, e.do("owner", "GET", "/api/v1/secrets/tmp?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 404, api.CodeNotFound, "tmp")
		expectError(t, e.do("owner", "DELETE", "/api/v1/secrets/tmp?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 404, api.CodeNotFound, "tmp")
	})

	t.Run("SnakeCaseInputAndUnknownFields", func(t *testing.T) {
		var out api.SecretResponse
		e.do("owner", "POST", "/api/v1/secrets", `{"domain_type":"DOMAIN_TYPE_CANVAS","domain_id":"prod","unknown":1,
			"secret":{"metadata":{"name":"snake","extra":true},"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"API_KEY":"x","my_key":"y"}}}}}`).decode(t, &out)
		if fmt.Sprint(out.Secret.Spec.Local.Data) != "map[API_KEY:*** my_key:***]" {
			t.Fatalf("data keys must be kept as sent: %v", out.Secret.Spec.Local.Data)
		}
	})
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	many := map[string]string{}
	for i := 0; i <= 100; i++ {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	cases := []struct {
		name, method, path string
		body               any
		status, code       int
		contains           string
	}{
		{"NotJSON", "POST", "/api/v1/canvases", "{not json", 400, 3, "JSON"},
		{"EmptyBody", "POST", "/api/v1/canvases", "", 400, 3, "body"},
		{"BareString", "POST", "/api/v1/secrets", `"hello"`, 400, 3, "object"},
		{"WrongType", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":42}}}`, 400, 3, "canvas.metadata.name"},
		{"WrongTypeData", "POST", "/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"x"},"spec":{"local":{"data":{"k":1}}}}}`, 400, 3, "secret.spec.local.data"},
		{"DeepNesting", "POST", "/api/v1/canvases", strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000), 400, 3, "JSON"},
		{"MissingDomainType", "POST", "/api/v1/secrets", secretBody("", "", "x", nil), 400, 3, "domainType"},
		{"UnknownDomainType", "POST", "/api/v1/secrets", secretBody("DOMAIN_TYPE_GALAXY", "", "x", nil), 400, 3, "domainType"},
		{"UnknownProvider", "POST", "/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"x"},"spec":{"provider":"PROVIDER_VAULT"}}}`, 400, 3, "secret.spec.provider"},
		{"TooManyKeys", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "x", many), 400, 3, "secret.spec.local.data"},
		{"TooBigSecret", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "x", map[string]string{"k": strings.Repeat("v", 65<<10)}), 400, 3, "secret.spec.local.data"},
		{"BadKeyName", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "x", map[string]string{"a b": "v"}), 400, 3, "secret.spec.local.data"},
		{"SecretNameWithSlash", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "a/b", nil), 400, 3, "secret.metadata.name"},
		{"BodyOverLimit", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"x","description":"` + strings.Repeat("x", 1<<20) + `"}}}`, 413, 3, "exceeds"},
		{"UnknownRoute", "GET", "/api/v1/nothing", nil, 404, 5, "no route"},
		{"MissingSecret", "GET", "/api/v1/secrets/ghost?domainType=DOMAIN_TYPE_ORGANIZATION", nil, 404, 5, "ghost"},
		{"MissingCanvas", "GET", "/api/v1/canvases/ghost", nil, 404, 5, "ghost"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.do("owner", tc.method, tc.path, tc.body), tc.status, tc.code, tc.contains)
		})
	}
	// Nothing above left a half-written object behind.
	var list api.ListSecretsResponse
	e.do("owner", "GET", "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &list)
	if len(list.Secrets) != 0 {
		t.Fatalf("bad input created %d secrets", len(list.Secrets))
	}
}

// TestAuthorization tries every route with every kind of caller.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	c := createCanvas(t, e, "prod")
	var sec api.SecretResponse
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "s", map[string]string{"k": "v"})).decode(t, &sec)
	sid := sec.Secret.Metadata.ID
	canvasQ := "?domainType=DOMAIN_TYPE_CANVAS&domainId=" + c.Metadata.ID

	type route struct {
		method, path string
		body         any
		// objectScoped routes name an object of org acme: another
		// organization gets 404 for them, and 200 (its own, empty view) or a
		// create for the others.
		objectScoped bool
	}
	routes := []route{
		{"GET", "/api/v1/me", nil, false},
		{"GET", "/api/v1/canvases", nil, false},
		{"POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"NAME"}}}`, false},
		{"GET", "/api/v1/canvases/" + c.Metadata.ID, nil, true},
		{"PATCH", "/api/v1/canvases/" + c.Metadata.ID, `{"canvas":{"metadata":{"description":"x"}}}`, true},
		{"GET", "/api/v1/secrets" + canvasQ, nil, true},
		{"POST", "/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"` + c.Metadata.ID + `","secret":{"metadata":{"name":"NAME"},"spec":{"local":{"data":{"k":"v"}}}}}`, true},
		{"GET", "/api/v1/secrets/" + sid + canvasQ, nil, true},
		{"PATCH", "/api/v1/secrets/" + sid + canvasQ, `{"secret":{"spec":{"local":{"data":{"k":"NAME"}}}}}`, true},
		{"DELETE", "/api/v1/secrets/" + sid + canvasQ, nil, true},
		{"DELETE", "/api/v1/canvases/" + c.Metadata.ID, nil, true},
	}
	n := 0
	for _, rt := range routes {
		for _, who := range []string{"", "spt_bogus", "viewer", "other", "admin"} {
			n++
			body := rt.body
			if s, ok := body.(string); ok {
				body = strings.ReplaceAll(s, "NAME", fmt.Sprintf("n%d", n))
			}
			r := e.do(who, rt.method, rt.path, body)
			var wantStatus, wantCode int
			switch {
			case who == "" || who == "spt_bogus":
				wantStatus, wantCode = 401, api.CodeUnauthenticated
			case who == "viewer" && rt.method != "GET":
				wantStatus, wantCode = 403, api.CodePermissionDenied
			case who == "other" && rt.objectScoped:
				wantStatus, wantCode = 404, api.CodeNotFound
			default:
				wantStatus = 200
			}
			if r.status != wantStatus || (wantCode != 0 && r.err.Code != wantCode) {
				t.Errorf("%s %s as %q: got %d %s, want %d", rt.method, rt.path, who, r.status, r.body, wantStatus)
			}
		}
	}
}

// TestNoPlaintextAtRest proves secret values and tokens reach neither the
// database files nor the log.
func TestNoPlaintextAtRest(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	value := "s3cr3t-" + strings.Repeat("q", 24)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "creds", map[string]string{"password": value})).decode(t, &api.SecretResponse{})
	e.do("owner", "PATCH", "/api/v1/secrets/creds?domainType=DOMAIN_TYPE_CANVAS&domainId=prod", `{"secret":{"spec":{"local":{"data":{"password":"`+value+`2"}}}}}`).decode(t, &api.SecretResponse{})
	// A failed request with a value in its body is not logged either.
	e.do("owner", "POST", "/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"prod","secret":{"metadata":{"name":"creds"},"spec":{"local":{"data":{"password":"`+value+`"}}}}}`)
	needles := []string{value, e.tokens["owner"], e.tokens["viewer"]}
	files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
	if len(files) < 2 {
		t.Fatalf("expected database files in %s, got %v", e.dir, files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s contains a secret value or token in plaintext", filepath.Base(f))
			}
		}
	}
	if !strings.Contains(e.logs.String(), `"request"`) {
		t.Fatal("expected request log lines")
	}
	for _, n := range needles {
		if strings.Contains(e.logs.String(), n) {
			t.Errorf("log contains a secret value or token")
		}
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oldKey := e.keys.Keyring().ActiveID()
	for i := 0; i < 30; i++ {
		e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", fmt.Sprintf("s%d", i), map[string]string{"v": fmt.Sprint(i)})).decode(t, &api.SecretResponse{})
	}
	newKey, err := keyring.PrependNewKey(e.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	// Writes during rotation go on; the running server picks up the new key.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			e.do("owner", "PATCH", fmt.Sprintf("/api/v1/secrets/s%d?domainType=DOMAIN_TYPE_ORGANIZATION", i), fmt.Sprintf(`{"secret":{"spec":{"local":{"data":{"v":"new%d"}}}}}`, i))
		}
	}()
	n, err := sealer.RotateKeys(ctx, e.store, sealer.New(e.keys), slog.New(slog.NewTextHandler(io.Discard, nil)))
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("nothing rewrapped")
	}
	left, err := e.store.SecretsNotUnderKey(ctx, newKey, 100)
	if err != nil || len(left) != 0 {
		t.Fatalf("%d secrets still under an old key (%v)", len(left), err)
	}
	// Drop the old key: every secret still opens under the new one alone.
	ring := e.keys.Keyring()
	if ring.ActiveID() != newKey || !ring.Has(oldKey) {
		t.Fatalf("keyring after rotation: %s", ring)
	}
	only, err := os.ReadFile(e.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.FieldsFunc(string(only), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' })[0]
	newRing, err := keyring.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	var m api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &m)
	all, err := e.store.ListSecrets(ctx, m.OrganizationID, store.DomainOrganization, m.OrganizationID)
	if err != nil || len(all) != 30 {
		t.Fatalf("want 30 secrets, got %d (%v)", len(all), err)
	}
	for _, listed := range all {
		// A list carries no sealed data: read each secret.
		s, err := e.store.FindSecret(ctx, m.OrganizationID, store.DomainOrganization, m.OrganizationID, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := newRing.Open(s.Ciphertext, []byte("superplane/secret/"+s.ID))
		if err != nil {
			t.Fatalf("secret %s does not open under the new key alone: %v", s.Name, err)
		}
		if !strings.Contains(string(plain), `"v":`) {
			t.Fatalf("secret %s decrypted to unexpected data", s.Name)
		}
	}
}

func TestPanicDoesNotCrash(t *testing.T) {
	// A request to every route with a hostile Authorization header and odd
	// paths must answer, never kill the handler goroutine silently.
	e := newEnv(t)
	for _, p := range []string{"/api/v1/canvases/%00", "/api/v1/secrets/..%2f..", "/api/v1/canvases//x"} {
		req, _ := http.NewRequest("GET", e.url+p, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
}
