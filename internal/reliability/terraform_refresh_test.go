package reliability

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// requestCounter is a loopback proxy in front of the server that counts
// the provider's requests by kind: "list stages", "get stage", "me"...
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// kindOf names a request: the list or the GET of a secret, source or stage.
func kindOf(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/api/v1/")
	if r.Method != http.MethodGet {
		return r.Method + " " + p
	}
	parts := strings.Split(p, "/")
	what := "GET " + p
	switch {
	case p == "me":
		what = "me"
	case p == "secrets":
		what = "list secrets"
	case len(parts) == 2 && parts[0] == "secrets":
		what = "get secret"
	case len(parts) == 3 && parts[0] == "canvases" && parts[2] == "event-sources":
		what = "list event sources"
	case len(parts) == 4 && parts[0] == "canvases" && parts[2] == "event-sources":
		what = "get event source"
	case len(parts) == 3 && parts[0] == "canvases" && parts[2] == "stages":
		what = "list stages"
	case len(parts) == 4 && parts[0] == "canvases" && parts[2] == "stages":
		what = "get stage"
	}
	return what
}

func newRequestCounter(t *testing.T, target string) (*requestCounter, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rc := &requestCounter{counts: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.counts[kindOf(r)]++
		rc.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// take returns the counts so far and starts again from zero.
func (rc *requestCounter) take() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.counts
	rc.counts = map[string]int{}
	return out
}

func describeCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, m[k])
	}
	return b.String()
}

// TestPlanReadsOneListPerScope drives the real terraform (1.11) against
// the server through a counting proxy. The provider refreshes secrets,
// webhook event sources and stages from one list per type and scope
// instead of one GET each (internal/client's listreads.go), and keeps
// those lists in the client of one walk only. The test pins what makes that
// safe with Terraform: every `terraform plan` is a new provider process
// that configures the provider once (one GET /me) and lists each scope
// once, so a stage changed and a secret deleted outside Terraform after the
// apply show in the next plan as an update and a create; and once applied,
// the plan after is empty.
func TestPlanReadsOneListPerScope(t *testing.T) {
	skipIfShort(t)
	terraformPath(t)
	shape := tfShape{canvas: 1, sources: 4, stages: 4, woSecrets: 4, plainSecrets: 6}
	_, srv, token, w, _ := tfSetup(t, shape)
	counter, proxyURL := newRequestCounter(t, srv.url)
	// The last value of a variable in a process's environment wins.
	// A few objects a scope here: list at the first read (the default is
	// eight GETs first, for configurations that manage a few objects of a
	// large scope).
	w.env = append(w.env, "SUPERPLANE_API_URL="+proxyURL, "SUPERPLANE_SHARED_LISTS_AFTER=0")
	canvas := "tfplan-" + randomHex(4)
	w.writeConfig(tfConfig(canvas, shape, 1))
	if code, out, _ := w.run(5*time.Minute, "apply", "-auto-approve", "-parallelism=10"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, lastLines(out, 40))
	}
	counter.take()

	// A plan with nothing to do: one list per scope, no GET per object.
	// Secrets live in two scopes (the organization's, the canvas's).
	wantPlan := map[string]int{"me": 1, "list secrets": 2, "list event sources": 1, "list stages": 1}
	// maxGets is how many objects a plan reads with their own GET: one
	// deleted outside Terraform is not in its list, so it is looked up
	// (and found missing).
	checkPlan := func(when string, wantExit, maxGets int, contains ...string) {
		t.Helper()
		code, out, _ := w.run(5*time.Minute, "plan", "-detailed-exitcode", "-parallelism=10")
		got := counter.take()
		if code != wantExit {
			t.Fatalf("plan %s: exit %d, want %d\n%s", when, code, wantExit, lastLines(out, 60))
		}
		for _, s := range contains {
			if !strings.Contains(out, s) {
				t.Errorf("plan %s does not say %q:\n%s", when, s, lastLines(out, 60))
			}
		}
		for k, n := range wantPlan {
			if got[k] != n {
				t.Errorf("plan %s: %d requests %q, want %d (all: %s)", when, got[k], k, n, describeCounts(got))
			}
		}
		if gets := got["get secret"] + got["get event source"] + got["get stage"]; gets > maxGets {
			t.Errorf("plan %s: %d GETs of single objects, want at most %d (all: %s)", when, gets, maxGets, describeCounts(got))
		}
	}
	checkPlan("after the apply", 0, 0)

	// Outside Terraform: stage-0's description changes, plain-1 (an
	// organization secret) is deleted.
	hc := newHTTPClient()
	var st api.StageResponse
	stageURL := srv.url + "/api/v1/canvases/" + canvas + "/stages/stage-0"
	mustJSON(t, hc, http.MethodGet, stageURL, token, nil, &st)
	mustJSON(t, hc, http.MethodPatch, stageURL, token, api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: "stage-0", Description: "changed outside Terraform"},
		Spec:     st.Stage.Spec,
	}}, nil)
	var me api.Me
	mustJSON(t, hc, http.MethodGet, srv.url+"/api/v1/me", token, nil, &me)
	mustJSON(t, hc, http.MethodDelete, srv.url+"/api/v1/secrets/plain-1?domainType="+api.DomainTypeOrganization+"&domainId="+me.OrganizationID, token, nil, nil)
	counter.take()

	checkPlan("after the changes outside", 2, 1,
		"superplane_stage.stage[0] will be updated in-place",
		"superplane_secret.plain[1] will be created")
	// Twice: the second plan (a new process) sees the same, not a list
	// kept from the first.
	checkPlan("again", 2, 1,
		"superplane_stage.stage[0] will be updated in-place",
		"superplane_secret.plain[1] will be created")

	if code, out, _ := w.run(5*time.Minute, "apply", "-auto-approve", "-parallelism=10"); code != 0 {
		t.Fatalf("apply of the drift: exit %d\n%s", code, lastLines(out, 40))
	}
	applied := counter.take()
	// An apply is two walks (plan, apply) in two provider processes: each
	// configures the provider once, and the plan walk lists each scope once.
	if applied["me"] != 2 || applied["list stages"] != 1 || applied["get stage"] != 0 {
		t.Errorf("apply: %s; want me=2, one list of stages, no GET of a stage", describeCounts(applied))
	}
	checkPlan("after applying the drift", 0, 0)
}
