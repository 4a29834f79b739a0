package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// brokenStore fails every token lookup and ping with err while err is set,
// as a store whose database went away does.
type brokenStore struct {
	store.Store
	mu  sync.Mutex
	err error
}

func (b *brokenStore) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
}

func (b *brokenStore) current() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *brokenStore) FindPrincipal(ctx context.Context, hash []byte) (store.Principal, error) {
	if err := b.current(); err != nil {
		return store.Principal{}, err
	}
	return b.Store.FindPrincipal(ctx, hash)
}

func (b *brokenStore) FindPrincipalScope(ctx context.Context, hash []byte, scope store.Scope) (store.Scoped, error) {
	if err := b.current(); err != nil {
		return store.Scoped{}, err
	}
	return b.Store.FindPrincipalScope(ctx, hash, scope)
}

func (b *brokenStore) Ping(ctx context.Context) error {
	if err := b.current(); err != nil {
		return err
	}
	return b.Store.Ping(ctx)
}

// TestDatabaseErrorsAre503 checks the errors a database that is down or
// restarting produces (as the drivers wrap them) are answered 503 with code
// 14, so clients retry, while any other store failure stays a 500 that
// says nothing. The real thing, with a PostgreSQL cluster stopped under
// load, is TestDatabaseOutage in internal/reliability.
func TestDatabaseErrorsAre503(t *testing.T) {
	broken := &brokenStore{}
	e := newWrappedEnv(t, func(st store.Store) store.Store { broken.Store = st; return broken })
	get := func(path string) (int, api.Error) {
		req, _ := http.NewRequest("GET", e.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var apiErr api.Error
		_ = json.NewDecoder(res.Body).Decode(&apiErr)
		return res.StatusCode, apiErr
	}

	for _, tc := range []struct {
		name string
		err  error
	}{
		{"ConnectionRefused", fmt.Errorf("store: find principal: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})},
		{"ConnectionReset", fmt.Errorf("store: find principal: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})},
		{"UnexpectedEOF", fmt.Errorf("store: find principal: %w", io.ErrUnexpectedEOF)},
		{"ConnClosed", fmt.Errorf("store: find principal: %w", pgconn.ErrConnClosed)},
		{"StartingUp", fmt.Errorf("store: find principal: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"})},
		{"AdminShutdown", fmt.Errorf("store: find principal: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"})},
		{"ConnectionException", fmt.Errorf("store: find principal: %w", &pgconn.PgError{Severity: "FATAL", Code: "08006", Message: "connection failure"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken.fail(tc.err)
			defer broken.fail(nil)
			if status, e := get("/api/v1/me"); status != http.StatusServiceUnavailable || e.Code != api.CodeUnavailable || !strings.Contains(e.Message, "database") {
				t.Errorf("GET /api/v1/me: %d %+v; want 503 code 14 naming the database", status, e)
			}
			// The read that looks token and secret up in one statement
			// answers the same.
			if status, e := get("/api/v1/secrets/db?domainType=" + api.DomainTypeOrganization); status != http.StatusServiceUnavailable || e.Code != api.CodeUnavailable {
				t.Errorf("GET /api/v1/secrets/db: %d %+v; want 503 code 14", status, e)
			}
			// Readiness follows the database; liveness does not (restarting
			// the process would not bring the database back).
			if status, body := getRaw(t, e.url+"/ready"); status != http.StatusServiceUnavailable ||
				!strings.Contains(body, "the database does not answer") || strings.Contains(body, tc.err.Error()) {
				t.Errorf("GET /ready: %d %s; want 503 with a reason that names nothing of the database", status, body)
			}
			if status, body := getRaw(t, e.url+"/health"); status != http.StatusOK {
				t.Errorf("GET /health: %d %s; want 200 while the process is up", status, body)
			}
		})
	}
	t.Run("OtherErrorsStay500", func(t *testing.T) {
		broken.fail(errors.New("store: find principal: sql: Scan error on column index 2"))
		defer broken.fail(nil)
		if status, e := get("/api/v1/me"); status != http.StatusInternalServerError || e.Message != "internal error" {
			t.Errorf("GET /api/v1/me: %d %+v; want 500 \"internal error\"", status, e)
		}
		if status, e := get("/api/v1/me"); strings.Contains(e.Message, "Scan") {
			t.Errorf("a 500 shows the error: %d %s", status, e.Message)
		}
	})
	if status, _ := get("/api/v1/me"); status != http.StatusOK {
		t.Errorf("after the database is back: %d", status)
	}
}

// getRaw GETs url without a token and returns the status and body.
func getRaw(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
