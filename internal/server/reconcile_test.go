package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// slowHost sits in front of the fake GitHub: while hanging, a request for
// a repository of owner "slow" gets no answer until released; everything
// else passes through. It records which of slow's repositories were asked
// for, in order.
type slowHost struct {
	proxy   *httputil.ReverseProxy
	hanging atomic.Bool
	release chan struct{}

	mu    sync.Mutex
	repos []string
}

func (h *slowHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/repos/slow/"); ok {
		repo, _, _ := strings.Cut(rest, "/")
		h.mu.Lock()
		if len(h.repos) == 0 || h.repos[len(h.repos)-1] != repo {
			h.repos = append(h.repos, repo)
		}
		h.mu.Unlock()
		if h.hanging.Load() {
			select {
			case <-r.Context().Done():
				return
			case <-h.release:
			}
		}
	}
	h.proxy.ServeHTTP(w, r)
}

// slowRepos returns the distinct repositories of "slow" asked for.
func (h *slowHost) slowRepos() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, r := range h.repos {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// TestReconcilerFairAcrossOrganizations: organization acme's tool host
// hangs on every one of its ten sources; organization other's hook,
// deleted on GitHub, is still repaired by the same pass while acme's call
// hangs. acme's time budget for the pass stops it after its first source,
// and the next pass starts with a source the first did not reach.
func TestReconcilerFairAcrossOrganizations(t *testing.T) {
	gh := github.New(t)
	gh.AddOwner("slow", true)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook"})
	gh.AddRepo("acme", "app", "octocat")
	target, err := url.Parse(gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	host := &slowHost{proxy: httputil.NewSingleHostReverseProxy(target), release: make(chan struct{})}
	hostSrv := httptest.NewServer(host)
	t.Cleanup(hostSrv.Close)
	t.Cleanup(func() {
		if host.hanging.Load() {
			close(host.release)
		}
	})
	// A budget of 1ns: every organization checks one source per pass.
	e := newEnv(t, withTools(fakeTools(hostSrv.URL+"/", "")),
		withBaseURL("https://sp.example.com"), withReconcileLimits(8, time.Nanosecond))

	setup := func(who, owner string, repos []string) {
		e.do(who, "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}).decode(t, &api.CanvasResponse{})
		e.do(who, "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
		e.do(who, "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/"+owner, "gh", "token")).decode(t, &api.IntegrationResponse{})
		for _, repo := range repos {
			var created api.EventSourceResponse
			e.do(who, "POST", "/api/v1/canvases/prod/event-sources", sourceBody(repo, api.EventSourceSpec{
				Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Type: "repository", Name: repo},
			})).decode(t, &created)
			if st := created.EventSource.Status.Webhook.State; st != "ready" {
				t.Fatalf("%s's source %s: webhook %s", who, repo, st)
			}
		}
	}
	var slowRepos []string
	for i := range 10 {
		repo := fmt.Sprint("app", i)
		gh.AddRepo("slow", repo, "octocat")
		slowRepos = append(slowRepos, repo)
	}
	setup("owner", "slow", slowRepos)
	setup("other", "acme", []string{"app"})

	// other's hook is deleted on GitHub; acme's host stops answering.
	hooks := gh.Hooks("acme", "app")
	if len(hooks) != 1 || !gh.RemoveHook("acme", "app", hooks[0].ID) {
		t.Fatalf("other's hooks before the drift: %+v", hooks)
	}
	host.mu.Lock()
	host.repos = nil
	host.mu.Unlock()
	host.hanging.Store(true)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Reconcile(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 10*time.Second, "other's hook to be repaired and its status to say so", func() bool {
		var src api.EventSourceResponse
		e.do("other", "GET", "/api/v1/canvases/prod/event-sources/app", nil).decode(t, &src)
		return len(gh.Hooks("acme", "app")) == 1 && src.EventSource.Status.Webhook.State == "repaired"
	})
	select {
	case <-done:
		t.Fatal("the pass ended before acme's hung call did: the test shows nothing")
	default:
	}

	// acme's host answers again: its budget is spent, so the pass ends
	// after the one source it started.
	host.hanging.Store(false)
	close(host.release)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the pass did not end after acme's host answered")
	}
	first := host.slowRepos()
	if len(first) != 1 {
		t.Fatalf("acme's repositories checked in a pass with a spent budget: %v, want one", first)
	}

	// The next pass starts with a source the first one did not reach.
	e.engine.Reconcile(ctx)
	both := host.slowRepos()
	if len(both) != 2 || both[1] == first[0] {
		t.Errorf("acme's repositories checked over two passes: %v, want two different ones", both)
	}
}
