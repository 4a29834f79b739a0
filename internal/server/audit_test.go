package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/callback"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The audit trail's wire types, added to wireSchemas here so that the
// shared table is not realigned.
func init() {
	wireSchemas["AuditEvent"] = api.AuditEvent{}
	wireSchemas["ListAuditEventsResponse"] = api.ListAuditEventsResponse{}
}

// adminReads are the GET routes only owners and admins may call (viewer:
// 403), which their OpenAPI descriptions must say.
var adminReads = []string{"GET " + api.AuditEventsPath}

// auditUserAgent is longer than a record keeps (256 bytes).
var auditUserAgent = "audit-test/1.0 " + strings.Repeat("x", 300)

// auditDo calls the server as who with a request id and a user agent of
// its own, as a client would.
func auditDo(t *testing.T, e *env, who, method, path, body, requestID string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", auditUserAgent)
	req.Header.Set("X-Request-Id", requestID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, body: b}
}

// auditList reads the audit trail as who with the query q.
func auditList(t *testing.T, e *env, who string, q url.Values) api.ListAuditEventsResponse {
	t.Helper()
	var out api.ListAuditEventsResponse
	e.do(who, "GET", api.AuditEventsPath+"?"+q.Encode(), nil).decode(t, &out)
	return out
}

// principalOf is who the env's token of who is.
func principalOf(t *testing.T, e *env, who string) store.Principal {
	t.Helper()
	p, err := e.store.FindPrincipal(context.Background(), service.HashToken(e.tokens[who]))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// auditWant is what the record of one route's call must say; object is
// the object's id, or "" when the call creates it (its id is then the
// answer's).
type auditWant struct {
	action, objectType string
	object             func(f matrixFixture) string
}

// auditWants pins the record of every write route the server has today.
// A route added later without a row is still checked for a record with
// an action and an object type.
var auditWants = map[string]auditWant{
	"POST /api/v1/canvases":                                {"create", "canvas", nil},
	"PATCH /api/v1/canvases/{idOrName}":                    {"update", "canvas", (func(f matrixFixture) string { return f.canvas })},
	"DELETE /api/v1/canvases/{idOrName}":                   {"delete", "canvas", (func(f matrixFixture) string { return f.canvas })},
	"POST /api/v1/secrets":                                 {"create", "secret", nil},
	"PATCH /api/v1/secrets/{idOrName}":                     {"update", "secret", (func(f matrixFixture) string { return f.secret })},
	"DELETE /api/v1/secrets/{idOrName}":                    {"delete", "secret", (func(f matrixFixture) string { return f.secret })},
	"POST /api/v1/integrations":                            {"create", "integration", nil},
	"PATCH /api/v1/integrations/{idOrName}":                {"update", "integration", (func(f matrixFixture) string { return f.integration })},
	"DELETE /api/v1/integrations/{idOrName}":               {"delete", "integration", (func(f matrixFixture) string { return f.integration })},
	"POST /api/v1/integrations/{idOrName}/verify":          {"verify", "integration", (func(f matrixFixture) string { return f.integration })},
	"POST /api/v1/canvases/{canvasIdOrName}/event-sources": {"create", "event_source", nil},
	"PATCH /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}": {"update", "event_source",
		(func(f matrixFixture) string { return f.spare })},
	"DELETE /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}": {"delete", "event_source",
		(func(f matrixFixture) string { return f.spare })},
	"POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/reset-key": {"reset_key", "event_source",
		(func(f matrixFixture) string { return f.spare })},
	"POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/refresh": {"refresh", "event_source",
		(func(f matrixFixture) string { return f.hooked })},
	"POST /api/v1/canvases/{canvasIdOrName}/events": {"create", "event", nil},
	"POST /api/v1/canvases/{canvasIdOrName}/stages": {"create", "stage", nil},
	"PATCH /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}": {"update", "stage",
		(func(f matrixFixture) string { return f.run })},
	"DELETE /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}": {"delete", "stage",
		(func(f matrixFixture) string { return f.run })},
	"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/approve": {"approve", "stage_event",
		(func(f matrixFixture) string { return f.stageEvent })},
	"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/discard": {"discard", "stage_event",
		(func(f matrixFixture) string { return f.stageEvent })},
	"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions/{executionId}/cancel": {"cancel", "execution",
		(func(f matrixFixture) string { return f.execution })},
	"PATCH /api/v1/canvases/{canvasIdOrName}/alerts/{alertId}/acknowledge": {"acknowledge", "alert",
		(func(f matrixFixture) string { return f.alert })},
	"POST /api/v1/canvases/{canvasIdOrName}/connection-groups": {"create", "connection_group", nil},
	"PATCH /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}": {"update", "connection_group",
		(func(f matrixFixture) string { return f.group })},
	"DELETE /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}": {"delete", "connection_group",
		(func(f matrixFixture) string { return f.group })},
}

// TestAuditRecordsEveryChange calls every write route (from Server.Routes)
// as an admin, on a fixture of its own, and reads the trail back as the
// owner: each call left exactly one record naming the admin and its token,
// the action, the object by id and name, the canvas, the route, the
// status, the client's address, the request id and the clipped user agent.
func TestAuditRecordsEveryChange(t *testing.T) {
	e := newMatrixEnv(t)
	admin := principalOf(t, e, "admin")
	n := 0
	for i, pattern := range e.server.Routes() {
		method, _, _ := strings.Cut(pattern, " ")
		rt := matrixRoutes[pattern]
		if method == http.MethodGet || rt.self {
			continue
		}
		n++
		t.Run(pattern, func(t *testing.T) {
			f := newMatrixFixture(t, e, fmt.Sprintf("a%d", i))
			body := ""
			if rt.body != nil {
				body = rt.body(f, i*10)
			}
			reqID := fmt.Sprintf("audit-%d", i)
			if r := auditDo(t, e, "admin", method, rt.path(f), body, reqID); r.status != http.StatusOK {
				t.Fatalf("as admin: %d %s", r.status, r.body)
			}
			q := url.Values{"actor": {"admin@example.com"}, "canvas": {f.canvas}}
			if pattern == "POST /api/v1/canvases" {
				q = url.Values{"actor": {admin.User.ID}, "objectType": {"canvas"}, "action": {"create"}}
			}
			if _, path, _ := strings.Cut(pattern, " "); strings.HasPrefix(path, "/api/v1/service-accounts") || strings.HasPrefix(path, "/api/v1/auth-providers") || path == api.UserSessionsPath {
				// Service accounts belong to the organization, not a canvas.
				q = url.Values{"actor": {"admin@example.com"}}
			}
			var mine []api.AuditEvent
			for _, ev := range auditList(t, e, "owner", q).AuditEvents {
				if ev.RequestID == reqID {
					mine = append(mine, ev)
				}
			}
			if len(mine) != 1 {
				t.Fatalf("%d records of the call, want 1: %+v", len(mine), mine)
			}
			ev := mine[0]
			checks := []struct {
				what      string
				got, want any
			}{
				{"actorType", ev.ActorType, "user"},
				{"actorId", ev.ActorID, admin.User.ID},
				{"actorEmail", ev.ActorEmail, "admin@example.com"},
				{"tokenId", ev.TokenID, admin.Token.ID},
				{"method", ev.Method, method},
				{"route", ev.Route, pattern},
				{"status", ev.Status, int64(200)},
				{"outcome", ev.Outcome, "succeeded"},
				{"clientIp", ev.ClientIP, "127.0.0.1"},
				{"userAgent", ev.UserAgent, auditUserAgent[:256]},
			}
			if want, ok := auditWants[pattern]; ok {
				checks = append(checks, struct {
					what      string
					got, want any
				}{"action", ev.Action, want.action}, struct {
					what      string
					got, want any
				}{"objectType", ev.ObjectType, want.objectType})
				if want.object != nil {
					checks = append(checks, struct {
						what      string
						got, want any
					}{"objectId", ev.ObjectID, want.object(f)})
				}
			} else if ev.Action == "" || ev.ObjectType == "" {
				t.Errorf("a route without a row in auditWants records no action or object type: %+v", ev)
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
			if !api.IsCanonicalID(ev.ObjectID) {
				t.Errorf("objectId %q is not an id", ev.ObjectID)
			}
			named := ev.ObjectType != "stage_event" && ev.ObjectType != "execution" && ev.ObjectType != "alert" && ev.ObjectType != "event"
			if named && ev.ObjectName == "" {
				t.Errorf("the record names no object: %+v", ev)
			}
			_, path, _ := strings.Cut(pattern, " ")
			orgLevel := strings.HasPrefix(path, "/api/v1/service-accounts") || strings.HasPrefix(path, "/api/v1/auth-providers") || path == api.UserSessionsPath
			if strings.HasPrefix(pattern, "POST ") && auditWants[pattern].object == nil && named && !strings.HasSuffix(ev.ObjectName, fmt.Sprintf("-%d", i*10)) {
				t.Errorf("a creation names %q, not what it created (...-%d)", ev.ObjectName, i*10)
			}
			wantCanvas := f.canvas
			if pattern == "POST /api/v1/canvases" {
				wantCanvas = ev.ObjectID
			}
			if orgLevel {
				// Service accounts and their tokens belong to no canvas.
				if ev.CanvasID != "" || ev.CanvasName != "" {
					t.Errorf("canvas: got %q %q for an organization's object", ev.CanvasID, ev.CanvasName)
				}
				return
			}
			if ev.CanvasID != wantCanvas || ev.CanvasName == "" {
				t.Errorf("canvas: got %q %q, want %q and its name", ev.CanvasID, ev.CanvasName, wantCanvas)
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d write routes were called", n)
	}
}

// TestAuditRecordsNoValue makes changes that carry values (secret data, a
// signing key set and answered, an event's payload, a token replaced) and
// finds none of them, nor any token, in the records: not in the API's
// answer, not in the stored rows.
func TestAuditRecordsNoValue(t *testing.T) {
	e := newEnv(t)
	const (
		data1   = "s3cr3t-first-value-7f3a"
		data2   = "s3cr3t-second-value-91bc"
		setKey  = "set-key-value-5d2e8a1c0b9f4e3d2c1b0a99"
		payload = "payload-marker-4e1d"
	)
	c := createCanvas(t, e, "prod")
	var sec api.SecretResponse
	e.do("admin", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, c.Metadata.ID, "db", map[string]string{"password": data1})).decode(t, &sec)
	e.do("admin", "PATCH", "/api/v1/secrets/db?domainType=DOMAIN_TYPE_CANVAS&domainId=prod",
		`{"secret":{"spec":{"local":{"data":{"password":"`+data2+`"}}}}}`).decode(t, &api.SecretResponse{})
	var src api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	var reset api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", `{"key":"`+setKey+`"}`).decode(t, &reset)
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	e.do("admin", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","type":"deploy","raw":{"note":"`+payload+`"}}`).decode(t, &api.EventResponse{})
	oldAdmin := principalOf(t, e, "admin")
	oldToken := e.tokens["admin"]
	var regen api.RegenerateTokenResponse
	e.do("admin", "POST", "/api/v1/me/token", nil).decode(t, &regen)

	list := auditList(t, e, "owner", url.Values{"actor": {"admin@example.com"}})
	answer, _ := json.Marshal(list)
	rows, err := e.store.ListAuditEvents(context.Background(), oldAdmin.Organization.ID, store.AuditFilter{}, store.Page{Limit: store.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	stored := fmt.Sprintf("%+v", rows)
	values := map[string]string{
		"secret data": data1, "new secret data": data2, "a set signing key": setKey, "the created source's key": src.Key,
		"an event's payload": payload, "the replaced token": oldToken, "the new token": regen.Token, "the owner's token": e.tokens["owner"],
	}
	for what, v := range values {
		if v == "" {
			t.Fatalf("%s is empty: the test would prove nothing", what)
		}
		if strings.Contains(string(answer), v) {
			t.Errorf("the audit answer holds %s", what)
		}
		if strings.Contains(stored, v) {
			t.Errorf("the stored audit rows hold %s", what)
		}
	}
	if len(list.AuditEvents) != 7 {
		t.Fatalf("%d records of the admin's 7 changes: %s", len(list.AuditEvents), answer)
	}
	// Newest first: the token's replacement names the replaced token by id.
	tok := list.AuditEvents[0]
	if tok.Action != "regenerate" || tok.ObjectType != "token" || tok.ObjectID != oldAdmin.Token.ID || tok.TokenID != oldAdmin.Token.ID {
		t.Errorf("the token's replacement: %+v", tok)
	}
	upd := list.AuditEvents[5]
	if upd.Action != "update" || upd.ObjectID != sec.Secret.Metadata.ID || upd.ObjectName != "db" || upd.CanvasID != c.Metadata.ID || upd.CanvasName != "prod" {
		t.Errorf("the secret's update by names: %+v", upd)
	}
}

// TestAuditRecordsRefusals: a refused change is recorded with its status
// (denied for a viewer's 403, failed for a 400 or 409) and changes
// nothing else; a request without a valid token is not recorded (there is
// nobody to name); a viewer may not read the trail.
func TestAuditRecordsRefusals(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	viewer := principalOf(t, e, "viewer")

	expectError(t, e.do("viewer", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"nope"}}}`), http.StatusForbidden, api.CodePermissionDenied, "")
	expectError(t, e.do("admin", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"prod"}}}`), http.StatusConflict, api.CodeAlreadyExists, "")
	expectError(t, e.do("admin", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":""}}}`), http.StatusBadRequest, api.CodeInvalidArgument, "")
	expectError(t, e.do("admin", "DELETE", "/api/v1/canvases/missing", nil), http.StatusNotFound, api.CodeNotFound, "")
	expectError(t, e.do("spt_not-a-real-token", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"x"}}}`), http.StatusUnauthorized, api.CodeUnauthenticated, "")

	got := auditList(t, e, "owner", url.Values{"action": {"create"}, "objectType": {"canvas"}}).AuditEvents
	// Newest first: the 400, the 409, the 403, the owner's own create.
	if len(got) != 4 {
		t.Fatalf("%d canvas creations recorded, want 4 (no record of the 401): %+v", len(got), got)
	}
	want := []struct {
		who     string
		status  int64
		outcome string
	}{{"admin@example.com", 400, "failed"}, {"admin@example.com", 409, "failed"}, {"viewer@example.com", 403, "denied"}, {"owner@example.com", 200, "succeeded"}}
	for i, w := range want {
		if got[i].ActorEmail != w.who || got[i].Status != w.status || got[i].Outcome != w.outcome {
			t.Errorf("record %d: %s %d %s, want %s %d %s", i, got[i].ActorEmail, got[i].Status, got[i].Outcome, w.who, w.status, w.outcome)
		}
	}
	if got[2].ActorID != viewer.User.ID || got[2].TokenID != viewer.Token.ID {
		t.Errorf("the viewer's refusal names %q/%q", got[2].ActorID, got[2].TokenID)
	}
	del := auditList(t, e, "owner", url.Values{"action": {"delete"}}).AuditEvents
	if len(del) != 1 || del[0].Status != 404 || del[0].ObjectName != "missing" || del[0].ObjectID != "" {
		t.Errorf("a delete of nothing: %+v", del)
	}
	failed := auditList(t, e, "owner", url.Values{"outcome": {"failed"}}).AuditEvents
	if len(failed) != 3 {
		t.Errorf("%d failed records, want 3", len(failed))
	}

	// Reads, HEAD included, are not changes.
	e.do("admin", "GET", "/api/v1/canvases/prod", nil).decode(t, &api.CanvasResponse{})
	if r := e.do("admin", "HEAD", "/api/v1/canvases/prod", nil); r.status != http.StatusOK {
		t.Fatalf("HEAD: %d", r.status)
	}
	if all := auditList(t, e, "owner", nil).AuditEvents; len(all) != 5 {
		t.Errorf("%d records after two reads, want the 5 changes", len(all))
	}
	expectError(t, e.do("viewer", "GET", api.AuditEventsPath, nil), http.StatusForbidden, api.CodePermissionDenied, "audit")
	auditList(t, e, "admin", nil)
	other := auditList(t, e, "other", nil)
	if len(other.AuditEvents) != 0 {
		t.Errorf("another organization reads acme's trail: %+v", other.AuditEvents)
	}
}

// TestAuditListFiltersAndPages: filters narrow the trail, pages of the
// keyset cursor meet every record once newest first, and a bad query is a
// 400 naming the parameter.
func TestAuditListFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	start := time.Now().UTC()
	for i := range 5 {
		createCanvas(t, e, fmt.Sprintf("c%d", i))
	}
	e.do("admin", "PATCH", "/api/v1/canvases/c1", `{"canvas":{"metadata":{"description":"changed"}}}`).decode(t, &api.CanvasResponse{})
	e.do("admin", "DELETE", "/api/v1/canvases/c2", nil).decode(t, &api.Empty{})
	mid := time.Now().UTC()
	e.do("admin", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "org-secret", map[string]string{"k": "v"})).decode(t, &api.SecretResponse{})

	count := func(q url.Values) int { return len(auditList(t, e, "owner", q).AuditEvents) }
	for _, c := range []struct {
		q    url.Values
		want int
	}{
		{url.Values{}, 8},
		{url.Values{"actor": {"owner@example.com"}}, 5},
		{url.Values{"actor": {"admin@example.com"}}, 3},
		{url.Values{"objectType": {"secret"}}, 1},
		{url.Values{"object": {"c1"}}, 2},
		{url.Values{"canvas": {"c2"}}, 2},
		{url.Values{"action": {"delete"}}, 1},
		{url.Values{"action": {"update"}, "canvas": {"c1"}}, 1},
		{url.Values{"since": {mid.Format(time.RFC3339Nano)}}, 1},
		{url.Values{"until": {mid.Format(time.RFC3339Nano)}}, 7},
		{url.Values{"since": {start.Format(time.RFC3339Nano)}, "until": {mid.Format(time.RFC3339Nano)}}, 7},
		{url.Values{"outcome": {"succeeded"}}, 8},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("?%s: %d records, want %d", c.q.Encode(), got, c.want)
		}
	}

	var seen []string
	q := url.Values{"limit": {"3"}}
	for range 10 {
		page := auditList(t, e, "owner", q)
		for _, ev := range page.AuditEvents {
			seen = append(seen, ev.ID)
		}
		if !page.HasNextPage {
			break
		}
		last := page.AuditEvents[len(page.AuditEvents)-1]
		q.Set("before", page.LastTimestamp.Format(time.RFC3339Nano))
		q.Set("beforeId", last.ID)
	}
	all := auditList(t, e, "owner", url.Values{"limit": {"200"}}).AuditEvents
	if len(seen) != len(all) || len(all) != 8 {
		t.Fatalf("pages met %d records of %d", len(seen), len(all))
	}
	for i := range all {
		if seen[i] != all[i].ID {
			t.Fatalf("pages and the whole list differ at %d", i)
		}
	}

	for param, value := range map[string]string{
		"limit": "201", "since": "yesterday", "until": "soon", "before": "then", "beforeId": "x", "outcome": "maybe",
	} {
		q := url.Values{param: {value}}
		if param == "beforeId" {
			q.Set("before", mid.Format(time.RFC3339Nano))
		}
		expectError(t, e.do("owner", "GET", api.AuditEventsPath+"?"+q.Encode(), nil), http.StatusBadRequest, api.CodeInvalidArgument, param)
	}
}

// failingAudit is a store whose audit records cannot be written while
// fail is set.
type failingAudit struct {
	store.Store
	fail atomic.Bool
	// down makes canvas creation fail as an unreachable database does.
	down    atomic.Bool
	inserts atomic.Int64
}

func (f *failingAudit) InsertAuditEvent(ctx context.Context, e store.AuditEvent) error {
	f.inserts.Add(1)
	if f.fail.Load() {
		return errors.New("disk full")
	}
	return f.Store.InsertAuditEvent(ctx, e)
}

func (f *failingAudit) CreateCanvas(ctx context.Context, c store.Canvas) error {
	if f.down.Load() {
		return fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
	}
	return f.Store.CreateCanvas(ctx, c)
}

// TestAuditRecordBeforeTheAnswer is the crash rule: the answer waits for
// the record's commit. A change whose record cannot be written is not
// acknowledged (503, saying the change may have been applied), so no
// client is told of a change the trail lacks; a refusal whose record
// cannot be written keeps its answer.
func TestAuditRecordBeforeTheAnswer(t *testing.T) {
	var fa *failingAudit
	e := newEnv(t, envOption{wrap: func(s store.Store) store.Store { fa = &failingAudit{Store: s}; return fa }})
	fa.fail.Store(true)
	r := e.do("admin", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"unrecorded"}}}`)
	expectError(t, r, http.StatusServiceUnavailable, api.CodeUnavailable, "audit record could not be written")
	expectError(t, e.do("viewer", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"nope"}}}`), http.StatusForbidden, api.CodePermissionDenied, "")
	if !strings.Contains(e.logs.String(), "audit record not written") {
		t.Error("the lost record is not logged")
	}
	fa.fail.Store(false)
	// The change itself committed: reading it back finds it, as the 503
	// tells the client to do.
	e.do("admin", "GET", "/api/v1/canvases/unrecorded", nil).decode(t, &api.CanvasResponse{})
	e.do("admin", "DELETE", "/api/v1/canvases/unrecorded", nil).decode(t, &api.Empty{})
	got := auditList(t, e, "owner", nil).AuditEvents
	if len(got) != 1 || got[0].Action != "delete" || got[0].ObjectName != "unrecorded" {
		t.Fatalf("records after the failure: %+v", got)
	}

	// A 503 decided nothing: no record is attempted (one more write to a
	// database that is likely down).
	fa.down.Store(true)
	before := fa.inserts.Load()
	expectError(t, e.do("admin", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"down"}}}`), http.StatusServiceUnavailable, api.CodeUnavailable, "")
	if n := fa.inserts.Load() - before; n != 0 {
		t.Errorf("%d audit records attempted for a 503", n)
	}
}

// TestAuditRecordsPushedOutputs: a CI run's push is recorded with the
// execution as the actor, in its stage's canvas, without the values.
func TestAuditRecordsPushedOutputs(t *testing.T) {
	ce := newChainEnv(t, "github", 2)
	ce.gh.SetOutputsCallback("acme", "app", callback.Outputs{ServerURL: ce.url, Values: map[string]string{"VERSION": "9.8.7-audit", "URL": "https://app/9.8.7"}})
	ce.push(t)
	build := waitExecution(t, ce.env, "build", 1)[0]
	list := auditList(t, ce.env, "owner", url.Values{"action": {"push_outputs"}})
	if len(list.AuditEvents) != 1 {
		t.Fatalf("%d push records, want 1: %+v", len(list.AuditEvents), list.AuditEvents)
	}
	ev := list.AuditEvents[0]
	if ev.ActorType != "execution" || ev.ActorID != build.ID || ev.ObjectType != "execution" || ev.ObjectID != build.ID ||
		ev.ObjectName != "build" || ev.CanvasName != "prod" || ev.Status != 200 || ev.Route != "POST "+api.OutputsPath {
		t.Errorf("the push's record: %+v", ev)
	}
	b, _ := json.Marshal(list)
	if strings.Contains(string(b), "9.8.7") {
		t.Error("the push's record holds an output value")
	}
}
