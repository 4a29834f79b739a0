package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// consoleSlowStage adds a stage "slow" to the canvas prod, triggered by the
// manual source "button" without approval, whose http executor waits on a
// server that answers only when the test ends or the request is
// cancelled: an execution that runs until someone cancels it.
func consoleSlowStage(t *testing.T, e *env) {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", `{"stage":{"metadata":{"name":"slow"},"spec":{
		"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],
		"executor":{"type":"http","spec":{"url":"`+srv.URL+`"}}}}}`).decode(t, &api.StageResponse{})
}

// consoleWaitExecution polls the stage's executions until one satisfies ok.
func consoleWaitExecution(t *testing.T, e *env, stage string, ok func(api.Execution) bool) api.Execution {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out api.ListExecutionsResponse
		e.do("owner", "GET", "/api/v1/canvases/prod/stages/"+stage+"/executions", nil).decode(t, &out)
		for _, ex := range out.Executions {
			if ok(ex) {
				return ex
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no execution of %s as expected in time: %+v", stage, out.Executions)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func consoleAuditRecords(t *testing.T, e *env, query string) []api.AuditEvent {
	t.Helper()
	var out api.ListAuditEventsResponse
	e.do("owner", "GET", "/api/v1/audit-events?"+query, nil).decode(t, &out)
	return out.AuditEvents
}

// TestConsoleCancelExecution: the owner's stage page offers a running
// execution's cancellation behind a confirmation; posting it cancels the
// execution, which the page then shows cancelled. A viewer sees no cancel
// control and a post forged with the viewer's own valid CSRF token is
// refused; a post without the token is refused too. The cancellation and
// the refused attempts are in the audit trail, made through the console.
func TestConsoleCancelExecution(t *testing.T) {
	e := newEnv(t, withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	consoleRunEngine(t, e)
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	consoleSlowStage(t, e)
	e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","raw":{}}`).decode(t, &api.EventResponse{})
	ex := consoleWaitExecution(t, e, "slow", func(ex api.Execution) bool { return ex.State == api.ExecutionStateStarted })

	stagePage := "/canvases/prod/stages/slow"
	cancel := stagePage + "/executions/" + ex.ID + "/cancel"
	viewer := consoleSignIn(t, e, "viewer")
	if page := viewer.send("GET", stagePage, nil); page.status != http.StatusOK || !strings.Contains(page.body, `data-execution="`+ex.ID+`"`) || strings.Contains(page.body, "/cancel") {
		t.Fatalf("the viewer's stage page should show the execution without a cancel control: %d %s", page.status, page.body)
	}
	if a := viewer.send("POST", cancel, url.Values{"csrf": {viewer.csrf(stagePage)}}); a.status != http.StatusForbidden || !strings.Contains(a.body, "may only read") {
		t.Fatalf("the viewer's forged cancel: %d %s", a.status, a.body)
	}

	owner := consoleSignIn(t, e, "owner")
	page := owner.send("GET", stagePage, nil)
	for _, want := range []string{`id="cancel-` + ex.ID + `"`, `action="` + cancel + `"`, `id="confirm-cancel-` + ex.ID + `"`, "Stop this execution?"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the owner's stage page lacks %s: %s", want, page.body)
		}
	}
	if a := owner.send("POST", cancel, url.Values{}); a.status != http.StatusForbidden {
		t.Fatalf("a cancel without the CSRF token: %d", a.status)
	}
	if got := consoleWaitExecution(t, e, "slow", func(api.Execution) bool { return true }); got.CancelledAt != nil {
		t.Fatal("a refused post cancelled the execution")
	}
	csrf := consoleCSRFField.FindStringSubmatch(page.body)[1]
	if a := owner.send("POST", cancel, url.Values{"csrf": {csrf}}); a.status != http.StatusSeeOther || a.header.Get("Location") != stagePage+"?done=cancelled" {
		t.Fatalf("the owner's cancel: %d (location %q) %s", a.status, a.header.Get("Location"), a.body)
	}
	done := consoleWaitExecution(t, e, "slow", func(ex api.Execution) bool { return ex.State == api.ExecutionStateFinished })
	if done.Result != api.ResultCancelled {
		t.Fatalf("after the console's cancel: %+v", done)
	}
	after := owner.send("GET", stagePage+"?done=cancelled", nil)
	if !strings.Contains(after.body, `data-result="RESULT_CANCELLED"`) || strings.Contains(after.body, `id="cancel-`+ex.ID+`"`) || !strings.Contains(after.body, "Cancellation requested") {
		t.Fatalf("the stage page after the cancel should show it cancelled, without a cancel control: %s", after.body)
	}

	recs := consoleAuditRecords(t, e, "action=cancel&objectType=execution")
	if len(recs) != 3 {
		t.Fatalf("want the owner's cancel, the owner's post without a CSRF token and the viewer's post in the audit trail, got %+v", recs)
	}
	ok, noCSRF, denied := recs[0], recs[1], recs[2]
	if noCSRF.Outcome != "denied" || noCSRF.ActorEmail != "owner@example.com" {
		t.Errorf("the owner's post without a CSRF token's record: %+v", noCSRF)
	}
	if ok.Outcome != "succeeded" || ok.ActorEmail != "owner@example.com" || ok.ObjectID != ex.ID || ok.CanvasName != "prod" || ok.SessionID == "" || ok.Route != "POST /canvases/{canvas}/stages/{stage}/executions/{execution}/cancel" {
		t.Errorf("the cancel's record: %+v", ok)
	}
	if denied.Outcome != "denied" || denied.Status != http.StatusForbidden || denied.ActorEmail != "viewer@example.com" {
		t.Errorf("the viewer's refused cancel's record: %+v", denied)
	}
	// The record holds the session's id, not the cookie's secret value.
	if strings.Contains(ok.SessionID, owner.cookie.Value) || strings.Contains(e.logs.String(), owner.cookie.Value) {
		t.Error("the audit record or the log holds the session cookie's value")
	}
}

// TestConsoleAuditPage: the owner's audit page lists the trail newest
// first, with what the console itself did (an event posted with the form,
// via the console) and what the API did, and its filters narrow it (action,
// object type, canvas, actor, time) and page it; a bad time is a 400 naming
// the field.
// A viewer has no link to it and is refused it, as by the API.
func TestConsoleAuditPage(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	createCanvas(t, e, "staging")
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	owner := consoleSignIn(t, e, "owner")
	if a := owner.send("POST", "/canvases/prod/events", url.Values{"csrf": {owner.csrf("/canvases/prod")}, "source": {"button"}, "type": {"manual"}, "payload": {"{}"}}); a.status != http.StatusSeeOther {
		t.Fatalf("emit: %d %s", a.status, a.body)
	}

	page := owner.send("GET", "/audit", nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="nav-audit"`) {
		t.Fatalf("the owner's audit page: %d %s", page.status, page.body)
	}
	rows := regexp.MustCompile(`data-action="([a-z_]+)" data-object-type="([a-z_]+)"`).FindAllStringSubmatch(page.body, -1)
	var got []string
	for _, m := range rows {
		got = append(got, m[1]+" "+m[2])
	}
	want := []string{"create event", "create event_source", "create canvas", "create canvas"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the audit page lists %v, want %v (newest first)", got, want)
	}
	var events api.ListEventsResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/events", nil).decode(t, &events)
	emitted := regexp.MustCompile(`(?s)data-action="create" data-object-type="event">.*?</tr>`).FindString(page.body)
	if len(events.Events) != 1 || !strings.Contains(emitted, "owner@example.com") || !strings.Contains(emitted, ">prod</a>") || !strings.Contains(emitted, "console") || !strings.Contains(emitted, events.Events[0].ID) {
		t.Fatalf("the console's event post should be listed by owner@example.com on prod via the console, naming the event: %s", emitted)
	}

	filtered := map[string]int{
		"action=create&objectType=canvas":           2,
		"objectType=event":                          1,
		"canvas=staging":                            1,
		"actor=owner%40example.com&canvas=prod":     3,
		"actor=viewer%40example.com":                0,
		"since=2999-01-01T00%3A00":                  0,
		"until=2999-01-01T00%3A00&objectType=event": 1,
	}
	for q, n := range filtered {
		a := owner.send("GET", "/audit?"+q, nil)
		if c := strings.Count(a.body, "<tr data-audit="); a.status != http.StatusOK || c != n {
			t.Errorf("/audit?%s: %d, %d rows, want %d", q, a.status, c, n)
		}
	}
	if a := owner.send("GET", "/audit?since=yesterday", nil); a.status != http.StatusBadRequest || !strings.Contains(a.body, "since:") {
		t.Errorf("a bad since: %d %s", a.status, a.body)
	}

	// More records than a page: the newest 20, then the rest by the older
	// link, filters kept.
	for i := range 20 {
		e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody(fmt.Sprintf("s%02d", i), api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	}
	first := owner.send("GET", "/audit?canvas=prod", nil)
	older := regexp.MustCompile(`href="([^"]+)" rel="next" id="audit-older"`).FindStringSubmatch(first.body)
	if n := strings.Count(first.body, "<tr data-audit="); n != 20 || older == nil {
		t.Fatalf("the first page of prod's 23 records shows %d rows, older link %v", n, older)
	}
	rest := owner.send("GET", strings.ReplaceAll(older[1], "&amp;", "&"), nil)
	if n := strings.Count(rest.body, "<tr data-audit="); rest.status != http.StatusOK || n != 3 || !strings.Contains(rest.body, `id="audit-newer"`) || !strings.Contains(rest.body, ">canvas</a> prod") {
		t.Fatalf("the older page should hold prod's 3 oldest records (the canvas's creation last) and a newer link: %d, %d rows\n%s", rest.status, n, rest.body)
	}

	viewer := consoleSignIn(t, e, "viewer")
	if home := viewer.send("GET", "/", nil); strings.Contains(home.body, `href="/audit"`) {
		t.Error("the viewer's navigation links to the audit trail")
	}
	if a := viewer.send("GET", "/audit", nil); a.status != http.StatusForbidden || !strings.Contains(a.body, "may not read the audit trail") {
		t.Errorf("the viewer's audit page: %d %s", a.status, a.body)
	}
}

// TestConsolePaging: a list longer than a page shows its total and the
// newest page, with an "older" link by the API's cursor; following it shows
// the rest (no item twice, none lost) with a "newer" link back, and the
// page's other lists keep their own page.
func TestConsolePaging(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	const n = 27
	for i := range n {
		e.do("owner", "POST", "/api/v1/canvases/prod/events", fmt.Sprintf(`{"sourceId":"button","raw":{"n":%d}}`, i)).decode(t, &api.EventResponse{})
	}
	viewer := consoleSignIn(t, e, "viewer")
	eventIDs := regexp.MustCompile(`data-event="([0-9a-f-]+)"`)
	older := regexp.MustCompile(`href="([^"]+)" rel="next" id="events-older"`)
	newer := regexp.MustCompile(`href="([^"]+)" rel="prev" id="events-newer"`)

	first := viewer.send("GET", "/canvases/prod?rejections=0", nil)
	if !strings.Contains(first.body, fmt.Sprintf("%d in all; showing 20, newest first", n)) || newer.MatchString(first.body) {
		t.Fatalf("the first page should count %d events, show 20 and offer no newer page: %s", n, first.body)
	}
	seen := map[string]bool{}
	for _, m := range eventIDs.FindAllStringSubmatch(first.body, -1) {
		seen[m[1]] = true
	}
	link := older.FindStringSubmatch(first.body)
	if len(seen) != 20 || link == nil {
		t.Fatalf("the first page shows %d events and older link %v", len(seen), link)
	}
	olderURL := strings.ReplaceAll(link[1], "&amp;", "&")
	if !strings.Contains(olderURL, "rejections=0") {
		t.Errorf("the older link drops the page's other parameters: %s", olderURL)
	}
	second := viewer.send("GET", olderURL, nil)
	if second.status != http.StatusOK || !strings.Contains(second.body, fmt.Sprintf("%d in all; showing 7 (an older page)", n)) || older.MatchString(second.body) {
		t.Fatalf("the older page should show the 7 others and no older link: %d %s", second.status, second.body)
	}
	for _, m := range eventIDs.FindAllStringSubmatch(second.body, -1) {
		if seen[m[1]] {
			t.Errorf("event %s is on both pages", m[1])
		}
		seen[m[1]] = true
	}
	if len(seen) != n {
		t.Errorf("the two pages show %d events, want %d", len(seen), n)
	}
	back := newer.FindStringSubmatch(second.body)
	if back == nil || strings.ReplaceAll(back[1], "&amp;", "&") != "/canvases/prod?rejections=0" {
		t.Fatalf("the newer link should lead back to the first page: %v", back)
	}
	if a := viewer.send("GET", "/canvases/prod?events=yesterday_x", nil); a.status != http.StatusBadRequest || !strings.Contains(a.body, "before") {
		t.Errorf("a cursor the console did not write: %d %s", a.status, a.body)
	}
}
