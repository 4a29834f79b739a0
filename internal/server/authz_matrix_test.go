package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// matrixFixture is one canvas of organization "acme" with one object of
// every kind, so that every route has something real to act on. Every
// write route gets one of its own, since it may delete or change it.
type matrixFixture struct {
	canvas      string // id of canvas
	secret      string // id of a canvas secret nothing uses
	integration string // id of a canvas GitHub integration (token in another secret) nothing uses
	spare       string // id of a webhook source no stage listens to
	hooked      string // id of a github source, its hook on the fake GitHub
	gate        string // id of a stage waiting for two approvals
	run         string // id of a noop stage that has run once
	stageEvent  string // id of gate's waiting stage event
	execution   string // id of run's finished execution
	alert       string // id of an open alert about run
	group       string // id of a connection group of hook and button no stage connects to
	account     string // id of an admin service account of its own, with one token
	token       string // id of account's token
	provider    string // id of a github auth provider of its own
	user        string // id of a user of acme with no role (roles_matrix_test.go)
	member      string // id of a canvas viewer, also in group team
}

// q is the query naming the fixture canvas as the domain of a secret or
// integration.
func (f matrixFixture) q() string {
	return "?domainType=DOMAIN_TYPE_CANVAS&domainId=" + f.canvas
}

// matrixRoute says how to call one route on a fixture. scoped is false only
// for the routes that name no object of acme (their path and body are the
// same for every organization); another organization gets 404 from every
// other route.
type matrixRoute struct {
	path   func(f matrixFixture) string
	body   func(f matrixFixture, n int) string
	scoped bool
	// self routes act on the caller's own token, so every role may call
	// them; each caller gets a token of its own for them, since a call may
	// replace it.
	self bool
	// actingReads are further paths of a GET route whose query makes the
	// server act for the caller (a check with the tool, which spends the
	// organization's token): a viewer is refused them as it is writes.
	actingReads func(f matrixFixture) []string
	// adminOnly reads are refused to a viewer (403) like writes.
	adminOnly bool
	// keeps: a self write that leaves the caller's token working (the
	// sessions routes: a token an operator made is no session).
	keeps bool
	// notMine: a self route naming an object that is none of the
	// caller's, so every caller with a valid token gets 404.
	notMine bool
}

func noBody(matrixFixture, int) string { return "" }

// matrixRoutes has one row per pattern of Server.Routes. A route added to
// the server without a row here fails TestAuthorizationMatrix.
var matrixRoutes = map[string]matrixRoute{
	"GET /api/v1/me":        {path: func(matrixFixture) string { return "/api/v1/me" }},
	"POST /api/v1/me/token": {self: true, path: func(matrixFixture) string { return "/api/v1/me/token" }},
	"GET /api/v1/canvases":  {path: func(matrixFixture) string { return "/api/v1/canvases" }},
	"POST /api/v1/canvases": {
		path: func(matrixFixture) string { return "/api/v1/canvases" },
		body: func(_ matrixFixture, n int) string {
			return fmt.Sprintf(`{"canvas":{"metadata":{"name":"new-%d"}}}`, n)
		},
	},
	"GET /api/v1/canvases/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas }},
	"PATCH /api/v1/canvases/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas },
		body: func(matrixFixture, int) string { return `{"canvas":{"metadata":{"description":"changed"}}}` },
	},
	"DELETE /api/v1/canvases/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas }},

	"GET /api/v1/secrets": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/secrets" + f.q() }},
	"POST /api/v1/secrets": {scoped: true,
		path: func(matrixFixture) string { return "/api/v1/secrets" },
		body: func(f matrixFixture, n int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"secret":{"metadata":{"name":"new-%d"},"spec":{"local":{"data":{"k":"v"}}}}}`, f.canvas, n)
		},
	},
	"GET /api/v1/secrets/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/secrets/" + f.secret + f.q() }},
	"PATCH /api/v1/secrets/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/secrets/" + f.secret + f.q() },
		body: func(matrixFixture, int) string { return `{"secret":{"spec":{"local":{"data":{"k":"changed"}}}}}` },
	},
	"DELETE /api/v1/secrets/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/secrets/" + f.secret + f.q() }},

	"GET /api/v1/integrations": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/integrations" + f.q() }},
	"POST /api/v1/integrations": {scoped: true,
		path: func(matrixFixture) string { return "/api/v1/integrations" },
		body: func(f matrixFixture, n int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"integration":{"metadata":{"name":"new-%d"},"spec":{"type":"github","url":"https://github.com/acme","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"name":"gh","key":"token"}}}}}}}`, f.canvas, n)
		},
	},
	"GET /api/v1/integrations/{idOrName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/integrations/" + f.integration + f.q() }},
	"PATCH /api/v1/integrations/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/integrations/" + f.integration + f.q() },
		body: func(matrixFixture, int) string { return `{"integration":{"metadata":{"description":"changed"}}}` },
	},
	"DELETE /api/v1/integrations/{idOrName}":      {scoped: true, path: func(f matrixFixture) string { return "/api/v1/integrations/" + f.integration + f.q() }},
	"POST /api/v1/integrations/{idOrName}/verify": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/integrations/" + f.integration + "/verify" + f.q() }},

	"GET /api/v1/canvases/{canvasIdOrName}/event-sources": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/event-sources" }},
	"POST /api/v1/canvases/{canvasIdOrName}/event-sources": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/event-sources" },
		body: func(_ matrixFixture, n int) string {
			return fmt.Sprintf(`{"eventSource":{"metadata":{"name":"new-%d"},"spec":{"type":"webhook"}}}`, n)
		},
	},
	"GET /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/event-sources/" + f.spare },
		actingReads: func(f matrixFixture) []string {
			p := "/api/v1/canvases/" + f.canvas + "/event-sources/"
			return []string{p + f.hooked + "?refresh=true", p + f.hooked + "?check=true", p + f.spare + "?check=true"}
		},
	},
	"PATCH /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/event-sources/" + f.spare },
		body: func(matrixFixture, int) string {
			return `{"eventSource":{"metadata":{"description":"changed"},"spec":{"type":"webhook"}}}`
		},
	},
	"DELETE /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/event-sources/" + f.spare
	}},
	"POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/reset-key": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/event-sources/" + f.spare + "/reset-key"
	}},
	"POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/refresh": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/event-sources/" + f.hooked + "/refresh"
	}},
	"GET /api/v1/canvases/{canvasIdOrName}/events": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/events" }},
	"POST /api/v1/canvases/{canvasIdOrName}/events": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/events" },
		body: func(matrixFixture, int) string { return `{"sourceId":"button","type":"deploy","raw":{"n":1}}` },
	},

	"GET /api/v1/canvases/{canvasIdOrName}/stages": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/stages" }},
	"POST /api/v1/canvases/{canvasIdOrName}/stages": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/stages" },
		body: func(_ matrixFixture, n int) string { return matrixStageBody(fmt.Sprintf("new-%d", n), 0) },
	},
	"GET /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.run
	}},
	"PATCH /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/stages/" + f.run },
		body: func(matrixFixture, int) string { return matrixStageBody("", 0) },
	},
	"DELETE /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.run
	}},
	"GET /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.gate + "/events"
	}},
	"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/approve": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.gate + "/events/" + f.stageEvent + "/approve"
	}},
	"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/discard": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.gate + "/events/" + f.stageEvent + "/discard"
	}},
	"GET /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.run + "/executions"
	}},
	"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions/{executionId}/cancel": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/stages/" + f.run + "/executions/" + f.execution + "/cancel"
	}},

	"GET /api/v1/canvases/{canvasIdOrName}/alerts": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/alerts?includeAcked=true"
	}},
	"PATCH /api/v1/canvases/{canvasIdOrName}/alerts/{alertId}/acknowledge": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/alerts/" + f.alert + "/acknowledge"
	}},
	"GET /api/v1/canvases/{canvasIdOrName}/rejections": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/rejections?targetType=TYPE_STAGE&targetId=run"
	}},

	"GET /api/v1/canvases/{canvasIdOrName}/connection-groups": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/connection-groups"
	}},
	"POST /api/v1/canvases/{canvasIdOrName}/connection-groups": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/connection-groups" },
		body: func(_ matrixFixture, n int) string { return matrixGroupBody(fmt.Sprintf("new-%d", n)) },
	},
	"GET /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/connection-groups/" + f.group
	}},
	"PATCH /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}": {scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/connection-groups/" + f.group },
		body: func(matrixFixture, int) string { return matrixGroupBody("") },
	},
	"DELETE /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/connection-groups/" + f.group
	}},
	"GET /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}/field-sets": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/connection-groups/" + f.group + "/field-sets"
	}},

	"GET /api/v1/audit-events": {adminOnly: true, path: func(f matrixFixture) string { return "/api/v1/audit-events?canvas=" + f.canvas }},
}

func init() {
	for pattern, rt := range serviceAccountMatrixRoutes {
		matrixRoutes[pattern] = rt
	}
}

// TestAuthorizationMatrix calls every authenticated route of the server
// (from Server.Routes, so a new route cannot be missed) as each kind of
// caller, and asserts the exact answer: no token or an unknown token 401, a
// viewer 403 on writes and 200 on reads (and on the routes that act on the
// caller's own token, which must then be refused), an owner of another organization 404
// for anything of acme (never 403, which would confirm it exists), and an
// admin of acme 200, which proves each call named a real object. None of the
// refused calls may change anything acme's owner can read. A GET whose query
// makes the server act (?refresh=true, ?check=true on an event source: a
// call to the tool with the organization's token) is refused to a viewer
// like a write (checkActingReads).
func TestAuthorizationMatrix(t *testing.T) {
	e := newMatrixEnv(t)
	routes := e.server.Routes()
	if len(routes) < 30 {
		t.Fatalf("Routes() lists %d routes; expected every authenticated route", len(routes))
	}
	for _, pattern := range routes {
		if _, ok := matrixRoutes[pattern]; !ok {
			t.Errorf("route %q has no row in matrixRoutes: add one so its authorization is tested", pattern)
		}
	}
	for pattern := range matrixRoutes {
		if !slices.Contains(routes, pattern) {
			t.Errorf("matrixRoutes has a row for %q, which the server no longer serves", pattern)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Reads share one fixture; every write gets its own, since it may
	// delete or change it. The routes run in parallel.
	addRoleCallerTokens(t, e)
	reads := newMatrixFixture(t, e, "reads")
	var calls atomic.Int64
	t.Run("routes", func(t *testing.T) {
		for i, pattern := range routes {
			rt := matrixRoutes[pattern]
			method, _, _ := strings.Cut(pattern, " ")
			t.Run(pattern, func(t *testing.T) {
				t.Parallel()
				f, write := reads, method != http.MethodGet
				if write {
					f = newMatrixFixture(t, e, fmt.Sprintf("m%d", i))
				}
				path := rt.path(f)
				if strings.Contains(path, "{") || strings.Contains(path, "//") {
					t.Fatalf("path %q is not concrete", path)
				}
				body := noBody
				if rt.body != nil {
					body = rt.body
				}
				var before []byte
				if write {
					before = canvasSnapshot(t, e, f)
				}
				if rt.actingReads != nil {
					checkActingReads(t, e, rt.actingReads(f), f)
				}
				callers, winner := matrixCallers(pattern, rt, i, write)
				for j, who := range callers {
					if who == "Basic " {
						who += e.tokens["owner"]
					}
					calls.Add(1)
					status, code := 200, 0
					switch {
					case slices.Contains(roleCallers, who):
						status, code = roleCallerWant(who, pattern, rt)
					case who == "" || strings.HasPrefix(who, "spt_") || strings.HasPrefix(who, "Basic "):
						status, code = http.StatusUnauthorized, api.CodeUnauthenticated
					case who == "viewer" && (method != http.MethodGet || rt.adminOnly) && !rt.self:
						status, code = http.StatusForbidden, api.CodePermissionDenied
					case who == "other" && rt.scoped:
						status, code = http.StatusNotFound, api.CodeNotFound
					}
					if rt.notMine && status == http.StatusOK {
						status, code = http.StatusNotFound, api.CodeNotFound
					}
					if who == winner && write {
						// Everything refused so far left acme as it was.
						if after := canvasSnapshot(t, e, f); !bytes.Equal(before, after) {
							t.Errorf("refused calls changed what acme's owner reads:\n%s", snapshotDiff(before, after))
						}
						if pattern == "POST /api/v1/canvases" {
							for k := 0; k < j; k++ {
								if r := e.do("owner", "GET", fmt.Sprintf("/api/v1/canvases/new-%d", i*100+k), nil); r.status != http.StatusNotFound {
									t.Errorf("a refused create made canvas new-%d: %d", i*100+k, r.status)
								}
							}
						}
					}
					var r response
					switch {
					case strings.HasPrefix(who, "Basic "):
						r = matrixDo(t, e, method, path, body(f, i*100+j), who)
					case rt.self && who != "" && !strings.HasPrefix(who, "spt_"):
						own := matrixOwnToken(t, e, who)
						r = matrixDo(t, e, method, path, body(f, i*100+j), "Bearer "+own)
						if r.status == http.StatusOK && method != http.MethodGet {
							again, want := matrixDo(t, e, "GET", "/api/v1/me", "", "Bearer "+own), http.StatusUnauthorized
							if rt.keeps {
								want = http.StatusOK
							}
							if again.status != want {
								t.Errorf("as %q: afterwards the caller's token answers %d, want %d", matrixCaller(who), again.status, want)
							}
						}
					default:
						r = e.do(who, method, path, body(f, i*100+j))
					}
					if r.status != status || (code != 0 && r.err.Code != code) {
						t.Errorf("as %q: got %d %s; want %d (code %d)", matrixCaller(who), r.status, r.body, status, code)
					}
					if who == "other" && !rt.scoped && bytes.Contains(r.body, []byte(f.canvas)) {
						t.Errorf("another organization sees acme's canvas: %s", r.body)
					}
					if status >= 400 && bytes.Contains(r.body, []byte(e.tokens["owner"])) {
						t.Error("an error answer quotes the token")
					}
					// Every answer, success or error, is what openapi.json says.
					checkAnswerDescribed(t, pattern, matrixCaller(who), r.status, r.body)
				}
			})
		}
	})
	t.Logf("%d routes x up to %d callers = %d calls checked", len(routes), 6+len(roleCallers), calls.Load())
}

// matrixOwnToken is a new token for the user and role of caller who, for
// the self routes.
func matrixOwnToken(t *testing.T, e *env, who string) string {
	t.Helper()
	ctx := context.Background()
	orgName, role := "acme", who
	if who == "other" {
		orgName, role = "other", "owner"
	}
	if slices.Contains(roleCallers, who) {
		role = api.RoleMember
	}
	org, err := e.store.EnsureOrganization(ctx, orgName)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store.EnsureUser(ctx, org.ID, who+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: role}); err != nil {
		t.Fatal(err)
	}
	return tok
}

// checkActingReads calls each of a GET route's acting reads as every kind
// of caller: 401 without a valid token, 403 for a viewer (before anything
// happens: what the owner reads is unchanged), 404 for another
// organization, 200 for owner and admin.
func checkActingReads(t *testing.T, e *env, paths []string, f matrixFixture) {
	t.Helper()
	for _, path := range paths {
		before := canvasSnapshot(t, e, f)
		for _, who := range []string{"", "spt_not-a-real-token", "viewer", "other", "member", "canvasViewer", "custom", "admin", "owner", "canvasAdmin"} {
			status, code := 200, 0
			switch who {
			case "", "spt_not-a-real-token":
				status, code = http.StatusUnauthorized, api.CodeUnauthenticated
			case "member":
				status, code = http.StatusNotFound, api.CodeNotFound
			case "viewer", "canvasViewer", "custom":
				status, code = http.StatusForbidden, api.CodePermissionDenied
			case "other":
				status, code = http.StatusNotFound, api.CodeNotFound
			case "admin":
				if after := canvasSnapshot(t, e, f); !bytes.Equal(before, after) {
					t.Errorf("GET %s: refused calls changed what acme's owner reads:\n%s", path, snapshotDiff(before, after))
				}
			}
			r := e.do(who, "GET", path, nil)
			if r.status != status || (code != 0 && r.err.Code != code) {
				t.Errorf("GET %s as %q: got %d %s; want %d (code %d)", path, matrixCaller(who), r.status, r.body, status, code)
			}
			if (who == "viewer" || who == "canvasViewer") && !strings.Contains(r.err.Message, "/refresh") {
				t.Errorf("GET %s as viewer: the refusal does not name the POST .../refresh route: %s", path, r.body)
			}
		}
	}
}

// matrixDo sends a request with a raw Authorization header value.
func matrixDo(t *testing.T, e *env, method, path, body, authorization string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Content-Type", "application/json")
	return matrixRead(t, req)
}

func matrixRead(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	r := response{status: res.StatusCode, body: buf.Bytes()}
	if res.StatusCode >= 400 {
		if err := json.Unmarshal(buf.Bytes(), &r.err); err != nil {
			t.Fatalf("%s %s: error body is not the contract's shape: %s", req.Method, req.URL.Path, buf.Bytes())
		}
	}
	return r
}

// matrixCaller names a caller in failure messages without printing a token.
func matrixCaller(who string) string {
	switch {
	case who == "":
		return "no token"
	case strings.HasPrefix(who, "spt_"):
		return "unknown token"
	case strings.HasPrefix(who, "Basic "):
		return "owner's token under the Basic scheme"
	}
	return who
}

// TestUnauthenticatedRoutes covers the routes Routes leaves out (PublicRoutes,
// which must be exactly these, so a new token-less route is a decision this
// test records): the health and readiness checks answer without a token
// and say nothing more, the API description answers without a token, and the receivers
// ignore API tokens (only a signature counts).
func TestUnauthenticatedRoutes(t *testing.T) {
	e := newMatrixEnv(t)
	f := newMatrixFixture(t, e, "open")
	wantPublic := []string{
		"GET /health",
		"GET /ready",
		"GET /api/v1/openapi.json",
		// The OIDC issuer's documents: public keys and where they are, for
		// the clouds (TestOIDCDiscoveryServed).
		"GET /.well-known/openid-configuration",
		"GET /.well-known/jwks.json",
		"POST /api/v1/sources/{id}",
		"POST /api/v1/sources/{id}/{integrationType}",
		"POST /api/v1/outputs",
		// The CLI's browser sign-in: the one-time code and its PKCE
		// verifier authenticate (TestCLIBrowserSignIn).
		"POST /api/v1/cli-sign-in/token",
	}
	if got := e.server.PublicRoutes(); !slices.Equal(got, wantPublic) {
		t.Fatalf("token-less routes: %q; want %q", got, wantPublic)
	}
	for _, path := range []string{"/health", "/ready"} {
		r := e.do("", "GET", path, nil)
		if r.status != http.StatusOK || string(r.body) != `{"status":"ok"}`+"\n" {
			t.Fatalf("%s: %d %q", path, r.status, r.body)
		}
	}
	r := e.do("", "GET", "/api/v1/openapi.json", nil)
	if r.status != http.StatusOK || !json.Valid(r.body) || !bytes.Contains(r.body, []byte(`"openapi"`)) {
		t.Fatalf("openapi.json without a token: %d, %d bytes", r.status, len(r.body))
	}
	for _, who := range []string{"owner", "other", ""} {
		r := e.do(who, "POST", "/api/v1/sources/"+f.spare, `{"a":1}`)
		if r.status != http.StatusUnauthorized {
			t.Errorf("unsigned delivery with token of %q: %d %s", who, r.status, r.body)
		}
	}
	// A CI run's push takes its execution's output token or ID token; an
	// API token, of any role or organization, is not one.
	for _, who := range []string{"owner", "other", ""} {
		r := e.do(who, "POST", "/api/v1/outputs", `{"executionId":"00000000-0000-4000-8000-000000000000","outputs":{"VERSION":"1"}}`)
		if r.status != http.StatusUnauthorized {
			t.Errorf("outputs pushed with token of %q: %d %s", who, r.status, r.body)
		}
	}
	// Routes without a handler are 404 for everyone, token or not.
	for _, who := range []string{"", "owner"} {
		r := e.do(who, "DELETE", "/api/v1/me", nil)
		if r.status != http.StatusNotFound {
			t.Errorf("DELETE /api/v1/me as %q: %d", who, r.status)
		}
	}
}
