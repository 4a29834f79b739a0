package client

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// namedObj is an object of a fake scope: its id, name and description.
type namedObj struct{ id, name, desc string }

// namedKind is one type the data sources look up by name: its list path,
// an answer of its list and of its GET, its refresh (by id) and its lookup
// (by name).
type namedKind struct {
	name     string
	listPath string
	list     func(objs []namedObj) any
	get      func(o namedObj) any
	read     func(c *Client, id string) (string, error)   // a resource's refresh: the description
	lookup   func(c *Client, name string) (string, error) // a data source's read: the description
}

// kindOf is the namedKind of objects of type T: obj makes one of a
// namedObj, list and get wrap them as their list's and GET's answers, read
// and lookup are the client's calls by id and by name, and desc finds the
// description where obj put it.
func kindOf[T any](name, listPath string, obj func(namedObj) *T, list func([]T) any, get func(*T) any,
	read, lookup func(c *Client, key string) (*T, error), desc func(*T) string) namedKind {
	described := func(call func(c *Client, key string) (*T, error)) func(c *Client, key string) (string, error) {
		return func(c *Client, key string) (string, error) {
			v, err := call(c, key)
			if err != nil {
				return "", err
			}
			return desc(v), nil
		}
	}
	return namedKind{
		name: name, listPath: listPath,
		list: func(objs []namedObj) any {
			out := []T{}
			for _, o := range objs {
				out = append(out, *obj(o))
			}
			return list(out)
		},
		get:  func(o namedObj) any { return get(obj(o)) },
		read: described(read), lookup: described(lookup),
	}
}

func namedKinds() []namedKind {
	ctx := context.Background()
	return []namedKind{
		kindOf("secrets", "/api/v1/secrets", namedSecret,
			func(s []api.Secret) any { return api.ListSecretsResponse{Secrets: s} },
			func(s *api.Secret) any { return api.SecretResponse{Secret: s} },
			func(c *Client, id string) (*api.Secret, error) {
				return c.ReadSecret(ctx, api.DomainTypeOrganization, testOrgID, id)
			},
			func(c *Client, name string) (*api.Secret, error) {
				return c.LookupSecret(ctx, api.DomainTypeOrganization, testOrgID, name)
			},
			func(s *api.Secret) string { return s.Metadata.DomainID }),
		kindOf("event sources", eventSourcesPath(canvasID),
			func(o namedObj) *api.EventSource {
				return &api.EventSource{Metadata: &api.EventSourceMetadata{ID: o.id, Name: o.name, Description: o.desc}}
			},
			func(es []api.EventSource) any { return api.ListEventSourcesResponse{EventSources: es} },
			func(es *api.EventSource) any { return api.EventSourceResponse{EventSource: es} },
			func(c *Client, id string) (*api.EventSource, error) { return c.ReadEventSource(ctx, canvasID, id) },
			func(c *Client, name string) (*api.EventSource, error) {
				return c.LookupEventSource(ctx, canvasID, name)
			},
			func(es *api.EventSource) string { return es.Metadata.Description }),
		kindOf("stages", stagesPath(canvasID),
			func(o namedObj) *api.Stage {
				return &api.Stage{Metadata: &api.StageMetadata{ID: o.id, Name: o.name, Description: o.desc}}
			},
			func(st []api.Stage) any { return api.ListStagesResponse{Stages: st} },
			func(st *api.Stage) any { return api.StageResponse{Stage: st} },
			func(c *Client, id string) (*api.Stage, error) { return c.ReadStage(ctx, canvasID, id) },
			func(c *Client, name string) (*api.Stage, error) { return c.LookupStage(ctx, canvasID, name) },
			func(st *api.Stage) string { return st.Metadata.Description }),
	}
}

// namedSecret keeps the description in DomainID's place, which a secret
// has no field for: the fake's domain is the query's all the same.
func namedSecret(o namedObj) *api.Secret {
	return &api.Secret{Metadata: &api.SecretMetadata{ID: o.id, Name: o.name, DomainType: api.DomainTypeOrganization, DomainID: o.desc}}
}

// namedKindsOfOtherScopes are the types of listreads_scopes.go, as
// namedKinds.
func namedKindsOfOtherScopes() []namedKind {
	ctx := context.Background()
	return []namedKind{
		kindOf("integrations", "/api/v1/integrations",
			func(o namedObj) *api.Integration {
				return &api.Integration{Metadata: &api.IntegrationMetadata{ID: o.id, Name: o.name, Description: o.desc}}
			},
			func(in []api.Integration) any { return api.ListIntegrationsResponse{Integrations: in} },
			func(in *api.Integration) any { return api.IntegrationResponse{Integration: in} },
			func(c *Client, id string) (*api.Integration, error) {
				return c.ReadIntegration(ctx, api.DomainTypeOrganization, testOrgID, id)
			},
			func(c *Client, name string) (*api.Integration, error) {
				return c.LookupIntegration(ctx, api.DomainTypeOrganization, testOrgID, name)
			},
			func(in *api.Integration) string { return in.Metadata.Description }),
		kindOf("connection groups", groupsPath(canvasID),
			func(o namedObj) *api.ConnectionGroup {
				return &api.ConnectionGroup{Metadata: &api.ConnectionGroupMetadata{ID: o.id, Name: o.name, Description: o.desc}}
			},
			func(g []api.ConnectionGroup) any { return api.ListConnectionGroupsResponse{ConnectionGroups: g} },
			func(g *api.ConnectionGroup) any { return api.ConnectionGroupResponse{ConnectionGroup: g} },
			func(c *Client, id string) (*api.ConnectionGroup, error) {
				return c.ReadConnectionGroup(ctx, canvasID, id)
			},
			func(c *Client, name string) (*api.ConnectionGroup, error) {
				return c.LookupConnectionGroup(ctx, canvasID, name)
			},
			func(g *api.ConnectionGroup) string { return g.Metadata.Description }),
		kindOf("canvases", "/api/v1/canvases",
			func(o namedObj) *api.Canvas {
				return &api.Canvas{Metadata: &api.CanvasMetadata{ID: o.id, Name: o.name, Description: o.desc}}
			},
			func(cv []api.Canvas) any { return api.ListCanvasesResponse{Canvases: cv} },
			func(cv *api.Canvas) any { return api.CanvasResponse{Canvas: cv} },
			func(c *Client, id string) (*api.Canvas, error) { return c.ReadCanvas(ctx, id) },
			func(c *Client, name string) (*api.Canvas, error) { return c.LookupCanvas(ctx, name) },
			func(cv *api.Canvas) string { return cv.Metadata.Description }),
	}
}

// namedFixture is a fake scope of one kind whose objects a test adds,
// changes and deletes between reads, as a user outside Terraform would.
// Its GET takes an id or a name, as the servers' do (a canvas's name comes
// as ?name= with the nil UUID in the path).
type namedFixture struct {
	mu   sync.Mutex
	kind namedKind
	objs []namedObj
}

func (f *namedFixture) set(o namedObj) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.objs {
		if f.objs[i].id == o.id {
			f.objs[i] = o
			return
		}
	}
	f.objs = append(f.objs, o)
}

func (f *namedFixture) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == f.kind.listPath:
		var live []namedObj
		for _, o := range f.objs {
			if o.desc != "" {
				live = append(live, o)
			}
		}
		writeJSON(w, 200, f.kind.list(live))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, f.kind.listPath+"/"):
		key := strings.TrimPrefix(r.URL.Path, f.kind.listPath+"/")
		if key == nilUUID {
			key = r.URL.Query().Get("name")
		}
		for _, o := range f.objs {
			if o.desc != "" && (o.id == key || o.name == key) {
				writeJSON(w, 200, f.kind.get(o))
				return
			}
		}
		writeError(w, 404, api.CodeNotFound, "not found")
	default:
		writeError(w, 404, api.CodeNotFound, "no route")
	}
}

// gets counts the requests of rec that are not the list.
func gets(rec *recorder, listPath string) int {
	n := 0
	for _, r := range rec.requests() {
		if r.Method == http.MethodGet && r.Path != listPath {
			n++
		}
	}
	return n
}

// TestDataSourceLookupsShareLists: a data source's lookup by name is
// answered from the list its walk's refreshes share, for every type that has
// one, once a resource has been refreshed (a plan's walk: before that, as in
// an apply's walk, where nothing is refreshed, each lookup sends its own
// GET); an object created since the list, or already handed out, is looked
// up with its own GET and seen as it is; after a write (ForgetLists) the
// next lookup sees the change; a name two entries share, and a name that is
// an id, are their own GETs.
func TestDataSourceLookupsShareLists(t *testing.T) {
	for _, kind := range append(namedKinds(), namedKindsOfOtherScopes()...) {
		t.Run(kind.name, func(t *testing.T) {
			f := &namedFixture{kind: kind}
			name := func(i int) string { return "n" + objID(i)[len(objID(i))-2:] }
			for i := 1; i <= 6; i++ {
				f.set(namedObj{objID(i), name(i), "v1"})
			}
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
			c.lists.after = 0 // list at the first read

			// No refresh yet (an apply's walk): each lookup is its own GET.
			if desc, err := kind.lookup(c, name(1)); err != nil || desc != "v1" {
				t.Fatalf("lookup before any refresh: %v %q", err, desc)
			}
			if n, g := rec.count(http.MethodGet, kind.listPath), gets(rec, kind.listPath); n != 0 || g != 1 {
				t.Fatalf("lookup before any refresh: %d lists, %d GETs; want 0 and 1", n, g)
			}

			// A refresh lists; the lookups of the other objects share it.
			if desc, err := kind.read(c, objID(1)); err != nil || desc != "v1" {
				t.Fatalf("refresh: %v %q", err, desc)
			}
			for i := 2; i <= 5; i++ {
				if desc, err := kind.lookup(c, name(i)); err != nil || desc != "v1" {
					t.Fatalf("lookup %d: %v %q", i, err, desc)
				}
			}
			if n, g := rec.count(http.MethodGet, kind.listPath), gets(rec, kind.listPath); n != 1 || g != 1 {
				t.Fatalf("a refresh and 4 lookups: %d lists, %d GETs; want 1 and 1 (the first lookup's)", n, g)
			}

			// Handed out already (the refresh's), created since, changed
			// since and looked up again, missing: their own GETs.
			f.set(namedObj{objID(1), name(1), "changed outside"})
			if desc, err := kind.lookup(c, name(1)); err != nil || desc != "changed outside" {
				t.Errorf("lookup of an object the refresh took: %v %q", err, desc)
			}
			f.set(namedObj{objID(7), name(7), "new"})
			if desc, err := kind.lookup(c, name(7)); err != nil || desc != "new" {
				t.Errorf("lookup of an object created since the list: %v %q", err, desc)
			}
			f.set(namedObj{objID(2), name(2), "changed again"})
			if desc, err := kind.lookup(c, name(2)); err != nil || desc != "changed again" {
				t.Errorf("second lookup: %v %q, want the change made outside", err, desc)
			}
			if _, err := kind.lookup(c, "absent"); !IsNotFound(err) {
				t.Errorf("lookup of a name nothing has: %v, want not found", err)
			}
			if g := gets(rec, kind.listPath); g != 5 {
				t.Errorf("%d GETs, want 5", g)
			}

			// A write forgets the list: the next lookup lists again and
			// sees the change.
			c.ForgetLists()
			f.set(namedObj{objID(6), name(6), "after the write"})
			if desc, err := kind.lookup(c, name(6)); err != nil || desc != "after the write" {
				t.Errorf("lookup after a write: %v %q", err, desc)
			}
			if n, g := rec.count(http.MethodGet, kind.listPath), gets(rec, kind.listPath); n != 2 || g != 5 {
				t.Errorf("after the write: %d lists, %d GETs; want 2 and 5", n, g)
			}

			// A name that is an id is its own GET, as is one two entries
			// of a list share.
			c.ForgetLists()
			f.set(namedObj{objID(8), name(3), "twin"})
			if _, err := kind.lookup(c, name(3)); err != nil {
				t.Errorf("lookup of a name two entries share: %v", err)
			}
			if desc, err := kind.lookup(c, objID(4)); err != nil || desc != "v1" {
				t.Errorf("lookup by id: %v %q", err, desc)
			}
			if n, g := rec.count(http.MethodGet, kind.listPath), gets(rec, kind.listPath); n != 3 || g != 7 {
				t.Errorf("a shared name and an id: %d lists, %d GETs; want 3 and 7", n, g)
			}
		})
	}
}

// TestDataSourceLookupsWithSharedListsOff: with the lists off every lookup
// is its own GET, a refresh having run or not.
func TestDataSourceLookupsWithSharedListsOff(t *testing.T) {
	kind := namedKinds()[2]
	f := &namedFixture{kind: kind}
	for i := 1; i <= 3; i++ {
		f.set(namedObj{objID(i), "n" + objID(i)[34:], "v1"})
	}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { f.serve(w, r) })
	c.lists.after, c.lists.off = 0, true
	if _, err := kind.read(c, objID(1)); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 3; i++ {
		if _, err := kind.lookup(c, "n"+objID(i)[34:]); err != nil {
			t.Fatal(err)
		}
	}
	if n, g := rec.count(http.MethodGet, kind.listPath), gets(rec, kind.listPath); n != 0 || g != 3 {
		t.Errorf("lists off: %d lists, %d GETs; want 0 and 3", n, g)
	}
}
