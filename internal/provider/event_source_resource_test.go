package provider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

const sourceAddr = "superplane_event_source.test"

// keyPattern is a signing key as the server makes them: 32 random bytes, hex.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// eventCfg is one events block; each of data and header becomes a filter.
type eventCfg struct {
	typ, op string
	data    []string
	header  []string
}

// eventSourceCfg describes one superplane_event_source block. Fields holding
// HCL expressions say so; "" or zero leaves an optional argument out.
type eventSourceCfg struct {
	label        string // resource label, "test" when empty
	canvas       string // HCL expression
	name         string
	description  string
	typ          string
	integration  string // HCL expression
	resource     string // body of the resource block, e.g. `name = "app"`
	events       []eventCfg
	schedule     string // body of the schedule block
	keyVersion   int64
	forceDestroy string // "true" or "false"
}

func (c eventSourceCfg) String() string {
	label := c.label
	if label == "" {
		label = "test"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"superplane_event_source\" %q {\n  canvas = %s\n  name = %q\n  type = %q\n", label, c.canvas, c.name, c.typ)
	if c.description != "" {
		fmt.Fprintf(&b, "  description = %q\n", c.description)
	}
	if c.integration != "" {
		fmt.Fprintf(&b, "  integration = %s\n", c.integration)
	}
	if c.keyVersion != 0 {
		fmt.Fprintf(&b, "  key_version = %d\n", c.keyVersion)
	}
	if c.forceDestroy != "" {
		fmt.Fprintf(&b, "  force_destroy = %s\n", c.forceDestroy)
	}
	if c.resource != "" {
		fmt.Fprintf(&b, "  resource {\n    %s\n  }\n", c.resource)
	}
	for _, e := range c.events {
		fmt.Fprintf(&b, "  events {\n    type = %q\n", e.typ)
		if e.op != "" {
			fmt.Fprintf(&b, "    filter_operator = %q\n", e.op)
		}
		for _, d := range e.data {
			fmt.Fprintf(&b, "    filter {\n      data = %q\n    }\n", d)
		}
		for _, h := range e.header {
			fmt.Fprintf(&b, "    filter {\n      header = %q\n    }\n", h)
		}
		b.WriteString("  }\n")
	}
	if c.schedule != "" {
		fmt.Fprintf(&b, "  schedule {\n    %s\n  }\n", c.schedule)
	}
	b.WriteString("}\n")
	return b.String()
}

// canvasConfig is a superplane_canvas "test" called name.
func canvasConfig(name string) string {
	return fmt.Sprintf("resource \"superplane_canvas\" \"test\" {\n  name = %q\n}\n", name)
}

// githubConfig is a secret holding tok and a GitHub integration "gh" on the
// fake GitHub that reads it. verify is "true" or "false".
func githubConfig(integration, secret, tok string, version int64, verify string) string {
	return tokenSecretConfig("gh", "", secret, tok, version) +
		integrationCfg{label: "gh", name: integration, typ: "github", url: fakeGitHubURL,
			secret: "superplane_secret.gh.name", key: "token", verify: verify}.String()
}

// newFakeRepo adds a repository of fakeGitHubOwner that fakeGitHubUser
// administers, so each test counts only its own hooks. Without TF_ACC there
// is no fake (and resource.Test skips the test).
func newFakeRepo(prefix string) string {
	repo := prefix + "-" + randomSuffix()
	if acc.github != nil {
		acc.github.AddRepo(fakeGitHubOwner, repo, fakeGitHubUser)
	}
	return repo
}

// attrs returns the flat state attributes of addr.
func attrs(s *terraform.State, addr string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes, nil
}

// sign is the X-Signature-256 header of body under key.
func sign(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// deliver posts body to a custom webhook source's URL, signed with key, and
// returns the status.
func deliver(url, key string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", sign(key, body))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// sourceEvents lists the events of one source, newest first.
func sourceEvents(canvas, source string) ([]api.Event, error) {
	out, err := acc.client.ListEvents(context.Background(), canvas, client.EventQuery{SourceID: source, Limit: 100})
	if err != nil {
		return nil, err
	}
	return out.Events, nil
}

// checkHooks checks the hooks the fake GitHub has on repo.
func checkHooks(repo string, check func([]github.Hook) error) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		return check(acc.github.Hooks(fakeGitHubOwner, repo))
	}
}

// oneHook checks that repo has exactly one hook, delivering to the source's
// webhook_url with the given events, and records its secret for the leak
// check.
func oneHook(repo, addr string, events ...string) tfresource.TestCheckFunc {
	return func(s *terraform.State) error {
		a, err := attrs(s, addr)
		if err != nil {
			return err
		}
		hooks := acc.github.Hooks(fakeGitHubOwner, repo)
		if len(hooks) != 1 {
			return fmt.Errorf("%d hooks on %s/%s, want 1: %+v", len(hooks), fakeGitHubOwner, repo, hooks)
		}
		h := hooks[0]
		recordHookSecret(h.Secret)
		got := slices.Sorted(slices.Values(h.Events))
		if h.URL != a["webhook_url"] || h.ContentType != "json" || !h.Active || !slices.Equal(got, events) || !keyPattern.MatchString(h.Secret) {
			return fmt.Errorf("hook = url %s, content type %s, active %v, events %v, secret of %d chars; want url %s, events %v",
				h.URL, h.ContentType, h.Active, got, len(h.Secret), a["webhook_url"], events)
		}
		if !strings.HasSuffix(h.URL, "/api/v1/sources/"+a["id"]+"/github") {
			return fmt.Errorf("hook url %s is not the source's GitHub receiver", h.URL)
		}
		return nil
	}
}

// checkSourceGone checks that the server no longer has the source (or its
// canvas).
func checkSourceGone(canvas, name string) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := acc.client.GetEventSource(context.Background(), canvas, name)
		if err == nil {
			return fmt.Errorf("event source %s/%s still exists", canvas, name)
		}
		if !client.IsNotFound(err) {
			return err
		}
		return nil
	}
}

// sourceStatus is the path of a field of status.
// noHooks checks that repo has no hook on the fake GitHub.
func noHooks(repo string) tfresource.TestCheckFunc {
	return checkHooks(repo, func(h []github.Hook) error {
		if len(h) != 0 {
			return fmt.Errorf("%d hooks on %s, want none", len(h), repo)
		}
		return nil
	})
}

// planCheckFunc is a plan check that looks at the world rather than the
// plan: f runs when the plan is made.
type planCheckFunc func() error

// CheckPlan runs f.
func (f planCheckFunc) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

func sourceStatus(field string) tfjsonpath.Path {
	return tfjsonpath.New("status").AtMapKey(field)
}

func TestAccEventSourceResource(t *testing.T) {
	t.Run("Webhook", testAccEventSourceWebhook)
	t.Run("GitHub", testAccEventSourceGitHub)
	t.Run("Semaphore", testAccEventSourceSemaphore)
	t.Run("HookCannotBeRemoved", testAccEventSourceHookCannotBeRemoved)
	t.Run("ExistingSource", testAccEventSourceExistingSource)
	t.Run("ScheduledAndManual", testAccEventSourceScheduledAndManual)
	t.Run("DeletedOutsideTerraform", testAccEventSourceDeletedOutsideTerraform)
	t.Run("InvalidConfig", testAccEventSourceInvalidConfig)
	t.Run("ServerRefuses", testAccEventSourceServerRefuses)
}

// recordKey records the key of a webhook source in state for the leak check.
func recordKey(addr string) tfresource.TestCheckFunc {
	return func(s *terraform.State) error {
		a, err := attrs(s, addr)
		if err != nil {
			return err
		}
		if !keyPattern.MatchString(a["key"]) {
			return fmt.Errorf("%s has no key in state", addr)
		}
		recordSourceKey(a["key"])
		return nil
	}
}

// TestAccEventSourceResourceTraceLog creates a webhook source and resets
// its key with TF_LOG=TRACE written to a file, which the leak check then
// scans for the keys. It sets environment variables, so it does not run in
// parallel.
func TestAccEventSourceResourceTraceLog(t *testing.T) {
	if acc.root == "" {
		t.Skip("needs TF_ACC=1")
	}
	logPath := fmt.Sprintf("%s/trace-event-source-%s.log", acc.root, randomSuffix())
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_SDK_HELPER_RESOURCE", "OFF")
	acc.mu.Lock()
	acc.traceLogs = append(acc.traceLogs, logPath)
	acc.mu.Unlock()

	canvas := randName("acc-es-trace")
	cfg := eventSourceCfg{canvas: "superplane_canvas.test.name", name: randName("acc-es-trace"), typ: "webhook"}
	rotated := cfg
	rotated.keyVersion = 2
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: canvasConfig(canvas) + cfg.String(), Check: recordKey(sourceAddr)},
			{Config: canvasConfig(canvas) + rotated.String(), Check: recordKey(sourceAddr)},
			{RefreshState: true},
		},
	})
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("trace log: %v", err)
	}
	for _, want := range []string{"[TRACE] sdk.framework:", "superplane_event_source"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace log %s has no %q lines", logPath, want)
		}
	}
}
