package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// newV1Proxy stands in front of the acceptance server and behaves as the
// SuperPlane v1 servers measured in issue 12 do where they differ from
// this one: a stage answered back names the scope of each secret reference
// sent without one (the scope the server chose), and a stage create or
// update whose from_event value has no connection is refused with 400.
func newV1Proxy(t *testing.T) string {
	t.Helper()
	rp := stageAnswerProxy(t, fillSecretScopes)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/stages") && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var doc any
			_ = json.Unmarshal(body, &doc)
			if field := missingEventConnection(doc); field != "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"code":3,"message":"%s is required"}`, field)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fillSecretScopes sets domainType on every secret reference without one
// (absent, or DOMAIN_TYPE_UNSPECIFIED as this server answers it), as a
// server that chose the canvas would answer.
func fillSecretScopes(v any) {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["secret"].(map[string]any); ok && ref["key"] != nil {
			if dt, _ := ref["domainType"].(string); dt == "" || dt == "DOMAIN_TYPE_UNSPECIFIED" {
				ref["domainType"] = "DOMAIN_TYPE_CANVAS"
			}
		}
		for _, e := range x {
			fillSecretScopes(e)
		}
	case []any:
		for _, e := range x {
			fillSecretScopes(e)
		}
	}
}

// missingEventConnection returns the field path of the first eventData
// value without a connection in a stage request, or "".
func missingEventConnection(doc any) string {
	root, _ := doc.(map[string]any)
	stage, _ := root["stage"].(map[string]any)
	spec, _ := stage["spec"].(map[string]any)
	mappings, _ := spec["inputMappings"].([]any)
	for i, m := range mappings {
		mm, _ := m.(map[string]any)
		values, _ := mm["values"].([]any)
		for j, v := range values {
			vm, _ := v.(map[string]any)
			from, _ := vm["valueFrom"].(map[string]any)
			ev, ok := from["eventData"].(map[string]any)
			if c, _ := ev["connection"].(string); ok && c == "" {
				return fmt.Sprintf("stage.spec.inputMappings[%d].values[%d].valueFrom.eventData.connection", i, j)
			}
		}
	}
	return ""
}

// TestAccStageResourceV1Server applies a stage whose secret block has no
// scope and whose from_event has no connection through a server that
// behaves as SuperPlane v1 does (newV1Proxy): the apply succeeds (the
// request names the only connection; the scope the server answers is
// accepted, not "inconsistent result after apply"), the state shows both,
// and the next plan is empty.
func TestAccStageResourceV1Server(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("needs TF_ACC=1")
	}
	proxy := newV1Proxy(t)
	canvas, secret, stage := randName("acc-v1"), randName("acc-v1-secret"), randName("acc-v1-stage")
	addr := "superplane_stage.test"
	value := secretValue()
	config := func(firstSecret string) string {
		return fmt.Sprintf(`
provider "superplane" {
  endpoint = %[1]q
}

resource "superplane_canvas" "test" {
  name = %[2]q
}

resource "superplane_secret" "deploy" {
  canvas = superplane_canvas.test.name
  name   = %[3]q
  data   = { token = %[5]q }
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %[4]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "V"
  }

  input_mapping {
    value {
      name = "V"
      from_event {
        expression = "$.version"
      }
    }
  }

%[6]s
  secret {
    name   = "TOKEN"
    secret = superplane_secret.deploy.name
    key    = "token"
  }

  noop {}
}
`, proxy, canvas, secret, stage, value, firstSecret)
	}
	// A secret block inserted before the other: at index 0 it names
	// another alias, so it must not inherit the scope of the block that was
	// there.
	inserted := `
  secret {
    name   = "FIRST"
    secret = superplane_secret.deploy.name
    key    = "token"
  }
`
	scope := func(i int) tfjsonpath.Path { return tfjsonpath.New("secret").AtSliceIndex(i).AtMapKey("scope") }

	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkStageGone(canvas, stage),
		Steps: []tfresource.TestStep{
			{
				Config: config(""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						// Known at plan time: the stage's only connection.
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("input_mapping").AtSliceIndex(0).AtMapKey("value").AtSliceIndex(0).
							AtMapKey("from_event").AtMapKey("connection"), knownvalue.StringExact("hook")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret").AtSliceIndex(0).AtMapKey("scope"), knownvalue.StringExact("canvas")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("input_mapping").AtSliceIndex(0).AtMapKey("value").AtSliceIndex(0).
						AtMapKey("from_event").AtMapKey("connection"), knownvalue.StringExact("hook")),
				},
			},
			{
				Config: config(""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: config(inserted),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, scope(0)),
						plancheck.ExpectUnknownValue(addr, scope(1)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, scope(0), knownvalue.StringExact("canvas")),
					statecheck.ExpectKnownValue(addr, scope(1), knownvalue.StringExact("canvas")),
				},
			},
			{
				Config: config(inserted),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Another change: blocks naming the same secrets keep the
				// scope the server chose, known in the plan.
				Config: config(inserted + "\n  description = \"changed\"\n"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, scope(0), knownvalue.StringExact("canvas")),
						plancheck.ExpectKnownValue(addr, scope(1), knownvalue.StringExact("canvas")),
					},
				},
			},
		},
	})
}

// stageAnswerProxy is a reverse proxy to the acceptance server that
// rewrites the JSON of every successful stage answer with rewrite: how the
// tests stand in for another server's answers.
func stageAnswerProxy(t *testing.T, rewrite func(doc any)) *httputil.ReverseProxy {
	t.Helper()
	target, err := url.Parse(os.Getenv(EnvEndpoint))
	if err != nil || target.Host == "" {
		t.Fatalf("acceptance endpoint %q: %v", os.Getenv(EnvEndpoint), err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		// The answer is rewritten below: it must come as plain JSON.
		r.Out.Header.Del("Accept-Encoding")
	}}
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.Contains(resp.Request.URL.Path, "/stages") || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		var doc any
		if json.Unmarshal(body, &doc) == nil {
			rewrite(doc)
			body, _ = json.Marshal(doc)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	return rp
}
