package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// requestCounter is a proxy in front of the acceptance server that
// records the requests it passes on ("GET /path"), in order.
type requestCounter struct {
	mu    sync.Mutex
	order []string
}

func newRequestCounter(t *testing.T) (*requestCounter, string) {
	t.Helper()
	target, err := url.Parse(os.Getenv(EnvEndpoint))
	if err != nil || target.Host == "" {
		t.Fatalf("acceptance endpoint %q: %v", os.Getenv(EnvEndpoint), err)
	}
	rc := &requestCounter{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.order = append(rc.order, r.Method+" "+r.URL.Path)
		rc.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// walks returns the requests since the last call, cut into the walks of
// Terraform that sent them: the provider's Configure opens each with GET
// /api/v1/me.
func (rc *requestCounter) walks() [][]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out [][]string
	for _, r := range rc.order {
		if r == "GET /api/v1/me" || out == nil {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r)
	}
	rc.order = nil
	return out
}

// TestAccDataSourcesShareLists: superplane_stage data sources read in a
// plan take their stage from the list of the canvas's stages that the
// refresh of the managed stage fetched, instead of a GET each; one whose
// stage the same apply creates, or changes, reads it as written (an
// apply refreshes nothing, so its reads are their own GETs); and a stage
// changed outside Terraform between two plans reads as changed.
func TestAccDataSourcesShareLists(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("needs TF_ACC=1")
	}
	t.Setenv(EnvSharedListsAfter, "0")
	counter, endpoint := newRequestCounter(t)
	canvas, managed := randName("acc-dsl"), randName("acc-dsl-stage")
	external := []string{"ext-a", "ext-b", "ext-c"}
	config := func(description string, withExternal bool) string {
		cfg := fmt.Sprintf(`
provider "superplane" {
  endpoint = %[1]q
}

resource "superplane_canvas" "test" {
  name = %[2]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "managed" {
  canvas      = superplane_canvas.test.name
  name        = %[3]q
  description = %[4]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  noop {}
}

data "superplane_stage" "managed" {
  canvas = superplane_stage.managed.canvas
  name   = superplane_stage.managed.name
}
`, endpoint, canvas, managed, description)
		if withExternal {
			cfg += `
data "superplane_stage" "external" {
  for_each   = toset(["ext-a", "ext-b", "ext-c"])
  canvas     = superplane_stage.managed.canvas
  name       = each.key
  depends_on = [superplane_stage.managed]
}
`
		}
		return cfg
	}
	dataDescription := func(addr, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact(want))
	}
	sameID := statecheck.CompareValuePairs("data.superplane_stage.managed", tfjsonpath.New("id"),
		"superplane_stage.managed", tfjsonpath.New("id"), compare.ValuesSame())
	// externalGets checks that, in each walk of the plan-only step before
	// it that refreshed the managed stage (and so listed the canvas's
	// stages), the external stages came from that list, never from a GET
	// of their own. A walk that refreshes nothing (the harness's first
	// plan is -refresh=false) sends their GETs, as an apply's does.
	externalGets := func() {
		listed := 0
		for _, walk := range counter.walks() {
			if !slices.Contains(walk, "GET /api/v1/canvases/"+canvas+"/stages") {
				continue
			}
			listed++
			for _, name := range external {
				if n := count(walk, "GET /api/v1/canvases/"+canvas+"/stages/"+name); n != 0 {
					t.Errorf("data source of %s: %d GETs of its own in a plan that listed the stages, want 0:\n%s",
						name, n, strings.Join(walk, "\n"))
				}
			}
		}
		if listed == 0 {
			t.Error("no walk of the plan-only step listed the canvas's stages")
		}
	}

	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkStageGone(canvas, managed),
		Steps: []tfresource.TestStep{
			{
				// Created and read in one apply.
				Config:            config("one", false),
				ConfigStateChecks: []statecheck.StateCheck{sameID, dataDescription("data.superplane_stage.managed", "one")},
			},
			{
				// Stages made outside Terraform, looked up by data sources.
				PreConfig: func() {
					ctx := accContext(t)
					for _, name := range external {
						if _, err := acc.client.CreateStage(ctx, canvas, client.StageParams{Name: name, Description: "outside", Spec: api.StageSpec{
							Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
							Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
						}}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: config("one", true),
				ConfigStateChecks: []statecheck.StateCheck{
					dataDescription(`data.superplane_stage.external["ext-a"]`, "outside"),
					dataDescription(`data.superplane_stage.external["ext-c"]`, "outside"),
				},
			},
			{
				PreConfig: func() { counter.walks() },
				Config:    config("one", true),
				PlanOnly:  true,
			},
			{
				// Changed outside between two plans: the next plan's list
				// is fetched afresh and shows it.
				PreConfig: func() {
					externalGets()
					ctx := accContext(t)
					st, err := acc.client.GetStage(ctx, canvas, "ext-b")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := acc.client.UpdateStage(ctx, canvas, "ext-b", client.StageParams{Name: "ext-b", Description: "changed outside", Spec: *st.Spec}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("one", true),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					dataDescription(`data.superplane_stage.external["ext-b"]`, "changed outside"),
				},
			},
			{
				// Changed by the apply that reads it: the data source sees
				// the new description.
				Config: config("two", true),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("superplane_stage.managed", plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID, dataDescription("data.superplane_stage.managed", "two")},
			},
			{
				// The stages made outside go before the source they connect
				// to is destroyed.
				PreConfig: func() {
					for _, name := range external {
						if err := acc.client.DeleteStage(accContext(t), canvas, name); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: config("two", false),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// count is how many of list are s.
func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
