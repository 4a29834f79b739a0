package server_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// The service accounts' wire types, added to wireSchemas here so that the
// shared table is not realigned.
func init() {
	for name, v := range map[string]any{
		"ServiceAccount":                    api.ServiceAccount{},
		"ServiceAccountMetadata":            api.ServiceAccountMetadata{},
		"ServiceAccountSpec":                api.ServiceAccountSpec{},
		"ServiceAccountRequest":             api.ServiceAccountRequest{},
		"ServiceAccountResponse":            api.ServiceAccountResponse{},
		"ListServiceAccountsResponse":       api.ListServiceAccountsResponse{},
		"ServiceAccountToken":               api.ServiceAccountToken{},
		"CreateServiceAccountTokenRequest":  api.CreateServiceAccountTokenRequest{},
		"CreateServiceAccountTokenResponse": api.CreateServiceAccountTokenResponse{},
		"ServiceAccountTokenResponse":       api.ServiceAccountTokenResponse{},
		"ListServiceAccountTokensResponse":  api.ListServiceAccountTokensResponse{},
	} {
		wireSchemas[name] = v
	}
}

// serviceAccountMatrixRoutes are the matrix's rows for the service
// accounts (joined to matrixRoutes by its init).
var serviceAccountMatrixRoutes = map[string]matrixRoute{
	"GET /api/v1/service-accounts": {path: func(matrixFixture) string { return "/api/v1/service-accounts" }},
	"POST /api/v1/service-accounts": {
		path: func(matrixFixture) string { return "/api/v1/service-accounts" },
		body: func(_ matrixFixture, n int) string {
			return fmt.Sprintf(`{"serviceAccount":{"metadata":{"name":"sa-new-%d"},"spec":{"role":"viewer"}}}`, n)
		},
	},
	"GET /api/v1/service-accounts/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/service-accounts/" + f.account }},
	"PATCH /api/v1/service-accounts/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/service-accounts/" + f.account },
		body: func(matrixFixture, int) string { return `{"serviceAccount":{"metadata":{"description":"changed"}}}` },
	},
	"DELETE /api/v1/service-accounts/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/service-accounts/" + f.account }},
	"GET /api/v1/service-accounts/{idOrName}/tokens": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/service-accounts/" + f.account + "/tokens"
	}},
	"POST /api/v1/service-accounts/{idOrName}/tokens": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/service-accounts/" + f.account + "/tokens" },
		body: func(_ matrixFixture, n int) string { return fmt.Sprintf(`{"name":"t-%d"}`, n) },
	},
	"GET /api/v1/service-accounts/{idOrName}/tokens/{tokenId}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/service-accounts/" + f.account + "/tokens/" + f.token
	}},
	"DELETE /api/v1/service-accounts/{idOrName}/tokens/{tokenId}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/service-accounts/" + f.account + "/tokens/" + f.token
	}},
}

// addMatrixAccount gives a matrix fixture an admin service account of its
// own with one token, and returns their ids.
func addMatrixAccount(t *testing.T, e *env, name string) (account, token string) {
	t.Helper()
	a := createAccount(t, e, "owner", "sa-"+name, api.RoleAdmin)
	tok, _ := createAccountToken(t, e, "owner", a, "t", nil)
	return a, tok.ID
}

func accountBody(name, role string) string {
	return fmt.Sprintf(`{"serviceAccount":{"metadata":{"name":%q,"description":"about %s"},"spec":{"role":%q}}}`, name, name, role)
}

// createAccount creates a service account as who and returns its id.
func createAccount(t *testing.T, e *env, who, name, role string) string {
	t.Helper()
	var out api.ServiceAccountResponse
	e.do(who, "POST", "/api/v1/service-accounts", accountBody(name, role)).decode(t, &out)
	return out.ServiceAccount.Metadata.ID
}

// createAccountToken creates a token of account as who and returns it with
// its value.
func createAccountToken(t *testing.T, e *env, who, account, name string, expires *time.Time) (api.ServiceAccountToken, string) {
	t.Helper()
	var out api.CreateServiceAccountTokenResponse
	e.do(who, "POST", "/api/v1/service-accounts/"+account+"/tokens", api.CreateServiceAccountTokenRequest{Name: name, ExpiresAt: expires}).decode(t, &out)
	if out.Token == nil || !strings.HasPrefix(out.Value, service.TokenPrefix) {
		t.Fatalf("token create answered no token: %+v", out.Token)
	}
	return *out.Token, out.Value
}

// TestServiceAccountTokensActWithTheAccountsRole: a token of a viewer
// account authenticates as the account with its role (reads, but writes
// refused), its value is answered once and never listed, logged or
// described, and a role change reaches the token at once.
func TestServiceAccountTokensActWithTheAccountsRole(t *testing.T) {
	e := newEnv(t)
	a := createAccount(t, e, "admin", "reader", api.RoleViewer)
	tok, value := createAccountToken(t, e, "admin", a, "ci", nil)
	if tok.Role != api.RoleViewer || tok.Name != "ci" || tok.ExpiresAt == nil {
		t.Fatalf("created token: %+v", tok)
	}
	// The default expiry is 30 days.
	if d := time.Until(*tok.ExpiresAt); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("default expiry %s away; want 30 days", d)
	}

	var me api.Me
	e.do(value, "GET", "/api/v1/me", nil).decode(t, &me)
	if me.Role != api.RoleViewer || me.OrganizationName != "acme" || !strings.Contains(me.Email, "service-accounts") {
		t.Fatalf("the account's token is %+v", me)
	}
	if r := e.do(value, "GET", "/api/v1/canvases", nil); r.status != http.StatusOK {
		t.Fatalf("a viewer account reads canvases: %d %s", r.status, r.body)
	}
	if r := e.do(value, "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"x"}}}`); r.status != http.StatusForbidden {
		t.Fatalf("a viewer account's token creates a canvas: %d %s", r.status, r.body)
	}
	// Raised to admin, the same token may write from the next request on.
	if r := e.do("admin", "PATCH", "/api/v1/service-accounts/reader", accountBody("", api.RoleAdmin)); r.status != http.StatusOK {
		t.Fatalf("raise to admin: %d %s", r.status, r.body)
	}
	if r := e.do(value, "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"x"}}}`); r.status != http.StatusOK {
		t.Fatalf("after the raise, a canvas create: %d %s", r.status, r.body)
	}

	for _, path := range []string{"/api/v1/service-accounts/" + a + "/tokens", "/api/v1/service-accounts/" + a + "/tokens/" + tok.ID,
		"/api/v1/service-accounts", "/api/v1/service-accounts/reader"} {
		r := e.do("viewer", "GET", path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s as viewer: %d %s", path, r.status, r.body)
		}
		if bytes.Contains(r.body, []byte(value)) || bytes.Contains(r.body, []byte(service.TokenPrefix)) || bytes.Contains(r.body, []byte(`"value"`)) {
			t.Errorf("GET %s answers a token value: %s", path, r.body)
		}
	}
	var list api.ListServiceAccountTokensResponse
	e.do("owner", "GET", "/api/v1/service-accounts/reader/tokens", nil).decode(t, &list)
	if len(list.Tokens) != 1 || list.Tokens[0].ID != tok.ID || list.Tokens[0].Role != api.RoleAdmin || list.Tokens[0].LastUsedAt == nil {
		t.Fatalf("listed tokens: %+v", list.Tokens)
	}
	if strings.Contains(e.logs.String(), value) {
		t.Error("the token's value is in the log")
	}
}

// TestServiceAccountEscalationRefused: nobody acts on an account whose
// role ranks above their own, gives an account such a role, or mints a
// token of it, whether they hold a user's token or an account's; a viewer
// manages nothing.
func TestServiceAccountEscalationRefused(t *testing.T) {
	e := newEnv(t)
	boss := createAccount(t, e, "owner", "boss", api.RoleOwner)
	ops := createAccount(t, e, "admin", "ops", api.RoleAdmin)
	createAccount(t, e, "admin", "watch", api.RoleViewer)
	_, opsValue := createAccountToken(t, e, "admin", ops, "ci", nil)

	for _, who := range []string{"admin", opsValue} {
		refused := []struct{ method, path, body string }{
			{"POST", "/api/v1/service-accounts", accountBody("root", api.RoleOwner)},
			{"PATCH", "/api/v1/service-accounts/ops", accountBody("", api.RoleOwner)},
			{"PATCH", "/api/v1/service-accounts/boss", accountBody("", api.RoleViewer)},
			{"DELETE", "/api/v1/service-accounts/boss", ""},
			{"POST", "/api/v1/service-accounts/boss/tokens", `{"name":"steal"}`},
		}
		for _, c := range refused {
			r := e.do(who, c.method, c.path, c.body)
			if r.status != http.StatusForbidden || r.err.Code != api.CodePermissionDenied {
				t.Errorf("%s %s as an admin (%s): %d %s; want 403", c.method, c.path, callerKind(who), r.status, r.body)
			}
		}
		// Equal or lower ranks are fine.
		if r := e.do(who, "POST", "/api/v1/service-accounts/watch/tokens", `{"name":"ok"}`); r.status != http.StatusOK {
			t.Errorf("a viewer account's token as an admin (%s): %d %s", callerKind(who), r.status, r.body)
		}
	}
	var list api.ListServiceAccountTokensResponse
	e.do("owner", "GET", "/api/v1/service-accounts/"+boss+"/tokens", nil).decode(t, &list)
	if len(list.Tokens) != 0 {
		t.Fatalf("refused creates left tokens of boss: %+v", list.Tokens)
	}
	var got api.ServiceAccountResponse
	e.do("owner", "GET", "/api/v1/service-accounts/ops", nil).decode(t, &got)
	if got.ServiceAccount.Spec.Role != api.RoleAdmin {
		t.Fatalf("ops was raised to %s", got.ServiceAccount.Spec.Role)
	}
	if r := e.do("owner", "POST", "/api/v1/service-accounts/boss/tokens", `{"name":"mine"}`); r.status != http.StatusOK {
		t.Fatalf("owner mints boss's token: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/service-accounts", accountBody("v", api.RoleViewer)},
		{"POST", "/api/v1/service-accounts/watch/tokens", `{"name":"v"}`},
		{"DELETE", "/api/v1/service-accounts/watch", ""},
	} {
		if r := e.do("viewer", c.method, c.path, c.body); r.status != http.StatusForbidden {
			t.Errorf("%s %s as viewer: %d %s", c.method, c.path, r.status, r.body)
		}
	}
}

func callerKind(who string) string {
	if strings.HasPrefix(who, service.TokenPrefix) {
		return "a service account's token"
	}
	return "a user's token"
}

// TestServiceAccountBadInput: each refused request is a 400 naming the
// field.
func TestServiceAccountBadInput(t *testing.T) {
	e := newEnv(t)
	createAccount(t, e, "owner", "deploy", api.RoleAdmin)
	past := time.Now().Add(-time.Minute)
	far := time.Now().Add(400 * 24 * time.Hour)
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/service-accounts", `{"serviceAccount":{"metadata":{"name":"x"}}}`, "serviceAccount.spec.role"},
		{"/api/v1/service-accounts", accountBody("x", "root"), "serviceAccount.spec.role"},
		{"/api/v1/service-accounts", accountBody("bad name", "viewer"), "serviceAccount.metadata.name"},
		{"/api/v1/service-accounts", `{}`, "serviceAccount.metadata.name"},
		{"/api/v1/service-accounts/deploy/tokens", `{}`, "name"},
		{"/api/v1/service-accounts/deploy/tokens", fmt.Sprintf(`{"name":"t","expiresAt":%q}`, past.Format(time.RFC3339)), "expiresAt"},
		{"/api/v1/service-accounts/deploy/tokens", fmt.Sprintf(`{"name":"t","expiresAt":%q}`, far.Format(time.RFC3339)), "expiresAt"},
	} {
		r := e.do("owner", "POST", c.path, c.body)
		if r.status != http.StatusBadRequest || !strings.HasPrefix(r.err.Message, c.field+" ") {
			t.Errorf("POST %s %s: %d %s; want 400 naming %s", c.path, c.body, r.status, r.body, c.field)
		}
	}
	if r := e.do("owner", "POST", "/api/v1/service-accounts", accountBody("deploy", "viewer")); r.status != http.StatusConflict {
		t.Errorf("a second deploy: %d %s; want 409", r.status, r.body)
	}
}

// TestServiceAccountTokenRevokedAtOnceOnEveryReplica: a token revoked
// through one server, or whose account is deleted there, is refused by
// another server on the same database at its very next request (tokens
// are looked up per request; nothing caches them).
func TestServiceAccountTokenRevokedAtOnceOnEveryReplica(t *testing.T) {
	e := newEnv(t)
	other := httptest.NewServer(server.New(e.store, service.New(e.store, nil, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler)))
	t.Cleanup(other.Close)
	onOther := func(token string) int {
		t.Helper()
		req, err := http.NewRequest("GET", other.URL+"/api/v1/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	a := createAccount(t, e, "owner", "deploy", api.RoleAdmin)
	first, firstValue := createAccountToken(t, e, "owner", a, "one", nil)
	_, secondValue := createAccountToken(t, e, "owner", a, "two", nil)
	for _, v := range []string{firstValue, secondValue} {
		if st := onOther(v); st != http.StatusOK {
			t.Fatalf("a fresh token on the other replica: %d", st)
		}
	}
	if r := e.do("admin", "DELETE", "/api/v1/service-accounts/deploy/tokens/"+first.ID, nil); r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if st := onOther(firstValue); st != http.StatusUnauthorized {
		t.Fatalf("a revoked token on the other replica: %d; want 401", st)
	}
	if st := onOther(secondValue); st != http.StatusOK {
		t.Fatalf("the account's other token after one revoke: %d", st)
	}
	if r := e.do("admin", "DELETE", "/api/v1/service-accounts/deploy/tokens/"+first.ID, nil); r.status != http.StatusNotFound {
		t.Fatalf("revoke again: %d %s", r.status, r.body)
	}
	if r := e.do("admin", "DELETE", "/api/v1/service-accounts/deploy", nil); r.status != http.StatusOK {
		t.Fatalf("delete the account: %d %s", r.status, r.body)
	}
	if st := onOther(secondValue); st != http.StatusUnauthorized {
		t.Fatalf("a deleted account's token on the other replica: %d; want 401", st)
	}
	if r := e.do("owner", "GET", "/api/v1/service-accounts/deploy", nil); r.status != http.StatusNotFound {
		t.Fatalf("the deleted account: %d", r.status)
	}
}

// TestServiceAccountTokenExpires: a token works until its expiry and is
// refused (401, saying it expired) from then on.
func TestServiceAccountTokenExpires(t *testing.T) {
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	e := newEnv(t, withClock(now))
	a := createAccount(t, e, "owner", "deploy", api.RoleViewer)
	expires := now().Add(time.Hour)
	tok, value := createAccountToken(t, e, "owner", a, "short", &expires)
	if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(expires.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("expiry %v; want %v", tok.ExpiresAt, expires)
	}
	if r := e.do(value, "GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d %s", r.status, r.body)
	}
	mu.Lock()
	clock = clock.Add(time.Hour)
	mu.Unlock()
	r := e.do(value, "GET", "/api/v1/me", nil)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.err.Message, "expired") {
		t.Fatalf("at expiry: %d %s; want 401 saying it expired", r.status, r.body)
	}
	// Still listed, with its expiry, so an operator sees what expired.
	var list api.ListServiceAccountTokensResponse
	e.do("owner", "GET", "/api/v1/service-accounts/deploy/tokens", nil).decode(t, &list)
	if len(list.Tokens) != 1 {
		t.Fatalf("expired token not listed: %+v", list.Tokens)
	}
}
