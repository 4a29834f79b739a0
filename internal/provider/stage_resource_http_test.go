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
	"strings"
	"sync"
	"testing"
	"time"

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
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("result_reason"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("result_message"), knownvalue.StringExact("HTTP 200")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("created_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("started_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("duration_seconds"), knownvalue.NotNull()),
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
