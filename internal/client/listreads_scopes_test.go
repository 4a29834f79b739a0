package client

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// scopeKind is one of the types listreads_scopes.go lists: its paths, an
// object of it, and its read.
type scopeKind struct {
	name           string
	listPath       string
	getPath        func(id string) string
	list           func(objs []objDesc) any
	get            func(o objDesc) any
	read           func(c *Client, id string) (id2, desc string, err error)
	wantDomainArgs bool // integrations: the domain in the query of both
}

type objDesc struct{ id, desc string }

func scopeKinds() []scopeKind {
	return []scopeKind{
		{
			name: "integrations", listPath: "/api/v1/integrations", wantDomainArgs: true,
			getPath: func(id string) string { return "/api/v1/integrations/" + id },
			list: func(objs []objDesc) any {
				out := api.ListIntegrationsResponse{Integrations: []api.Integration{}}
				for _, o := range objs {
					out.Integrations = append(out.Integrations, *integration(o))
				}
				return out
			},
			get: func(o objDesc) any { return api.IntegrationResponse{Integration: integration(o)} },
			read: func(c *Client, id string) (string, string, error) {
				in, err := c.ReadIntegration(context.Background(), api.DomainTypeOrganization, testOrgID, id)
				if err != nil {
					return "", "", err
				}
				return in.Metadata.ID, in.Metadata.Description, nil
			},
		},
		{
			name: "connection groups", listPath: groupsPath(canvasID),
			getPath: func(id string) string { return groupPath(canvasID, id) },
			list: func(objs []objDesc) any {
				out := api.ListConnectionGroupsResponse{ConnectionGroups: []api.ConnectionGroup{}}
				for _, o := range objs {
					out.ConnectionGroups = append(out.ConnectionGroups, *group(o))
				}
				return out
			},
			get: func(o objDesc) any { return api.ConnectionGroupResponse{ConnectionGroup: group(o)} },
			read: func(c *Client, id string) (string, string, error) {
				g, err := c.ReadConnectionGroup(context.Background(), canvasID, id)
				if err != nil {
					return "", "", err
				}
				return g.Metadata.ID, g.Metadata.Description, nil
			},
		},
		{
			name: "canvases", listPath: "/api/v1/canvases",
			getPath: func(id string) string { return "/api/v1/canvases/" + id },
			list: func(objs []objDesc) any {
				out := api.ListCanvasesResponse{Canvases: []api.Canvas{}}
				for _, o := range objs {
					out.Canvases = append(out.Canvases, api.Canvas{Metadata: &api.CanvasMetadata{ID: o.id, Name: "c-" + o.id[len(o.id)-4:], Description: o.desc}})
				}
				return out
			},
			get: func(o objDesc) any {
				return api.CanvasResponse{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{ID: o.id, Name: "c-" + o.id[len(o.id)-4:], Description: o.desc}}}
			},
			read: func(c *Client, id string) (string, string, error) {
				cv, err := c.ReadCanvas(context.Background(), id)
				if err != nil {
					return "", "", err
				}
				return cv.Metadata.ID, cv.Metadata.Description, nil
			},
		},
	}
}

func integration(o objDesc) *api.Integration {
	return &api.Integration{Metadata: &api.IntegrationMetadata{ID: o.id, Name: "i-" + o.id[len(o.id)-4:], Description: o.desc,
		DomainType: api.DomainTypeOrganization, DomainID: testOrgID}, Spec: &api.IntegrationSpec{Type: "github"}}
}

func group(o objDesc) *api.ConnectionGroup {
	return &api.ConnectionGroup{Metadata: &api.ConnectionGroupMetadata{ID: o.id, Name: "g-" + o.id[len(o.id)-4:], Description: o.desc, CanvasID: canvasID},
		Spec: &api.ConnectionGroupSpec{}}
}

// scopeFixture is a fake scope of objects of one kind whose descriptions
// a test changes, deletes or adds between reads, as a user outside
// Terraform would; failList makes the list answer 403.
type scopeFixture struct {
	mu       sync.Mutex
	kind     scopeKind
	objs     map[string]string
	order    []string
	failList bool
	badQuery int
}

func (f *scopeFixture) set(id, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.objs[id]; !ok {
		f.order = append(f.order, id)
	}
	if desc == "" {
		delete(f.objs, id)
		return
	}
	f.objs[id] = desc
}

func (f *scopeFixture) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kind.wantDomainArgs && (r.URL.Query().Get("domainType") != api.DomainTypeOrganization || r.URL.Query().Get("domainId") != testOrgID) {
		f.badQuery++
		writeError(w, 400, api.CodeInvalidArgument, "domain missing from "+r.URL.String())
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == f.kind.listPath:
		if f.failList {
			writeError(w, 403, api.CodePermissionDenied, "no list for you")
			return
		}
		var objs []objDesc
		for _, id := range f.order {
			if d, ok := f.objs[id]; ok {
				objs = append(objs, objDesc{id, d})
			}
		}
		writeJSON(w, 200, f.kind.list(objs))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, f.kind.listPath+"/"):
		id := strings.TrimPrefix(r.URL.Path, f.kind.listPath+"/")
		d, ok := f.objs[id]
		if !ok {
			writeError(w, 404, api.CodeNotFound, "not found")
			return
		}
		writeJSON(w, 200, f.kind.get(objDesc{id, d}))
	default:
		writeError(w, 404, api.CodeNotFound, "no route")
	}
}

// TestReadsShareListsOfOtherScopes: integrations, connection groups and
// canvases are read as secrets, sources and stages are: the reads of one
// walk share one list; an object created since is read with its own GET, a
// second read of an object asks the server again and sees a change made
// outside, an object deleted outside is not found (so its resource plans
// its re-creation); forgetting (every write does) drops the list; a list
// that fails leaves
// every read to its own GET.
func TestReadsShareListsOfOtherScopes(t *testing.T) {
	for _, kind := range scopeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			f := &scopeFixture{kind: kind, objs: map[string]string{}}
			for i := 1; i <= 5; i++ {
				f.set(objID(i), "v1")
			}
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
			c.lists.after = 0 // list at the first read
			for i := 1; i <= 5; i++ {
				id, desc, err := kind.read(c, objID(i))
				if err != nil || id != objID(i) || desc != "v1" {
					t.Fatalf("read %d: %v, %s %q", i, err, id, desc)
				}
			}
			if n, all := rec.count(http.MethodGet, kind.listPath), len(rec.requests()); n != 1 || all != 1 {
				t.Fatalf("5 reads: %d lists in %d requests, want the one list", n, all)
			}

			f.set(objID(6), "new")
			if _, desc, err := kind.read(c, objID(6)); err != nil || desc != "new" {
				t.Errorf("an object created since the list: %v %q", err, desc)
			}
			if n := rec.count(http.MethodGet, kind.getPath(objID(6))); n != 1 {
				t.Errorf("an object missing from the list: %d GETs, want 1", n)
			}
			f.set(objID(1), "changed outside")
			if _, desc, err := kind.read(c, objID(1)); err != nil || desc != "changed outside" {
				t.Errorf("second read: %v %q, want the change made outside", err, desc)
			}
			f.set(objID(7), "")
			if _, _, err := kind.read(c, objID(7)); !IsNotFound(err) {
				t.Errorf("an object that does not exist: %v, want not found", err)
			}

			// A new walk (a new client) lists afresh and does not see the
			// object deleted outside since the last one.
			f.set(objID(2), "")
			c2, rec2 := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
			c2.lists.after = 0
			if _, _, err := kind.read(c2, objID(3)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := kind.read(c2, objID(2)); !IsNotFound(err) {
				t.Errorf("an object deleted outside Terraform: %v, want not found", err)
			}
			// Forgotten, as every write of the client forgets the lists
			// (TestWriteForgetsLists): the next read lists again.
			c2.ForgetLists()
			f.set(objID(4), "after the write")
			if _, desc, err := kind.read(c2, objID(4)); err != nil || desc != "after the write" {
				t.Errorf("read after a write: %v %q", err, desc)
			}
			if n := rec2.count(http.MethodGet, kind.listPath); n != 2 {
				t.Errorf("lists: %d, want 2 (one before and one after the write)", n)
			}

			// A list that fails: every read is its own GET, and succeeds.
			f.mu.Lock()
			f.failList = true
			f.mu.Unlock()
			c3, rec3 := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
			c3.lists.after = 0
			for _, i := range []int{1, 3, 5} {
				if id, _, err := kind.read(c3, objID(i)); err != nil || id != objID(i) {
					t.Fatalf("read %d with a failing list: %v", i, err)
				}
			}
			if n := rec3.count(http.MethodGet, kind.listPath); n != 1 {
				t.Errorf("a failing list asked %d times, want once", n)
			}
			for _, i := range []int{1, 3, 5} {
				if n := rec3.count(http.MethodGet, kind.getPath(objID(i))); n != 1 {
					t.Errorf("object %d: %d GETs with the list failing, want 1", i, n)
				}
			}
			if f.badQuery != 0 {
				t.Errorf("%d requests without the integration's domain", f.badQuery)
			}
		})
	}
}

// TestReadCanvasByNameIsItsGet: a canvas read by name (an import's) is
// never answered from the list: GetCanvas checks the answer is that name's.
func TestReadCanvasByNameIsItsGet(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, api.CanvasResponse{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{ID: canvasID, Name: "prod"}}})
	})
	c.lists.after = 0
	for range 3 {
		if cv, err := c.ReadCanvas(context.Background(), "prod"); err != nil || cv.Metadata.ID != canvasID {
			t.Fatalf("%v %+v", err, cv)
		}
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases"); n != 0 {
		t.Errorf("reads by name listed the canvases %d times", n)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests, want 3 GETs", n)
	}
}
