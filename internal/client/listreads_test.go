package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// stageFixture is a fake canvas of stages whose descriptions a test can
// change between reads, as a user outside Terraform would.
type stageFixture struct {
	mu     sync.Mutex
	stages map[string]string // id -> description
	order  []string
}

func newStageFixture(n int) *stageFixture {
	f := &stageFixture{stages: map[string]string{}}
	for i := range n {
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1)
		f.stages[id] = "v1"
		f.order = append(f.order, id)
	}
	return f
}

func (f *stageFixture) stage(id string) api.Stage {
	return api.Stage{Metadata: &api.StageMetadata{ID: id, Name: "s-" + id[len(id)-4:], Description: f.stages[id], CanvasID: canvasID}}
}

func (f *stageFixture) set(id, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if desc == "" {
		delete(f.stages, id)
		return
	}
	f.stages[id] = desc
}

// serve answers the list, the GET of each stage and a PATCH (any write).
func (f *stageFixture) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == stagesPath(canvasID):
		out := api.ListStagesResponse{Stages: []api.Stage{}}
		for _, id := range f.order {
			if _, ok := f.stages[id]; ok {
				out.Stages = append(out.Stages, f.stage(id))
			}
		}
		writeJSON(w, 200, out)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, stagesPath(canvasID)+"/"):
		id := strings.TrimPrefix(r.URL.Path, stagesPath(canvasID)+"/")
		if _, ok := f.stages[id]; !ok {
			writeError(w, 404, api.CodeNotFound, "stage not found")
			return
		}
		writeJSON(w, 200, api.StageResponse{Stage: ptrTo(f.stage(id))})
	case r.Method == http.MethodPatch:
		id := strings.TrimPrefix(r.URL.Path, stagesPath(canvasID)+"/")
		f.stages[id] = "patched"
		writeJSON(w, 200, api.StageResponse{Stage: ptrTo(f.stage(id))})
	default:
		writeError(w, 404, api.CodeNotFound, "no route")
	}
}

func ptrTo[T any](v T) *T { return &v }

func objID(i int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", i) }

// TestReadStageSharesOneList: the reads of one walk cost one list, not one
// GET each; a stage the list does not hold (created since) and a stage
// read a second time get their own GET; a stage gone from the server is
// not found.
func TestReadStageSharesOneList(t *testing.T) {
	f := newStageFixture(5)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
	c.lists.after = 0 // these tests list at the first read
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		st, err := c.ReadStage(ctx, canvasID, objID(i))
		if err != nil {
			t.Fatal(err)
		}
		if st.Metadata.ID != objID(i) || st.Metadata.Description != "v1" {
			t.Fatalf("read of %s answered %+v", objID(i), st.Metadata)
		}
	}
	if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != 1 {
		t.Errorf("5 reads listed the stages %d times, want 1", n)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("5 reads sent %d requests, want the one list", n)
	}

	// Created after the list was fetched: not in it, so it is read itself.
	f.mu.Lock()
	f.stages[objID(6)] = "new"
	f.order = append(f.order, objID(6))
	f.mu.Unlock()
	st, err := c.ReadStage(ctx, canvasID, objID(6))
	if err != nil || st.Metadata.Description != "new" {
		t.Fatalf("read of a stage created since the list: %v, %+v", err, st)
	}
	if n := rec.count(http.MethodGet, stagePath(canvasID, objID(6))); n != 1 {
		t.Errorf("stage missing from the list: %d GETs, want 1", n)
	}

	// Read again: the list entry was handed out, so the second read asks
	// the server and sees what changed since.
	f.set(objID(1), "changed outside")
	st, err = c.ReadStage(ctx, canvasID, objID(1))
	if err != nil || st.Metadata.Description != "changed outside" {
		t.Fatalf("second read of a stage: %v, %+v", err, st)
	}

	// Deleted outside (and not in the list any more): not found.
	f.set(objID(7), "")
	if _, err := c.ReadStage(ctx, canvasID, objID(7)); !IsNotFound(err) {
		t.Errorf("read of a stage that does not exist: %v, want not found", err)
	}
	if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != 1 {
		t.Errorf("list fetched %d times, want 1", n)
	}
}

// TestWriteForgetsLists: after any write of this client, the next read
// fetches the list again and sees the write (and anything else changed
// meanwhile); a new client (a new walk) never sees an old client's list.
func TestWriteForgetsLists(t *testing.T) {
	f := newStageFixture(3)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
	c.lists.after = 0 // these tests list at the first read
	ctx := context.Background()
	if _, err := c.ReadStage(ctx, canvasID, objID(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStage(ctx, canvasID, objID(2), StageParams{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	f.set(objID(3), "changed outside")
	for i, want := range map[int]string{2: "patched", 3: "changed outside"} {
		st, err := c.ReadStage(ctx, canvasID, objID(i))
		if err != nil {
			t.Fatal(err)
		}
		if st.Metadata.Description != want {
			t.Errorf("read of stage %d after a write: description %q, want %q", i, st.Metadata.Description, want)
		}
	}
	if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != 2 {
		t.Errorf("list fetched %d times, want 2 (again after the write)", n)
	}

	// Any write forgets every list, not just the stages'.
	if err := c.DeleteSecret(ctx, api.DomainTypeOrganization, testOrgID, "x"); err == nil {
		t.Fatal("delete of a missing secret: no error")
	}
	if _, err := c.ReadStage(ctx, canvasID, objID(1)); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != 3 {
		t.Errorf("list fetched %d times, want 3 (again after a failed delete of something else)", n)
	}

	// ForgetLists (import) does the same.
	c.ForgetLists()
	if _, err := c.ReadStage(ctx, canvasID, objID(2)); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != 4 {
		t.Errorf("list fetched %d times, want 4 (again after ForgetLists)", n)
	}
}

// TestListInFlightDuringWrite: a list fetched while a write was in flight
// answers the reads that were waiting for it, but a read that starts after
// the write was answered fetches the list again and sees the write.
func TestListInFlightDuringWrite(t *testing.T) {
	f := newStageFixture(2)
	release := make(chan struct{})
	var lists atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodGet && r.URL.Path == stagesPath(canvasID) && lists.Add(1) == 1 {
			// The first list reads the canvas as before the write, then
			// waits until the write has been answered.
			f.mu.Lock()
			out := api.ListStagesResponse{Stages: []api.Stage{f.stage(objID(1)), f.stage(objID(2))}}
			f.mu.Unlock()
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			writeJSON(w, 200, out)
			return
		}
		f.serve(w, r)
	})
	c.lists.after = 0 // these tests list at the first read
	ctx := context.Background()
	first := make(chan *api.Stage, 1)
	go func() {
		st, err := c.ReadStage(ctx, canvasID, objID(1))
		if err != nil {
			t.Error(err)
		}
		first <- st
	}()
	deadline := time.Now().Add(10 * time.Second)
	for lists.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.UpdateStage(ctx, canvasID, objID(2), StageParams{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	st, err := c.ReadStage(ctx, canvasID, objID(2))
	if err != nil {
		t.Fatal(err)
	}
	if st.Metadata.Description != "patched" {
		t.Errorf("read after the write answered from the list fetched before it: %q", st.Metadata.Description)
	}
	close(release)
	if st := <-first; st == nil || st.Metadata.ID != objID(1) {
		t.Errorf("read waiting on the first list: %+v", st)
	}
	if n := lists.Load(); n != 2 {
		t.Errorf("list fetched %d times, want 2", n)
	}
}

// TestConcurrentReadsShareOneList: 50 reads at once (Terraform's
// -parallelism) wait for one list instead of each sending one.
func TestConcurrentReadsShareOneList(t *testing.T) {
	f := newStageFixture(50)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
	c.lists.after = 0 // these tests list at the first read
	var wg sync.WaitGroup
	for i := 1; i <= 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := c.ReadStage(context.Background(), canvasID, objID(i))
			if err != nil || st.Metadata.ID != objID(i) {
				t.Errorf("read %d: %v %+v", i, err, st)
			}
		}()
	}
	wg.Wait()
	if n := len(rec.requests()); n != 1 {
		t.Errorf("50 concurrent reads sent %d requests, want 1", n)
	}
}

// TestFailedListFallsBackToGets: a list the token may not make (403), or
// that fails on the server (500; 503 after the retries), is not kept: every
// read sends its own GET, and the list is not asked for again until a
// write. The reads' answers are the GETs', not an error.
func TestFailedListFallsBackToGets(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newStageFixture(3)
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.Method == http.MethodGet && r.URL.Path == stagesPath(canvasID) {
					writeError(w, status, api.CodePermissionDenied, "no list for you")
					return
				}
				f.serve(w, r)
			})
			c.lists.after = 0 // these tests list at the first read
			ctx := context.Background()
			for i := 1; i <= 3; i++ {
				st, err := c.ReadStage(ctx, canvasID, objID(i))
				if err != nil || st.Metadata.ID != objID(i) {
					t.Fatalf("read %d with a failing list: %v %+v", i, err, st)
				}
			}
			lists := rec.count(http.MethodGet, stagesPath(canvasID))
			wantLists := 1
			if retryableStatus(status) {
				wantLists = 1 + c.maxRetries
			}
			if lists != wantLists {
				t.Errorf("list requested %d times, want %d (one list, with its retries)", lists, wantLists)
			}
			for i := 1; i <= 3; i++ {
				if n := rec.count(http.MethodGet, stagePath(canvasID, objID(i))); n != 1 {
					t.Errorf("stage %d: %d GETs, want 1", i, n)
				}
			}
			if _, err := c.UpdateStage(ctx, canvasID, objID(1), StageParams{Name: "s"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ReadStage(ctx, canvasID, objID(1)); err != nil {
				t.Fatal(err)
			}
			if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != lists+wantLists {
				t.Errorf("after a write the list was requested %d times in all, want %d", n, lists+wantLists)
			}
		})
	}
}

// TestSharedListsOff: with NoSharedLists every read is its own GET.
func TestSharedListsOff(t *testing.T) {
	f := newStageFixture(3)
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) }}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Token: testToken, NoSharedLists: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := c.ReadStage(context.Background(), canvasID, objID(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := rec.count(http.MethodGet, stagesPath(canvasID)); n != 0 {
		t.Errorf("list fetched %d times with shared lists off", n)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests, want 3 GETs", n)
	}
}

// TestReadSecretListsEachDomainOnce: secrets are listed per domain (the
// organization's and each canvas's), every page followed, with the
// domain in the query as GET sends it; a secret not in its domain's list
// is read with its own GET.
func TestReadSecretListsEachDomainOnce(t *testing.T) {
	secret := func(dt, did, id string) api.Secret {
		s := secretBody("s-"+id[len(id)-4:], []string{"k"}, 1, time.Now()).Secret
		s.Metadata.ID, s.Metadata.DomainType, s.Metadata.DomainID = id, dt, did
		return *s
	}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		q := r.URL.Query()
		dt, did := q.Get("domainType"), q.Get("domainId")
		switch {
		case r.URL.Path == "/api/v1/me":
			meHandler(w)
		case r.URL.Path == "/api/v1/secrets" && dt == api.DomainTypeOrganization && did == testOrgID:
			// Two pages, as a server that pages without ?limit= would.
			if q.Get("after") == "" {
				writeJSON(w, 200, api.ListSecretsResponse{Secrets: []api.Secret{secret(dt, did, objID(1))}, Next: "s-0001"})
				return
			}
			writeJSON(w, 200, api.ListSecretsResponse{Secrets: []api.Secret{secret(dt, did, objID(2))}})
		case r.URL.Path == "/api/v1/secrets" && dt == api.DomainTypeCanvas && did == canvasID:
			writeJSON(w, 200, api.ListSecretsResponse{Secrets: []api.Secret{secret(dt, did, objID(3))}})
		case strings.HasPrefix(r.URL.Path, "/api/v1/secrets/") && dt != "" && did != "":
			id := strings.TrimPrefix(r.URL.Path, "/api/v1/secrets/")
			writeJSON(w, 200, api.SecretResponse{Secret: ptrTo(secret(dt, did, id))})
		default:
			writeError(w, 400, api.CodeInvalidArgument, "unexpected "+r.URL.String())
		}
	})
	c.lists.after = 0 // these tests list at the first read
	ctx := context.Background()
	for _, tc := range []struct{ dt, did, id string }{
		{api.DomainTypeOrganization, "", objID(1)},
		{api.DomainTypeOrganization, "", objID(2)},
		{api.DomainTypeCanvas, canvasID, objID(3)},
		{api.DomainTypeCanvas, canvasID, objID(4)}, // not listed
	} {
		s, err := c.ReadSecret(ctx, tc.dt, tc.did, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Metadata.ID != tc.id || s.Metadata.DomainType != tc.dt {
			t.Errorf("read of %s answered %+v", tc.id, s.Metadata)
		}
	}
	if n := rec.count(http.MethodGet, "/api/v1/secrets"); n != 3 {
		t.Errorf("%d list requests, want 3 (two pages of the organization's, one of the canvas's)", n)
	}
	for i := 1; i <= 3; i++ {
		if n := rec.count(http.MethodGet, "/api/v1/secrets/"+objID(i)); n != 0 {
			t.Errorf("listed secret %d read with its own GET too", i)
		}
	}
	if n := rec.count(http.MethodGet, "/api/v1/secrets/"+objID(4)); n != 1 {
		t.Errorf("secret missing from the list: %d GETs, want 1", n)
	}
}

// TestReadEventSourceFromList: a canvas's sources are listed once for its
// reads; one missing from the list is read with its own GET.
func TestReadEventSourceFromList(t *testing.T) {
	source := func(id string) api.EventSource {
		es := sourceBody(EventSourceParams{Name: "src-" + id[len(id)-4:], Spec: api.EventSourceSpec{Type: api.EventSourceTypeWebhook}}, time.Now(), 1, "").EventSource
		es.Metadata.ID = id
		return *es
	}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == eventSourcesPath(canvasID):
			writeJSON(w, 200, api.ListEventSourcesResponse{EventSources: []api.EventSource{source(objID(1)), source(objID(2))}})
		case strings.HasPrefix(r.URL.Path, eventSourcesPath(canvasID)+"/"):
			writeJSON(w, 200, api.EventSourceResponse{EventSource: ptrTo(source(strings.TrimPrefix(r.URL.Path, eventSourcesPath(canvasID)+"/")))})
		default:
			writeError(w, 404, api.CodeNotFound, "no route")
		}
	})
	c.lists.after = 0 // these tests list at the first read
	for i := 1; i <= 3; i++ {
		es, err := c.ReadEventSource(context.Background(), canvasID, objID(i))
		if err != nil || es.Metadata.ID != objID(i) || es.Spec.Type != api.EventSourceTypeWebhook {
			t.Fatalf("read %d: %v %+v", i, err, es)
		}
	}
	if n := rec.count(http.MethodGet, eventSourcesPath(canvasID)); n != 1 {
		t.Errorf("list fetched %d times, want 1", n)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d requests, want the list and one GET", n)
	}
}

// TestFirstReadsGetBeforeAList: by default the first eight reads of a
// type and scope send their own GET, so a configuration managing a few
// objects of a large scope never lists all of it; the ninth fetches the
// list, which answers the reads after it.
func TestFirstReadsGetBeforeAList(t *testing.T) {
	f := newStageFixture(12)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.ReadStage(ctx, canvasID, objID(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if n, l := len(rec.requests()), rec.count(http.MethodGet, stagesPath(canvasID)); n != 3 || l != 0 {
		t.Fatalf("three reads made %d requests (%d lists), want three GETs", n, l)
	}
	for i := 3; i < 12; i++ {
		if _, err := c.ReadStage(ctx, canvasID, objID(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	lists, gets := 0, 0
	for _, r := range rec.requests() {
		if r.Path == stagesPath(canvasID) {
			lists++
		} else {
			gets++
		}
	}
	if lists != 1 || gets != DefaultSharedListAfter {
		t.Errorf("twelve reads: %d lists and %d GETs, want 1 and %d", lists, gets, DefaultSharedListAfter)
	}
}
