package provider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// stageReceiver is the HTTP endpoint an http stage calls in the tests: it
// records each request and answers with an outputs object.
type stageReceiver struct {
	mu    sync.Mutex
	calls []stageCall
}

// stageCall is one request the receiver got.
type stageCall struct {
	header http.Header
	body   map[string]any
}

func (rc *stageReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	rc.mu.Lock()
	rc.calls = append(rc.calls, stageCall{header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"outputs":{"version":"1.2.3"}}`)
}

func (rc *stageReceiver) received() []stageCall {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]stageCall(nil), rc.calls...)
}

// newStageReceiver starts a receiver on loopback, which the acceptance
// server is allowed to call (SUPERPLANE_ALLOWED_NETWORKS).
func newStageReceiver(t *testing.T) (*stageReceiver, string) {
	rc := &stageReceiver{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// stageStateAttrs returns the flat state attributes of addr.
func stageStateAttrs(s *terraform.State, addr string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes, nil
}

// postStageEvent delivers body to the custom webhook source at sourceAddr,
// signed with its key (HMAC-SHA256, X-Signature-256: sha256=<hex>), and
// records the key for the leak check.
func postStageEvent(s *terraform.State, sourceAddr, body string) error {
	a, err := stageStateAttrs(s, sourceAddr)
	if err != nil {
		return err
	}
	key := a["key"]
	if key == "" {
		return fmt.Errorf("%s has no key in state", sourceAddr)
	}
	recordSourceKey(key)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(body))
	url := strings.TrimSuffix(os.Getenv(EnvEndpoint), "/") + "/api/v1/sources/" + a["id"]
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("delivery to %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// waitStageExecution polls the stage's executions (bounded) until the
// newest has finished, and returns it with the raw JSON of the list.
func waitStageExecution(canvas, stage string) (*api.Execution, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	for {
		list, err := acc.client.ListExecutions(ctx, canvas, stage, client.ExecutionQuery{Limit: 10})
		if err != nil {
			return nil, nil, err
		}
		if len(list.Executions) > 0 && list.Executions[0].State == api.ExecutionStateFinished {
			raw, err := json.Marshal(list)
			return &list.Executions[0], raw, err
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("no finished execution of stage %s in time (%d so far)", stage, len(list.Executions))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// executionOutputs returns an execution's outputs as a map.
func executionOutputs(ex *api.Execution) map[string]string {
	out := map[string]string{}
	for _, o := range ex.Outputs {
		out[o.Name] = o.Value
	}
	return out
}

// checkStageGone checks that the server no longer has the stage.
func checkStageGone(canvas, name string) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := acc.client.GetStage(context.Background(), canvas, name)
		if err == nil {
			return fmt.Errorf("stage %s still exists", name)
		}
		if !client.IsNotFound(err) {
			return err
		}
		return nil
	}
}

// stageHTTPConfig is a canvas with a secret holding token (write-only), a
// custom webhook source "hook", and an http stage that sends the secret in a
// header and an input mapped from the event in its payload. In HCL a
// literal "${" is written "$${".
func stageHTTPConfig(canvas, secret, token, stage, description, url string, timeout int) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_secret" "deploy" {
  canvas          = superplane_canvas.test.name
  name            = %[2]q
  data_wo         = { token = %[3]q }
  data_wo_version = 1
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas      = superplane_canvas.test.name
  name        = %[4]q
  description = %[5]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  input {
    name        = "COMMIT"
    description = "the pushed commit"
  }

  input_mapping {
    value {
      name = "COMMIT"
      from_event {
        connection = superplane_event_source.hook.name
        expression = "$.after"
      }
    }
  }

  output {
    name     = "version"
    required = true
  }

  secret {
    name   = "TOKEN"
    secret = superplane_secret.deploy.name
    key    = "token"
    scope  = "canvas"
  }

  http {
    url = %[6]q
    headers = {
      Authorization = "Bearer $${{ secrets.TOKEN }}"
    }
    payload = {
      commit = "$${{ inputs.COMMIT }}"
      kind   = "deploy"
    }
    status_codes    = [200, 201]
    timeout_seconds = %[7]d
  }
}
`, canvas, secret, token, stage, description, url, timeout)
}

// TestAccStageResourceHTTP runs an http stage end to end with a secret in
// a header: apply, a signed event, the execution passing with the receiver's
// outputs, import, and an update in place. It writes a TF_LOG=trace log that
// the leak check scans for the secret, so it does not run in parallel.
func TestAccStageResourceHTTP(t *testing.T) {
	if acc.root == "" {
		t.Skip("needs TF_ACC=1")
	}
	logPath := fmt.Sprintf("%s/trace-stage-%s.log", acc.root, randomSuffix())
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_LOG", "TRACE")
	// The framework's own lines quote each step's configuration.
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")
	acc.mu.Lock()
	acc.traceLogs = append(acc.traceLogs, logPath)
	acc.mu.Unlock()

	rc, recvURL := newStageReceiver(t)
	canvas, secret, stage := randName("acc-stage"), randName("acc-stage-secret"), randName("acc-deploy")
	token := writeOnlyValue()
	addr := "superplane_stage.test"
	sameID := statecheck.CompareValue(compare.ValuesSame())

	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkStageGone(canvas, stage),
		Steps: []tfresource.TestStep{
			{
				Config: stageHTTPConfig(canvas, secret, token, stage, "deploys", recvURL+"/deploy", 10),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					stateValue(addr, "last_execution", knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("connect").AtSliceIndex(0).AtMapKey("filter_operator"), knownvalue.StringExact("and")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("http").AtMapKey("status_codes"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.Int64Exact(200), knownvalue.Int64Exact(201)})),
				},
				Check: func(s *terraform.State) error {
					// A push to another branch is filtered out; the one to
					// main runs with the commit as its input.
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/dev","after":"nope"}`); err != nil {
						return err
					}
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/main","after":"abc123"}`); err != nil {
						return err
					}
					ex, raw, err := waitStageExecution(canvas, stage)
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed || executionOutputs(ex)["version"] != "1.2.3" {
						return fmt.Errorf("execution = %s %s (%s), outputs %v; want passed with version 1.2.3", ex.Result, ex.ResultReason, ex.ResultMessage, ex.Outputs)
					}
					calls := rc.received()
					if len(calls) != 1 {
						return fmt.Errorf("the receiver got %d calls, want 1 (the dev push is filtered out)", len(calls))
					}
					if got := calls[0].header.Get("Authorization"); got != "Bearer "+token {
						return fmt.Errorf("the secret was not rendered into the header (got %d characters)", len(got))
					}
					if calls[0].body["commit"] != "abc123" || calls[0].body["kind"] != "deploy" || calls[0].body["executionId"] != ex.ID {
						return fmt.Errorf("payload = %v", calls[0].body)
					}
					if bytes.Contains(raw, []byte(token)) {
						return fmt.Errorf("the execution records hold the secret value")
					}
					return checkStateFilesLackValues(token)
				},
			},
			{
				// The refresh brings the execution; it is not a change.
				Config: stageHTTPConfig(canvas, secret, token, stage, "deploys", recvURL+"/deploy", 10),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("result"), knownvalue.StringExact("passed")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("state"), knownvalue.StringExact("finished")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("outputs"),
						knownvalue.MapExact(map[string]knownvalue.Check{"version": knownvalue.StringExact("1.2.3")})),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + stage,
				ImportStateVerify: true,
			},
			{
				// Description and executor fields change in place.
				Config: stageHTTPConfig(canvas, secret, token, stage, "deploys to prod", recvURL+"/v2/deploy", 20),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("result"), knownvalue.StringExact("passed")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					stateValue(addr, "description", knownvalue.StringExact("deploys to prod")),
				},
				Check: func(*terraform.State) error {
					st, err := acc.client.GetStage(context.Background(), canvas, stage)
					if err != nil {
						return err
					}
					if st.Spec.Executor.Spec["url"] != recvURL+"/v2/deploy" || st.Spec.Executor.Spec["timeoutSeconds"] != float64(20) {
						return fmt.Errorf("server executor spec = %v", st.Spec.Executor.Spec)
					}
					return nil
				},
			},
		},
	})
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("trace log: %v", err)
	}
	if !bytes.Contains(b, []byte("superplane_stage")) {
		t.Fatal("the trace log does not mention superplane_stage: the leak check would prove nothing")
	}
}

// stageChainConfig is a webhook source, a noop stage "build" taking the
// version from the event, and a stage "release" connected to build that
// passes build's output on. releaseExtra goes into the release block.
func stageChainConfig(canvas, build, release, buildDescription, releaseExtra string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "build" {
  canvas      = superplane_canvas.test.name
  name        = %[2]q
  description = %[4]q

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

  output {
    name = "version"
  }

  noop {
    outputs = {
      version = "v$${{ inputs.V }}"
    }
  }
}

resource "superplane_stage" "release" {
  canvas = superplane_canvas.test.name
  name   = %[3]q

  connect {
    type            = "stage"
    name            = superplane_stage.build.name
    filter_operator = "or"
    filter {
      data = "$.result == 'RESULT_PASSED'"
    }
    filter {
      header = "false"
    }
  }

  input {
    name = "VERSION"
  }

  input {
    name = "PREVIOUS"
  }

  input_mapping {
    triggered_by = superplane_stage.build.name
    value {
      name = "VERSION"
      from_event {
        expression = "$.outputs.version"
      }
    }
    value {
      name = "PREVIOUS"
      from_last_execution {
        results = ["passed"]
      }
    }
  }

  output {
    name        = "released"
    description = "what went out"
    required    = true
  }

  noop {
    outputs = {
      released = "$${{ inputs.VERSION }}"
    }
  }
%[5]s
}
`, canvas, build, release, buildDescription, releaseExtra)
}

func TestAccStageResource(t *testing.T) {
	t.Run("Chain", func(t *testing.T) {
		t.Parallel()
		canvas, build, release := randName("acc-chain"), randName("acc-build"), randName("acc-release")
		conditions := `
  approval {
    count = 2
  }

  time_window {
    start     = "22:00"
    end       = "06:00"
    week_days = ["saturday", "sunday"]
  }
`
		buildAddr, releaseAddr := "superplane_stage.build", "superplane_stage.release"
		sameID := statecheck.CompareValue(compare.ValuesSame())
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkStageGone(canvas, release),
			Steps: []tfresource.TestStep{
				{
					Config: stageChainConfig(canvas, build, release, "builds", ""),
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(releaseAddr, tfjsonpath.New("id")),
						stateValue(releaseAddr, "approval", knownvalue.ListSizeExact(0)),
					},
					Check: func(s *terraform.State) error {
						if err := postStageEvent(s, "superplane_event_source.hook", `{"version":"1.4"}`); err != nil {
							return err
						}
						ex, _, err := waitStageExecution(canvas, release)
						if err != nil {
							return err
						}
						if ex.Result != api.ResultPassed || executionOutputs(ex)["released"] != "v1.4" {
							return fmt.Errorf("release = %s (%s), outputs %v; want passed with v1.4", ex.Result, ex.ResultMessage, ex.Outputs)
						}
						return nil
					},
				},
				// The refresh brings the execution into state, so the
				// import below must find everything, last_execution too.
				{RefreshState: true},
				{
					ResourceName:      releaseAddr,
					ImportState:       true,
					ImportStateId:     canvas + "/" + release,
					ImportStateVerify: true,
				},
				{
					// Conditions round-trip; both stages change in place.
					Config: stageChainConfig(canvas, build, release, "builds it", conditions),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(buildAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction(releaseAddr, plancheck.ResourceActionUpdate),
						},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(releaseAddr, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(releaseAddr, tfjsonpath.New("approval").AtSliceIndex(0).AtMapKey("count"), knownvalue.Int64Exact(2)),
						statecheck.ExpectKnownValue(releaseAddr, tfjsonpath.New("time_window").AtSliceIndex(0).AtMapKey("end"), knownvalue.StringExact("06:00")),
					},
					Check: func(*terraform.State) error {
						st, err := acc.client.GetStage(context.Background(), canvas, release)
						if err != nil {
							return err
						}
						if n := len(st.Spec.Conditions); n != 2 || st.Spec.Conditions[0].Approval == nil || st.Spec.Conditions[0].Approval.Count != 2 {
							return fmt.Errorf("server conditions = %+v", st.Spec.Conditions)
						}
						return nil
					},
				},
				{
					ResourceName:      releaseAddr,
					ImportState:       true,
					ImportStateId:     canvas + "/" + release,
					ImportStateVerify: true,
				},
				{
					PreConfig: func() {
						if err := acc.client.DeleteStage(accContext(t), canvas, release); err != nil {
							t.Fatalf("deleting the stage outside Terraform: %v", err)
						}
					},
					Config: stageChainConfig(canvas, build, release, "builds it", conditions),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(releaseAddr, plancheck.ResourceActionCreate),
							plancheck.ExpectResourceAction(buildAddr, plancheck.ResourceActionNoop),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
			},
		})
	})

	t.Run("MoveToAnotherCanvas", func(t *testing.T) {
		t.Parallel()
		first, second, stage := randName("acc-move-a"), randName("acc-move-b"), randName("acc-moved")
		config := func(canvas string) string {
			return fmt.Sprintf(`
resource "superplane_canvas" "a" {
  name = %[1]q
}

resource "superplane_canvas" "b" {
  name = %[2]q
}

resource "superplane_event_source" "a" {
  canvas = superplane_canvas.a.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_event_source" "b" {
  canvas = superplane_canvas.b.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.%[3]s.name
  name   = %[4]q

  connect {
    type = "event_source"
    name = superplane_event_source.%[3]s.name
  }

  noop {}
}
`, first, second, canvas, stage)
		}
		addr := "superplane_stage.test"
		differentID := statecheck.CompareValue(compare.ValuesDiffer())
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				{
					Config:            config("a"),
					ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(addr, tfjsonpath.New("id"))},
					Check: func(s *terraform.State) error {
						if err := postStageEvent(s, "superplane_event_source.a", `{}`); err != nil {
							return err
						}
						_, _, err := waitStageExecution(first, stage)
						return err
					},
				},
				{
					Config: config("a"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("result"), knownvalue.StringExact("passed")),
					},
				},
				{
					// The new stage has run nothing: last_execution is not
					// carried over from the old one.
					Config: config("b"),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
							plancheck.ExpectUnknownValue(addr, tfjsonpath.New("last_execution")),
						},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						differentID.AddStateValue(addr, tfjsonpath.New("id")),
						stateValue(addr, "last_execution", knownvalue.Null()),
					},
					Check: checkStageGone(first, stage),
				},
			},
		})
	})

	t.Run("PlanTimeErrors", func(t *testing.T) {
		t.Parallel()
		// Literal names only: validation fails before anything is read.
		config := func(executor, extra string) string {
			return fmt.Sprintf(`
resource "superplane_stage" "test" {
  canvas = "c"
  name   = "deploy"

  connect {
    type = "event_source"
    name = "hook"
  }

  input {
    name = "COMMIT"
  }

  input_mapping {
    value {
      name = "COMMIT"
      from_event {
        expression = "$.after"
      }
    }
  }

  secret {
    name   = "TOKEN"
    secret = "deploy"
    key    = "token"
  }
%s
%s
}
`, extra, executor)
		}
		httpBlock := func(body string) string { return "  http {\n" + body + "\n  }\n" }
		okHTTP := `    url = "https://example.com/deploy"`
		step := func(cfg, want string) tfresource.TestStep {
			return tfresource.TestStep{Config: cfg, PlanOnly: true, ExpectError: wordsRegexp(want)}
		}
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				step(config(httpBlock(okHTTP+"\n    payload = { x = \"$${{ inputs.NOPE }}\" }"), ""),
					`Undeclared input.*http.payload\["x"\] uses \$\{\{ inputs.NOPE \}\}, but the stage has no input "NOPE" \(declared: COMMIT\)`),
				step(config(httpBlock(okHTTP+"\n    headers = { Authorization = \"Bearer $${{ secrets.deploy }}\" }"), ""),
					`Undeclared secret.*http.headers\["Authorization"\] uses \$\{\{ secrets.deploy \}\}.*not by the name of the superplane_secret`),
				step(config(httpBlock(okHTTP+"\n    payload = { x = \"$${{ inputs.COMMIT }\" }"), ""),
					`Invalid template.*http.payload\["x"\]: unterminated template`),
				step(config(httpBlock(okHTTP), `
  input_mapping {
    triggered_by = "elsewhere"
    value {
      name  = "COMMIT"
      value = "x"
    }
  }
`), `Unknown connection.*input_mapping\[1\].triggered_by "elsewhere" is not a connection of the stage \(declared: hook\)`),
				step(config(httpBlock(okHTTP), `
  input_mapping {
    triggered_by = "hook"
    value {
      name = "COMMIT"
      from_event {
        connection = "ghost"
        expression = "$.x"
      }
    }
  }
`), `Unknown connection.*input_mapping\[1\].value\[0\].from_event.connection "ghost" is not a connection`),
				step(config(httpBlock(okHTTP)+"\n  noop {}\n", ""),
					`Conflicting executor blocks.*this one sets http and noop`),
				step(config("", ""), `Missing executor.*exactly one executor block`),
				step(config(httpBlock(`    timeout_seconds = 5`), ""),
					`Missing http.url.*http.url is required`),
				step(config(httpBlock(`    url = "ftp://example.com/x"`), ""),
					`Invalid URL.*http.url "ftp://example.com/x" must be an absolute http or https URL`),
				step(config("  github {\n    integration = \"gh\"\n    repository = \"app\"\n    workflow = \"deploy.yml\"\n  }\n", ""),
					`Missing github.ref.*github.ref is required`),
				step(config(httpBlock(okHTTP), "\n  input {\n    name = \"UNMAPPED\"\n  }\n"),
					`Input without a value.*input_mapping\[0\] gives no value to input "UNMAPPED"`),
				step(config(httpBlock(okHTTP), "\n  approval {\n    count = 0\n  }\n"),
					`approval\[0\].count.*between 1 and 100`),
				step(config(httpBlock(okHTTP), "\n  time_window {\n    start = \"9:00\"\n    end = \"17:00\"\n  }\n"),
					`time_window\[0\].start.*HH:MM`),
				step(config(httpBlock(okHTTP), "\n  secret {\n    name = \"TOKEN\"\n    secret = \"other\"\n    key = \"k\"\n  }\n"),
					`Duplicate secret alias.*secret\[1\].name: "TOKEN" is declared twice`),
			},
		})
	})

	t.Run("GitHub", func(t *testing.T) {
		t.Parallel()
		canvas, stage := randName("acc-gh-stage"), randName("acc-gh-deploy")
		integration, secretName := randName("acc-gh-int"), randName("acc-gh-token")
		repo := "stage-" + randomSuffix()
		tok := newToolToken()
		if acc.github != nil {
			acc.github.AddRepo(fakeGitHubOwner, repo, fakeGitHubUser)
			acc.github.AddWorkflow(fakeGitHubOwner, repo, "deploy.yml", "success", 2)
		}
		config := tokenSecretConfig("gh", "", secretName, tok, 1) +
			integrationCfg{label: "gh", name: integration, typ: "github", url: fakeGitHubURL,
				secret: "superplane_secret.gh.name", key: "token"}.String() +
			fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %[2]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "REF"
  }

  input_mapping {
    value {
      name = "REF"
      from_event {
        expression = "$.ref"
      }
    }
  }

  github {
    integration = superplane_integration.gh.name
    repository  = %[3]q
    workflow    = "deploy.yml"
    ref         = "$${{ inputs.REF }}"
    inputs = {
      environment = "prod"
    }
  }
}
`, canvas, stage, repo)
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				{
					Config: config,
					Check: func(s *terraform.State) error {
						if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"main"}`); err != nil {
							return err
						}
						ex, _, err := waitStageExecution(canvas, stage)
						if err != nil {
							return err
						}
						if ex.Result != api.ResultPassed {
							return fmt.Errorf("execution = %s %s: %s", ex.Result, ex.ResultReason, ex.ResultMessage)
						}
						d := acc.github.Dispatches(fakeGitHubOwner, repo)
						if len(d) != 1 || d[0].Ref != "main" || d[0].Inputs["environment"] != "prod" {
							return fmt.Errorf("dispatches = %+v", d)
						}
						return nil
					},
				},
				{RefreshState: true},
				{
					ResourceName:      "superplane_stage.test",
					ImportState:       true,
					ImportStateId:     canvas + "/" + stage,
					ImportStateVerify: true,
				},
			},
		})
	})
}

// stageFixture is a stage as the server returns it (after a JSON trip, so
// numbers are floats), using every block; ex is its executor.
func stageFixture(t *testing.T, ex *api.Executor) *api.Stage {
	t.Helper()
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	finished := created.Add(time.Minute)
	st := &api.Stage{
		Metadata: &api.StageMetadata{ID: "id-1", Name: "deploy", Description: "d", CreatedAt: &created},
		Spec: &api.StageSpec{
			Connections: []api.Connection{
				{Type: api.ConnectionTypeEventSource, Name: "hook", FilterOperator: api.FilterOperatorOr, Filters: []api.Filter{
					{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.a == 1"}},
					{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "headers['x'] == 'y'"}},
				}},
				{Type: api.ConnectionTypeStage, Name: "build", FilterOperator: api.FilterOperatorAnd, Filters: []api.Filter{}},
			},
			Inputs: []api.InputDefinition{{Name: "A", Description: "a"}, {Name: "B"}, {Name: "C"}},
			InputMappings: []api.InputMapping{
				{Values: []api.ValueDefinition{
					{Name: "A", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "hook", Expression: "$.a"}}},
					{Name: "B", Value: "fixed"},
					{Name: "C", ValueFrom: &api.StageValueFrom{LastExecution: &api.ValueFromLastExecution{Results: []string{api.ResultPassed, api.ResultFailed}}}},
				}},
				{When: &api.InputMappingWhen{TriggeredBy: &struct {
					Connection string `json:"connection"`
				}{Connection: "build"}}, Values: []api.ValueDefinition{
					{Name: "A", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Expression: "$.outputs.a"}}},
					{Name: "B", Value: ""},
					{Name: "C", ValueFrom: &api.StageValueFrom{LastExecution: &api.ValueFromLastExecution{}}},
				}},
			},
			Outputs: []api.OutputDefinition{{Name: "version", Description: "v", Required: true}, {Name: "url"}},
			Conditions: []api.Condition{
				{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 2}},
				{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "09:00", End: "17:00", WeekDays: []string{"monday"}}},
				{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "22:00", End: "02:00"}},
			},
			Secrets: []api.ValueDefinition{
				{Name: "TOKEN", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "deploy", Key: "token"}}},
				{Name: "ORG", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "org", Key: "k", DomainType: api.DomainTypeOrganization}}},
			},
			Executor: ex,
			DryRun:   true,
		},
		Status: &api.StageStatus{LastExecution: &api.Execution{
			ID: "ex-1", State: api.ExecutionStateFinished, Result: api.ResultPassed, FinishedAt: &finished,
			Outputs: []api.OutputValue{{Name: "version", Value: "1.2.3"}},
		}},
	}
	return jsonTrip(t, st)
}

// jsonTrip returns v after a trip through JSON, as the client decodes it.
func jsonTrip[T any](t *testing.T, v *T) *T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestStageMappingRoundTrip maps a server stage to state and back: what
// is sent must be what the server holds, for every executor, or a
// converged configuration would plan changes.
func TestStageMappingRoundTrip(t *testing.T) {
	executors := map[string]*api.Executor{
		"http": {Type: api.ExecutorHTTP, Spec: map[string]any{
			"url":            "https://example.com/${{ inputs.A }}",
			"headers":        map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
			"payload":        map[string]any{"a": "${{ inputs.A }}", "b": "x"},
			"responsePolicy": map[string]any{"statusCodes": []any{200, 202}},
			"timeoutSeconds": 15,
		}},
		"http minimal": {Type: api.ExecutorHTTP, Spec: map[string]any{"url": "https://example.com", "headers": map[string]any{}}},
		"github": {Type: api.ExecutorGitHub, Integration: &api.IntegrationRef{Name: "gh"},
			Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Spec:     map[string]any{"workflow": "deploy.yml", "ref": "${{ inputs.B }}", "inputs": map[string]any{"env": "prod"}}},
		"semaphore": {Type: api.ExecutorSemaphore, Integration: &api.IntegrationRef{Name: "sem"},
			Resource: &api.ResourceRef{Type: "project", Name: "app"},
			Spec:     map[string]any{"pipelineFile": ".semaphore/deploy.yml", "ref": "main"}},
		"noop":         {Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"version": "${{ inputs.A }}"}}},
		"noop no spec": {Type: api.ExecutorNoop, Spec: map[string]any{}},
	}
	ctx := context.Background()
	for name, ex := range executors {
		t.Run(name, func(t *testing.T) {
			st := stageFixture(t, ex)
			m, diags := stageModelFrom(ctx, st, &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			var vd diag.Diagnostics
			validateStage(ctx, m, &vd)
			if vd.HasError() {
				t.Fatalf("the server's own stage does not validate: %v", vd)
			}
			params, diags := stageParams(ctx, m)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if params.Name != "deploy" || params.Description != "d" {
				t.Errorf("metadata = %q %q", params.Name, params.Description)
			}
			got, want := jsonTrip(t, &params.Spec), st.Spec
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("sent spec differs from the server's:\n got %s\nwant %s", g, w)
			}
			if m.LastExecution.IsNull() {
				t.Fatal("last_execution is null")
			}
			le := m.LastExecution.Attributes()
			if !le["result"].Equal(types.StringValue("passed")) || !le["state"].Equal(types.StringValue("finished")) {
				t.Errorf("last_execution = %v", le)
			}
		})
	}
}

// validStage is a valid configuration to break in one way per test.
func validStage(t *testing.T) *StageResourceModel {
	t.Helper()
	st := stageFixture(t, &api.Executor{Type: api.ExecutorHTTP, Spec: map[string]any{
		"url":     "https://example.com/deploy",
		"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
		"payload": map[string]any{"a": "${{ inputs.A }}"},
	}})
	m, diags := stageModelFrom(context.Background(), st, &StageResourceModel{Canvas: types.StringValue("prod")})
	if diags.HasError() {
		t.Fatal(diags)
	}
	return m
}

// setHTTP replaces one attribute of the http block.
func setHTTP(t *testing.T, m *StageResourceModel, name string, v attr.Value) {
	t.Helper()
	attrs := m.HTTP.Attributes()
	attrs[name] = v
	obj, diags := types.ObjectValue(stageHTTPAttrTypes, attrs)
	if diags.HasError() {
		t.Fatal(diags)
	}
	m.HTTP = obj
}

func TestValidateStage(t *testing.T) {
	strMap := func(kv ...string) types.Map {
		elems := map[string]attr.Value{}
		for i := 0; i+1 < len(kv); i += 2 {
			elems[kv[i]] = types.StringValue(kv[i+1])
		}
		return types.MapValueMust(types.StringType, elems)
	}
	cases := []struct {
		name   string
		mutate func(t *testing.T, m *StageResourceModel)
		path   path.Path // where the one error must be; empty: no error
		detail string
	}{
		{"valid", func(*testing.T, *StageResourceModel) {}, path.Empty(), ""},
		{"undeclared input", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "payload", strMap("a", "${{ inputs.NOPE }}"))
		}, path.Root("http").AtName("payload").AtMapKey("a"), `inputs.NOPE`},
		{"secret by its real name", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "headers", strMap("Authorization", "${{ secrets.deploy }}"))
		}, path.Root("http").AtName("headers").AtMapKey("Authorization"), `secrets.deploy`},
		{"template in url", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "url", types.StringValue("https://example.com/${{ inputs.Z }}"))
		}, path.Root("http").AtName("url"), `inputs.Z`},
		{"bad header name", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "headers", strMap("Bad Header", "x"))
		}, path.Root("http").AtName("headers").AtMapKey("Bad Header"), `not a valid HTTP header name`},
		{"url scheme before a template", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "url", types.StringValue("ftp://${{ inputs.A }}"))
		}, path.Root("http").AtName("url"), `http or https`},
		{"two executors", func(t *testing.T, m *StageResourceModel) {
			m.Noop = types.ObjectValueMust(stageNoopAttrTypes, map[string]attr.Value{"outputs": types.MapNull(types.StringType)})
		}, path.Root("noop"), `http and noop`},
		{"unknown values are not judged", func(t *testing.T, m *StageResourceModel) {
			// The inputs come from a variable not known yet: a template
			// naming any input may be right.
			m.Inputs = types.ListUnknown(types.ObjectType{AttrTypes: stageInputAttrTypes})
			setHTTP(t, m, "payload", strMap("a", "${{ inputs.LATER }}"))
			setHTTP(t, m, "url", types.StringUnknown())
		}, path.Empty(), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validStage(t)
			tc.mutate(t, m)
			var diags diag.Diagnostics
			validateStage(context.Background(), m, &diags)
			errs := diags.Errors()
			if tc.detail == "" {
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			withPath, ok := errs[0].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(tc.path) {
				t.Errorf("error at %v, want %v", errs[0], tc.path)
			}
			if !strings.Contains(errs[0].Detail(), tc.detail) {
				t.Errorf("detail %q does not mention %q", errs[0].Detail(), tc.detail)
			}
		})
	}
}

func TestValidateStageWarnsUnproducibleOutputs(t *testing.T) {
	ctx := context.Background()
	// The fixture's output "version" is required.
	for name, ex := range map[string]*api.Executor{
		"noop without it": {Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"url": "x"}}},
		"github":          {Type: api.ExecutorGitHub, Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Name: "app"}, Spec: map[string]any{"workflow": "d.yml", "ref": "main"}},
	} {
		t.Run(name, func(t *testing.T) {
			m, diags := stageModelFrom(ctx, stageFixture(t, ex), &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			validateStage(ctx, m, &diags)
			warnings := diags.Warnings()
			if diags.HasError() || len(warnings) != 1 || !strings.Contains(warnings[0].Detail(), `"version" is required`) {
				t.Fatalf("diagnostics = %v", diags)
			}
			withPath, ok := warnings[0].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(path.Root("output").AtListIndex(0).AtName("required")) {
				t.Errorf("warning at %v", warnings[0])
			}
		})
	}
	m, _ := stageModelFrom(ctx, stageFixture(t, &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"version": "1"}}}),
		&StageResourceModel{Canvas: types.StringValue("prod")})
	var diags diag.Diagnostics
	validateStage(ctx, m, &diags)
	if len(diags) != 0 {
		t.Errorf("a noop producing its required output: %v", diags)
	}
}
