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

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
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
	t.Run("Webhook", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-hook")
		renamed := name + "-renamed"
		base := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "webhook",
			events: []eventCfg{{typ: "webhook", data: []string{"$.ref == 'refs/heads/main'"}}}}
		rotated := base
		rotated.keyVersion = 2
		edited := rotated
		edited.name, edited.description = renamed, "deploy hook"
		edited.events = []eventCfg{{typ: "webhook", op: "or", data: []string{"$.ref == 'refs/heads/main'"},
			header: []string{"headers['x-deploy'] == 'yes'"}}}

		var firstKey, lastEventID string
		sameID, sameURL := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame())
		keys, sameKey := statecheck.CompareValue(compare.ValuesDiffer()), statecheck.CompareValue(compare.ValuesSame())
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas)),
			Steps: []tfresource.TestStep{
				{
					Config: canvasConfig(canvas) + base.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionCreate),
							plancheck.ExpectUnknownValue(sourceAddr, tfjsonpath.New("key")),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("events").AtSliceIndex(0).AtMapKey("filter_operator"), knownvalue.StringExact("and")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "id", knownvalue.StringRegexp(uuidPattern)),
						stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern)),
						statecheck.ExpectSensitiveValue(sourceAddr, tfjsonpath.New("key")),
						stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(1)),
						stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`^http://127\.0\.0\.1:\d+/api/v1/sources/[0-9a-f-]{36}$`))),
						stateValue(sourceAddr, "integration", knownvalue.Null()),
						stateValue(sourceAddr, "resource", knownvalue.Null()),
						stateValue(sourceAddr, "schedule", knownvalue.Null()),
						stateValue(sourceAddr, "force_destroy", knownvalue.Bool(false)),
						stateValue(sourceAddr, "created_at", knownvalue.StringRegexp(rfc3339)),
						statecheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("status"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"webhook_state": knownvalue.Null(), "webhook_reason": knownvalue.Null(), "webhook_observed": knownvalue.Null(), "webhook_observed_reason": knownvalue.Null(), "checked_at": knownvalue.Null(),
							"last_event_id": knownvalue.Null(), "last_event_at": knownvalue.Null(),
						})),
						sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
						sameURL.AddStateValue(sourceAddr, tfjsonpath.New("webhook_url")),
						keys.AddStateValue(sourceAddr, tfjsonpath.New("key")),
					},
					// A delivery signed with the key from the state is
					// accepted and its event is listed; the filter decides
					// its state; a wrong signature is refused.
					Check: func(s *terraform.State) error {
						a, err := attrs(s, sourceAddr)
						if err != nil {
							return err
						}
						firstKey = a["key"]
						recordSourceKey(firstKey)
						for _, tc := range []struct {
							key, body string
							want      int
						}{
							{firstKey, `{"ref":"refs/heads/main","n":1}`, 200},
							{firstKey, `{"ref":"refs/heads/dev","n":2}`, 200},
							{strings.Repeat("0", 64), `{"ref":"refs/heads/main","n":3}`, 401},
						} {
							code, err := deliver(a["webhook_url"], tc.key, []byte(tc.body))
							if err != nil || code != tc.want {
								return fmt.Errorf("delivery %s: status %d (%v), want %d", tc.body, code, err, tc.want)
							}
						}
						events, err := sourceEvents(canvas, a["id"])
						if err != nil {
							return err
						}
						// Accepted events are pending until a stage takes them.
						if len(events) != 2 || events[0].State != api.EventStateRejected || events[1].State == api.EventStateRejected ||
							events[1].Raw["ref"] != "refs/heads/main" || events[1].Type != "webhook" {
							return fmt.Errorf("events = %+v", events)
						}
						lastEventID = events[0].ID
						return nil
					},
				},
				// A refresh shows the newest event in status.
				{
					RefreshState: true,
					Check: func(s *terraform.State) error {
						return tfresource.TestCheckResourceAttr(sourceAddr, "status.last_event_id", lastEventID)(s)
					},
				},
				// The key cannot be imported; everything else can.
				{
					ResourceName:            sourceAddr,
					ImportState:             true,
					ImportStateId:           canvas + "/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"key"},
				},
				{
					ResourceName:  sourceAddr,
					ImportState:   true,
					ImportStateId: name,
					ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*expected "<canvas id or name>/<event source name>"`),
				},
				// A new key_version resets the key: a new key in state, and
				// both keys verify while the old one is in its grace period.
				{
					Config: canvasConfig(canvas) + rotated.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(sourceAddr, tfjsonpath.New("key")),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("webhook_url"), knownvalue.StringRegexp(regexp.MustCompile(`^http`))),
							// A key reset changes nothing in status: it is
							// known in the plan, not "(known after apply)".
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("last_event_id"), knownvalue.StringFunc(func(v string) error {
								if v != lastEventID {
									return fmt.Errorf("planned %q, want the refreshed %q", v, lastEventID)
								}
								return nil
							})),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.Null()),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.Null()),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern)),
						stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(2)),
						keys.AddStateValue(sourceAddr, tfjsonpath.New("key")),
						sameKey.AddStateValue(sourceAddr, tfjsonpath.New("key")),
						sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
						sameURL.AddStateValue(sourceAddr, tfjsonpath.New("webhook_url")),
					},
					Check: func(s *terraform.State) error {
						a, err := attrs(s, sourceAddr)
						if err != nil {
							return err
						}
						recordSourceKey(a["key"])
						if a["status.last_event_id"] != lastEventID {
							return fmt.Errorf("status.last_event_id = %q, want %q", a["status.last_event_id"], lastEventID)
						}
						for i, key := range []string{firstKey, a["key"]} {
							body := fmt.Sprintf(`{"ref":"refs/heads/main","after_reset":%d}`, i)
							if code, err := deliver(a["webhook_url"], key, []byte(body)); err != nil || code != 200 {
								return fmt.Errorf("key %d after the reset: status %d (%v)", i, code, err)
							}
						}
						key, err := acc.client.GetEventSource(context.Background(), canvas, name)
						if err != nil {
							return err
						}
						if key.Status.KeyVersion != 2 {
							return fmt.Errorf("server key version = %d", key.Status.KeyVersion)
						}
						return nil
					},
				},
				// Rename, description and filters change in place: same id,
				// same key, same URL.
				{
					Config: canvasConfig(canvas) + edited.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key_version"), knownvalue.Int64Exact(2)),
							// Quiet plan: a webhook source's status (the
							// GitHub-only fields are null) is known and
							// unchanged, only the edited attributes change.
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.Null()),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.Null()),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("last_event_id"), knownvalue.NotNull()),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "name", knownvalue.StringExact(renamed)),
						stateValue(sourceAddr, "description", knownvalue.StringExact("deploy hook")),
						statecheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("events"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(map[string]knownvalue.Check{
								"type":            knownvalue.StringExact("webhook"),
								"filter_operator": knownvalue.StringExact("or"),
								"filter": knownvalue.ListExact([]knownvalue.Check{
									knownvalue.ObjectExact(map[string]knownvalue.Check{"data": knownvalue.StringExact("$.ref == 'refs/heads/main'"), "header": knownvalue.Null()}),
									knownvalue.ObjectExact(map[string]knownvalue.Check{"data": knownvalue.Null(), "header": knownvalue.StringExact("headers['x-deploy'] == 'yes'")}),
								}),
							}),
						})),
						sameKey.AddStateValue(sourceAddr, tfjsonpath.New("key")),
						sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
						sameURL.AddStateValue(sourceAddr, tfjsonpath.New("webhook_url")),
					},
					Check: tfresource.ComposeTestCheckFunc(
						checkSourceGone(canvas, name),
						func(*terraform.State) error {
							es, err := acc.client.GetEventSource(context.Background(), canvas, renamed)
							if err != nil {
								return err
							}
							ev := es.Spec.Events
							if len(ev) != 1 || ev[0].FilterOperator != api.FilterOperatorOr || len(ev[0].Filters) != 2 ||
								ev[0].Filters[1].Type != api.FilterTypeHeader {
								return fmt.Errorf("server events = %+v", ev)
							}
							return nil
						}),
				},
				// A type change replaces the source.
				{
					Config: canvasConfig(canvas) + eventSourceCfg{canvas: "superplane_canvas.test.name", name: renamed, typ: "manual"}.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionDestroyBeforeCreate),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("webhook_url"), knownvalue.Null()),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "key", knownvalue.Null()),
						stateValue(sourceAddr, "webhook_url", knownvalue.Null()),
					},
				},
			},
		})
	})

	t.Run("GitHub", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-gh")
		integration, secret := randName("acc-es-int"), randName("acc-es-token")
		repo := newFakeRepo("acc-es")
		tok := newToolToken()
		prereq := canvasConfig(canvas) + githubConfig(integration, secret, tok, 1, "true")
		cfg := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
			integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", repo),
			events: []eventCfg{{typ: "push", data: []string{"$.ref == 'refs/heads/main'"}}, {typ: "pull_request"}}}
		pushOnly := cfg
		pushOnly.events = cfg.events[:1]
		rotated := pushOnly
		rotated.keyVersion = 2
		described := rotated
		described.description = "pushes of the app"
		var requestsBefore int

		var hookID int64
		var secrets []string
		sameID := statecheck.CompareValue(compare.ValuesSame())
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			// Destroying the source removed its hook from GitHub.
			CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas),
				checkHooks(repo, func(h []github.Hook) error {
					if len(h) != 0 {
						return fmt.Errorf("%d hooks left on GitHub after destroy: %+v", len(h), h)
					}
					return nil
				})),
			Steps: []tfresource.TestStep{
				{
					Config: prereq + cfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource").AtMapKey("type"), knownvalue.StringExact("repository")),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "key", knownvalue.Null()),
						stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(1)),
						stateValue(sourceAddr, "integration", knownvalue.StringExact(integration)),
						statecheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"type": knownvalue.StringExact("repository"), "name": knownvalue.StringExact(repo),
						})),
						stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/github$`))),
						statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringExact("ready")),
						statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_reason"), knownvalue.StringExact("ok")),
						statecheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.StringRegexp(rfc3339)),
						sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
					},
					Check: tfresource.ComposeTestCheckFunc(
						oneHook(repo, sourceAddr, "pull_request", "push"),
						checkHooks(repo, func(h []github.Hook) error {
							hookID, secrets = h[0].ID, append(secrets, h[0].Secret)
							return nil
						}),
						checkNoWriteOnlyValues("superplane_secret.gh", tok)),
				},
				// checked_at is when SuperPlane last looked at the hook, which
				// the import's own refresh does again.
				{
					ResourceName:            sourceAddr,
					ImportState:             true,
					ImportStateId:           canvas + "/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"key", "status.checked_at"},
				},
				// The hook deleted on GitHub: a refresh only looks (status says
				// it is missing, nothing is made on GitHub) ...
				{
					PreConfig: func() {
						if !acc.github.RemoveHook(fakeGitHubOwner, repo, hookID) {
							t.Fatalf("hook %d was not on the fake GitHub", hookID)
						}
					},
					RefreshState:       true,
					ExpectNonEmptyPlan: true,
					Check: tfresource.ComposeTestCheckFunc(
						tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "missing"),
						tfresource.TestMatchResourceAttr(sourceAddr, "status.webhook_observed_reason", regexp.MustCompile(`no webhook of GitHub repository`)),
						tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "ready"),
						noHooks(repo)),
				},
				// ... the plan shows an update, still without touching GitHub,
				// and the apply repairs the hook; the next plan is empty.
				{
					Config: prereq + cfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(sourceAddr, tfjsonpath.New("status")),
							planCheckFunc(func() error { return noHooks(repo)(nil) }),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(sourceAddr, tfjsonpath.New("id"))},
					Check: tfresource.ComposeTestCheckFunc(
						tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "repaired"),
						tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "ok"),
						tfresource.TestMatchResourceAttr(sourceAddr, "status.webhook_reason", regexp.MustCompile(`missing or altered on github and was repaired`)),
						oneHook(repo, sourceAddr, "pull_request", "push"),
						checkHooks(repo, func(h []github.Hook) error {
							if h[0].ID == hookID {
								return fmt.Errorf("hook %d is the deleted one", hookID)
							}
							secrets = append(secrets, h[0].Secret)
							return nil
						})),
				},
				{
					Config: prereq + cfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
				// Fewer events: the hook is edited in place, still one.
				{
					Config: prereq + pushOnly.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(sourceAddr, tfjsonpath.New("id"))},
					Check:             oneHook(repo, sourceAddr, "push"),
				},
				// A new key_version gives the hook a new secret; the key stays
				// out of the state.
				{
					Config: prereq + rotated.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "key", knownvalue.Null()),
						stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(2)),
					},
					Check: tfresource.ComposeTestCheckFunc(
						oneHook(repo, sourceAddr, "push"),
						checkHooks(repo, func(h []github.Hook) error {
							if slices.Contains(secrets, h[0].Secret) {
								return fmt.Errorf("the hook's secret did not change with the key")
							}
							return nil
						}),
						func(*terraform.State) error {
							return checkStateFilesLackValues(append(secrets, acc.github.Hooks(fakeGitHubOwner, repo)[0].Secret)...)
						}),
				},
				// Quiet plan: a new description leaves the hook alone, so
				// status (webhook_state, checked_at) is known in the plan
				// and the apply makes no request to GitHub.
				{
					PreConfig: func() { requestsBefore = len(acc.github.Requests()) },
					Config:    prereq + described.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("description"), knownvalue.StringExact("pushes of the app")),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringRegexp(regexp.MustCompile(`^(ready|repaired)$`))),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.StringRegexp(rfc3339)),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: tfresource.ComposeTestCheckFunc(
						oneHook(repo, sourceAddr, "push"),
						func(*terraform.State) error {
							// Other tests share the fake: only this repository's requests count.
							for _, r := range acc.github.Requests()[requestsBefore:] {
								if strings.Contains(r, "/"+repo+"/") && !strings.HasPrefix(r, "GET ") {
									return fmt.Errorf("a description change made a request to GitHub that is not a read: %s", r)
								}
							}
							return nil
						}),
				},
			},
		})
	})

	t.Run("Semaphore", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-sem")
		integration, secret := randName("acc-es-int"), randName("acc-es-token")
		project := "acc-es-" + randomSuffix()
		if acc.semaphore != nil {
			acc.semaphore.AddProject(project)
		}
		tok := newToolToken()
		config := canvasConfig(canvas) + tokenSecretConfig("sem", "", secret, tok, 1) +
			integrationCfg{label: "sem", name: integration, typ: "semaphore", url: fakeSemaphoreURL,
				secret: "superplane_secret.sem.name", key: "token"}.String() +
			eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "semaphore",
				integration: "superplane_integration.sem.name", resource: fmt.Sprintf("name = %q", project)}.String()
		// ours returns the notifications that deliver to the source.
		ours := func(url string) []semaphore.Notification {
			var out []semaphore.Notification
			for _, n := range acc.semaphore.Notifications() {
				if n.Endpoint == url {
					out = append(out, n)
				}
			}
			return out
		}
		var url string
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
				if n := ours(url); len(n) != 0 {
					return fmt.Errorf("%d notifications left on Semaphore after destroy", len(n))
				}
				return nil
			}),
			Steps: []tfresource.TestStep{
				{
					Config: config,
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource").AtMapKey("type"), knownvalue.StringExact("project")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						stateValue(sourceAddr, "key", knownvalue.Null()),
						stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/semaphore$`))),
						statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringExact("ready")),
					},
					Check: func(s *terraform.State) error {
						a, err := attrs(s, sourceAddr)
						if err != nil {
							return err
						}
						url = a["webhook_url"]
						n := ours(url)
						if len(n) != 1 || !slices.Equal(n[0].Projects, []string{project}) || n[0].SecretName == "" {
							return fmt.Errorf("notifications delivering to %s: %+v", url, n)
						}
						key, ok := acc.semaphore.SecretValue(n[0].SecretName, "WEBHOOK_SECRET")
						if !ok || !keyPattern.MatchString(key) {
							return fmt.Errorf("the notification's secret %s holds no signing key", n[0].SecretName)
						}
						recordHookSecret(key)
						return nil
					},
				},
				{
					ResourceName:            sourceAddr,
					ImportState:             true,
					ImportStateId:           canvas + "/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"key", "status.checked_at"},
				},
			},
		})
	})

	t.Run("HookCannotBeRemoved", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-gh")
		integration, secret := randName("acc-es-int"), randName("acc-es-token")
		repo := newFakeRepo("acc-es-stuck")
		good, bad := newToolToken(), unknownToolToken()
		t.Cleanup(func() {
			if acc.github == nil {
				return
			}
			for _, h := range acc.github.Hooks(fakeGitHubOwner, repo) {
				acc.github.RemoveHook(fakeGitHubOwner, repo, h.ID)
			}
		})
		source := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
			integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", repo)}
		forced := source
		forced.forceDestroy = "true"
		// verify = false keeps the integration while its token is bad.
		withBad := canvasConfig(canvas) + githubConfig(integration, secret, bad, 2, "false")
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkCanvasesGone(canvas),
			Steps: []tfresource.TestStep{
				{
					Config: canvasConfig(canvas) + githubConfig(integration, secret, good, 1, "false") + source.String(),
					Check:  oneHook(repo, sourceAddr, "push"),
				},
				// The token goes bad: the next refresh shows that the check
				// failed (and plans nothing: an apply cannot fix a token).
				{Config: withBad + source.String()},
				{
					RefreshState: true,
					Check: tfresource.ComposeTestCheckFunc(
						tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "failed"),
						tfresource.TestMatchResourceAttr(sourceAddr, "status.webhook_observed_reason", regexp.MustCompile(`Bad credentials`))),
				},
				// SuperPlane cannot remove the hook, so it keeps the source.
				{
					Config:      withBad,
					ExpectError: wordsRegexp(`Error deleting event source.*Bad credentials.*force_destroy = true`),
				},
				// force_destroy alone touches nothing on the server ...
				{
					Config: withBad + forced.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_observed"), knownvalue.StringExact("failed")),
						},
					},
				},
				// ... and lets the source go, leaving the hook on GitHub.
				{
					Config: withBad,
					Check: tfresource.ComposeTestCheckFunc(
						checkSourceGone(canvas, name),
						checkHooks(repo, func(h []github.Hook) error {
							if len(h) != 1 {
								return fmt.Errorf("%d hooks on GitHub, want the 1 force_destroy left behind", len(h))
							}
							return nil
						})),
				},
			},
		})
	})

	t.Run("ExistingSource", func(t *testing.T) {
		// A create that reached the server but not the state (an
		// interrupted apply): the next apply is refused with the import
		// command, nothing is duplicated, and the import converges.
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-gh")
		integration, secret := randName("acc-es-int"), randName("acc-es-token")
		repo := newFakeRepo("acc-es-existing")
		tok := newToolToken()
		prereq := canvasConfig(canvas) + githubConfig(integration, secret, tok, 1, "true")
		cfg := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
			integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", repo),
			events: []eventCfg{{typ: "push"}}}
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: checkHooks(repo, func(h []github.Hook) error {
				if len(h) != 0 {
					return fmt.Errorf("%d hooks left on GitHub", len(h))
				}
				return nil
			}),
			Steps: []tfresource.TestStep{
				{Config: prereq},
				{
					PreConfig: func() {
						// By another user: an object of our own user and no
						// state would be adopted as an interrupted apply's orphan.
						_, _, err := acc.colleague.CreateEventSource(accContext(t), canvas, client.EventSourceParams{Name: name, Spec: api.EventSourceSpec{
							Type: "github", Integration: &api.IntegrationRef{Name: integration}, Resource: &api.ResourceRef{Name: repo},
							Events: []api.EventSourceEventType{{Type: "push"}},
						}})
						if err != nil {
							t.Fatalf("creating the source outside Terraform: %v", err)
						}
					},
					Config:      prereq + cfg.String(),
					ExpectError: wordsRegexp(fmt.Sprintf(`Error creating event source.*409.*terraform import <address> %s/%s`, regexp.QuoteMeta(canvas), regexp.QuoteMeta(name))),
				},
				{
					Config:             prereq + cfg.String(),
					ResourceName:       sourceAddr,
					ImportState:        true,
					ImportStateId:      canvas + "/" + name,
					ImportStatePersist: true,
				},
				{
					Config: prereq + cfg.String(),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: oneHook(repo, sourceAddr, "push"),
				},
			},
		})
	})

	t.Run("ScheduledAndManual", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-es-canvas")
		hourly, nightly, weekly, button := randName("acc-es-hourly"), randName("acc-es-nightly"), randName("acc-es-weekly"), randName("acc-es-button")
		cv := "superplane_canvas.test.name"
		sources := func(weeklySchedule string) string {
			return canvasConfig(canvas) +
				eventSourceCfg{label: "hourly", canvas: cv, name: hourly, typ: "scheduled", schedule: "type = \"hourly\"\n    minute = 0"}.String() +
				eventSourceCfg{label: "nightly", canvas: cv, name: nightly, typ: "scheduled", schedule: "type = \"daily\"\n    time = \"02:30\""}.String() +
				eventSourceCfg{label: "weekly", canvas: cv, name: weekly, typ: "scheduled", schedule: weeklySchedule}.String() +
				eventSourceCfg{label: "button", canvas: cv, name: button, typ: "manual", description: "deploys by hand"}.String()
		}
		schedule := func(label string, vals map[string]knownvalue.Check) statecheck.StateCheck {
			return statecheck.ExpectKnownValue("superplane_event_source."+label, tfjsonpath.New("schedule"), knownvalue.ObjectExact(vals))
		}
		importStep := func(label, name string) tfresource.TestStep {
			return tfresource.TestStep{
				ResourceName:            "superplane_event_source." + label,
				ImportState:             true,
				ImportStateId:           canvas + "/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"key"},
			}
		}
		var eventID string
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas)),
			Steps: []tfresource.TestStep{
				{
					Config: sources("type = \"weekly\"\n    week_day = \"friday\"\n    time = \"17:00\""),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						schedule("hourly", map[string]knownvalue.Check{"type": knownvalue.StringExact("hourly"), "minute": knownvalue.Int64Exact(0), "time": knownvalue.Null(), "week_day": knownvalue.Null()}),
						schedule("nightly", map[string]knownvalue.Check{"type": knownvalue.StringExact("daily"), "minute": knownvalue.Null(), "time": knownvalue.StringExact("02:30"), "week_day": knownvalue.Null()}),
						schedule("weekly", map[string]knownvalue.Check{"type": knownvalue.StringExact("weekly"), "minute": knownvalue.Null(), "time": knownvalue.StringExact("17:00"), "week_day": knownvalue.StringExact("friday")}),
						stateValue("superplane_event_source.hourly", "key", knownvalue.Null()),
						stateValue("superplane_event_source.hourly", "webhook_url", knownvalue.Null()),
						stateValue("superplane_event_source.button", "key", knownvalue.Null()),
						stateValue("superplane_event_source.button", "webhook_url", knownvalue.Null()),
						stateValue("superplane_event_source.button", "schedule", knownvalue.Null()),
						stateValue("superplane_event_source.button", "events", knownvalue.ListExact([]knownvalue.Check{})),
					},
					Check: func(*terraform.State) error {
						es, err := acc.client.GetEventSource(context.Background(), canvas, weekly)
						if err != nil {
							return err
						}
						if sc := es.Spec.Schedule; sc == nil || sc.Type != api.ScheduleTypeWeekly || sc.Weekly == nil || sc.Weekly.WeekDay != "WEEK_DAY_FRIDAY" {
							return fmt.Errorf("server schedule = %+v", es.Spec.Schedule)
						}
						return nil
					},
				},
				importStep("hourly", hourly),
				importStep("nightly", nightly),
				importStep("weekly", weekly),
				importStep("button", button),
				// An event posted by hand shows in the manual source's status.
				{
					PreConfig: func() {
						ev, err := acc.client.CreateEvent(accContext(t), canvas, button, "deploy", map[string]any{"version": "1.2.3"})
						if err != nil {
							t.Fatalf("posting an event: %v", err)
						}
						eventID = ev.ID
					},
					RefreshState: true,
					Check: func(s *terraform.State) error {
						a, err := attrs(s, "superplane_event_source.button")
						if err != nil {
							return err
						}
						if a["status.last_event_id"] != eventID || !rfc3339.MatchString(a["status.last_event_at"]) {
							return fmt.Errorf("status = %s at %s, want %s", a["status.last_event_id"], a["status.last_event_at"], eventID)
						}
						return nil
					},
				},
				// The schedule changes in place.
				{
					Config: sources("type = \"daily\"\n    time = \"06:00\""),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_event_source.weekly", plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction("superplane_event_source.hourly", plancheck.ResourceActionNoop),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						schedule("weekly", map[string]knownvalue.Check{"type": knownvalue.StringExact("daily"), "minute": knownvalue.Null(), "time": knownvalue.StringExact("06:00"), "week_day": knownvalue.Null()}),
					},
				},
			},
		})
	})

	t.Run("DeletedOutsideTerraform", func(t *testing.T) {
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-hook")
		cfg := canvasConfig(canvas) + eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "webhook"}.String()
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkCanvasesGone(canvas),
			Steps: []tfresource.TestStep{
				{Config: cfg, Check: recordKey(sourceAddr)},
				{
					PreConfig: func() {
						if err := acc.client.DeleteEventSource(accContext(t), canvas, name, false); err != nil {
							t.Fatalf("deleting the source outside Terraform: %v", err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern))},
					Check:             recordKey(sourceAddr),
				},
				// A key reset outside Terraform is reported on refresh.
				{
					PreConfig: func() {
						_, key, err := acc.client.ResetEventSourceKey(accContext(t), canvas, name)
						if err != nil {
							t.Fatalf("resetting the key outside Terraform: %v", err)
						}
						recordSourceKey(key)
					},
					Config: cfg,
					// A warning, not a new reset: whoever reset it may be
					// using the new key.
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
			},
		})
	})

	t.Run("InvalidConfig", func(t *testing.T) {
		t.Parallel()
		ok := eventSourceCfg{canvas: `"c"`, name: "src", typ: "github", integration: `"gh"`, resource: `name = "app"`}
		with := func(f func(c *eventSourceCfg)) string {
			c := ok
			f(&c)
			return c.String()
		}
		step := func(config, want string) tfresource.TestStep {
			return tfresource.TestStep{Config: config, PlanOnly: true, ExpectError: wordsRegexp(want)}
		}
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				step(with(func(c *eventSourceCfg) { c.integration = "" }),
					`Missing integration.*A github event source needs integration`),
				step(with(func(c *eventSourceCfg) { c.resource = "" }),
					`Missing resource block.*needs a resource block naming the repository`),
				step(with(func(c *eventSourceCfg) { c.resource = `type = "project"` + "\n    name = \"app\"" }),
					`Wrong resource type.*watches a repository, not a project`),
				step(with(func(c *eventSourceCfg) {
					c.typ, c.integration, c.resource, c.schedule = "webhook", "", "", `type = "daily"`+"\n    time = \"10:00\""
				}),
					`Schedule block not used.*Only scheduled event sources have a schedule`),
				step(with(func(c *eventSourceCfg) { c.typ, c.resource = "webhook", "" }),
					`Integration not used.*A webhook event source has no integration`),
				step(with(func(c *eventSourceCfg) { c.typ, c.integration = "manual", "" }),
					`Resource block not used.*A manual event source watches no repository`),
				step(with(func(c *eventSourceCfg) { c.resource = `type = "repository"` }),
					`Missing resource name`),
				step(with(func(c *eventSourceCfg) {
					c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `minute = 5`
				}),
					`Missing schedule type`),
				step(with(func(c *eventSourceCfg) { c.typ, c.integration, c.resource = "scheduled", "", "" }),
					`Missing schedule block`),
				step(with(func(c *eventSourceCfg) { c.typ = "carrier-pigeon" }),
					`Attribute type value must be one of`),
				step(with(func(c *eventSourceCfg) {
					c.events = []eventCfg{{typ: "push"}, {typ: "push"}}
				}), `Repeated event type.*"push" has more than one events block`),
				step(strings.Replace(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push", data: []string{"true"}}} }),
					`data = "true"`, `data = "true"`+"\n      header = \"true\"", 1),
					`Invalid filter.*exactly one of data.*and header`),
				step(strings.Replace(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push", data: []string{"true"}}} }),
					`data = "true"`, "", 1),
					`Invalid filter`),
				step(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push", op: "xor"}} }),
					`filter_operator value must be one of`),
				step(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push event"}} }),
					`must be 1 to 128 letters, digits`),
				step(with(func(c *eventSourceCfg) {
					c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `type = "hourly"`+"\n    time = \"10:00\""
				}), `Missing schedule field.*A hourly schedule needs minute.*Schedule field not used.*no time`),
				step(with(func(c *eventSourceCfg) {
					c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `type = "weekly"`+"\n    week_day = \"funday\"\n    time = \"25:00\""
				}), `week_day value must be one of.*time must be HH:MM`),
				step(with(func(c *eventSourceCfg) {
					c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `type = "hourly"`+"\n    minute = 60"
				}), `minute value must be between 0 and 59`),
			},
		})
	})

	t.Run("ServerRefuses", func(t *testing.T) {
		// What only the server can check fails the apply naming the field,
		// and nothing is created.
		t.Parallel()
		canvas := randName("acc-es-canvas")
		name := randName("acc-es-bad")
		cv := "superplane_canvas.test.name"
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkCanvasesGone(canvas),
			Steps: []tfresource.TestStep{
				{
					Config: canvasConfig(canvas) + eventSourceCfg{canvas: cv, name: name, typ: "webhook",
						events: []eventCfg{{typ: "webhook", data: []string{"$.ref =="}}}}.String(),
					ExpectError: wordsRegexp(`Error creating event source.*400.*eventSource.spec.events\[0\].filters\[0\].data.expression`),
				},
				{
					Config: canvasConfig(canvas) + eventSourceCfg{canvas: cv, name: name, typ: "github",
						integration: `"acc-no-such-integration"`, resource: `name = "app"`}.String(),
					ExpectError: wordsRegexp(`Error creating event source.*404.*integration "acc-no-such-integration" not found`),
					Check:       checkSourceGone(canvas, name),
				},
				{
					Config: canvasConfig(canvas),
					Check:  checkSourceGone(canvas, name),
				},
			},
		})
	})
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

// eventSourceValue builds the raw value of a model for unit tests of
// ModifyPlan.
func eventSourceValue(t *testing.T, r resource.Resource, m EventSourceResourceModel) tftypes.Value {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if diags := state.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building a value: %v", diags)
	}
	return state.Raw
}

// sampleModel is a webhook source as state holds it.
func sampleModel() EventSourceResourceModel {
	events, _ := eventSourceEventsValue(nil)
	return EventSourceResourceModel{
		ID: types.StringValue(sourceUUID), Canvas: types.StringValue("prod"), Name: types.StringValue("hook"),
		Description: types.StringValue(""), Type: types.StringValue("webhook"), Integration: types.StringNull(),
		Resource: types.ObjectNull(eventSourceResourceAttrTypes), Events: events,
		Schedule: types.ObjectNull(eventSourceScheduleAttrTypes), ForceDestroy: types.BoolValue(false),
		WebhookURL: types.StringValue("http://sp/api/v1/sources/" + sourceUUID), Key: types.StringValue(strings.Repeat("a", 64)),
		KeyVersion: types.Int64Value(1), Status: eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{}}),
		CreatedAt: types.StringValue("2026-01-01T00:00:00Z"),
	}
}

const sourceUUID = "66666666-6666-6666-6666-666666666666"

func TestEventSourceModifyPlan(t *testing.T) {
	ctx := context.Background()
	r := &EventSourceResource{}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	modify := func(plan, state EventSourceResourceModel) EventSourceResourceModel {
		t.Helper()
		req := resource.ModifyPlanRequest{
			Plan:  tfsdk.Plan{Schema: sresp.Schema, Raw: eventSourceValue(t, r, plan)},
			State: tfsdk.State{Schema: sresp.Schema, Raw: eventSourceValue(t, r, state)},
		}
		resp := &resource.ModifyPlanResponse{Plan: req.Plan}
		r.ModifyPlan(ctx, req, resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var out EventSourceResourceModel
		resp.Diagnostics.Append(resp.Plan.Get(ctx, &out)...)
		return out
	}
	state := sampleModel()

	// Only force_destroy: status is kept, the key too.
	plan := state
	plan.ForceDestroy, plan.Status = types.BoolValue(true), types.ObjectUnknown(eventSourceStatusAttrTypes)
	if got := modify(plan, state); !got.Status.Equal(state.Status) || !got.Key.Equal(state.Key) {
		t.Errorf("force_destroy only: status %s, key known %v", got.Status, !got.Key.IsUnknown())
	}
	// A description change of a source without a hook keeps status (only
	// the last event, which an update does not change); of a github
	// source, whose hook the update provisions again, status is unknown.
	// The framework proposes computed values unknown on any change.
	received := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for typ, keep := range map[string]bool{"webhook": true, "manual": true, "scheduled": true, "github": false, "semaphore": false} {
		st := state
		st.Type = types.StringValue(typ)
		st.Status = eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{
			LastEvent: &api.Event{ID: "ev-1", ReceivedAt: &received},
		}})
		plan = st
		plan.Description, plan.Status = types.StringValue("edited"), types.ObjectUnknown(eventSourceStatusAttrTypes)
		got := modify(plan, st)
		if keep && !got.Status.Equal(st.Status) {
			t.Errorf("%s description change: status planned %s, want the state's", typ, got.Status)
		}
		if !keep && !got.Status.IsUnknown() {
			t.Errorf("%s description change: status planned %s, want unknown", typ, got.Status)
		}
	}
	// A github source whose hook is in place keeps status when only the
	// description or filters change; new event types, a new key, or a
	// hook not yet in place (SuperPlane provisions it again) make it
	// unknown.
	ghReady := state
	ghReady.Type, ghReady.Key, ghReady.Integration = types.StringValue("github"), types.StringNull(), types.StringValue("gh")
	withEvents := func(typ, filter string) types.List {
		t.Helper()
		l, diags := eventSourceEventsValue([]api.EventSourceEventType{{Type: typ,
			Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: filter}}}}})
		if diags.HasError() {
			t.Fatal(diags)
		}
		return l
	}
	ghReady.Events = withEvents("push", "true")
	for hookState, keep := range map[string]bool{"ready": true, "repaired": true, "failed": false, "pending": false} {
		st := ghReady
		st.Status = eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{Webhook: &api.WebhookStatus{
			URL: "https://sp/x", State: hookState, Reason: "ok", CheckedAt: &received, Observed: "ok",
		}}})
		for what, edit := range map[string]func(*EventSourceResourceModel) bool{
			"description": func(m *EventSourceResourceModel) bool { m.Description = types.StringValue("edited"); return keep },
			"filter":      func(m *EventSourceResourceModel) bool { m.Events = withEvents("push", "false"); return keep },
			"event types": func(m *EventSourceResourceModel) bool { m.Events = withEvents("pull_request", "true"); return false },
			"integration": func(m *EventSourceResourceModel) bool { m.Integration = types.StringValue("gh2"); return false },
			"key_version": func(m *EventSourceResourceModel) bool { m.KeyVersion = types.Int64Value(2); return false },
		} {
			plan = st
			plan.Status = types.ObjectUnknown(eventSourceStatusAttrTypes)
			want := edit(&plan)
			got := modify(plan, st)
			if want && !got.Status.Equal(st.Status) {
				t.Errorf("github hook %s, %s change: status planned %s, want the state's", hookState, what, got.Status)
			}
			if !want && !got.Status.IsUnknown() {
				t.Errorf("github hook %s, %s change: status planned %s, want unknown", hookState, what, got.Status)
			}
		}
	}
	// A new key_version: the key is unknown until the reset.
	plan = state
	plan.KeyVersion = types.Int64Value(2)
	if got := modify(plan, state); !got.Key.IsUnknown() {
		t.Errorf("key_version change: key = %s, want unknown", got.Key)
	}
	// The same for a GitHub source keeps its null key.
	gh := state
	gh.Type, gh.Key = types.StringValue("github"), types.StringNull()
	plan = gh
	plan.KeyVersion = types.Int64Value(2)
	if got := modify(plan, gh); !got.Key.IsNull() {
		t.Errorf("GitHub key_version change: key = %s, want null", got.Key)
	}
	// A hook the last refresh found missing or drifted plans status to
	// change (an update, whose apply repairs it); ok or a failed check
	// plans nothing.
	for observed, update := range map[string]bool{"missing": true, "drifted": true, "ok": false, "failed": false} {
		st := gh
		st.Status = eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{Webhook: &api.WebhookStatus{
			URL: "https://sp/x", State: "ready", Reason: "ok", Observed: observed, ObservedReason: "why",
		}}})
		plan = st // as Terraform proposes it: nothing configured changed
		got := modify(plan, st)
		if update && !got.Status.IsUnknown() {
			t.Errorf("observed %s: status planned %s, want unknown (an update)", observed, got.Status)
		}
		if !update && !got.Status.Equal(st.Status) {
			t.Errorf("observed %s: status planned %s, want the state's", observed, got.Status)
		}
	}
}

func TestEventSourceModelFrom(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	es := &api.EventSource{
		Metadata: &api.EventSourceMetadata{ID: sourceUUID, Name: "app", CreatedAt: &created},
		Spec: &api.EventSourceSpec{
			Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Events: []api.EventSourceEventType{{Type: "push", FilterOperator: api.FilterOperatorOr, Filters: []api.Filter{
				{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "h"}},
			}}},
		},
		Status: &api.EventSourceStatus{KeyVersion: 3, Webhook: &api.WebhookStatus{URL: "https://sp/api/v1/sources/x/github", State: "ready", Reason: "ok", CheckedAt: &created,
			Observed: "failed", ObservedReason: "Bad credentials"},
			LastEvent: &api.Event{ID: "e1", ReceivedAt: &created}},
	}
	prior := &EventSourceResourceModel{Canvas: types.StringValue("prod"), Key: types.StringNull(), KeyVersion: types.Int64Null(), ForceDestroy: types.BoolNull()}
	m, diags := eventSourceModelFrom(es, prior)
	if diags.HasError() {
		t.Fatal(diags)
	}
	// Not configured (an import): the server's key version.
	if m.KeyVersion.ValueInt64() != 3 || m.ForceDestroy.ValueBool() || m.Canvas.ValueString() != "prod" || m.Integration.ValueString() != "gh" {
		t.Errorf("model = %+v", m)
	}
	events, _ := listAs[eventSourceEventModel](context.Background(), m.Events, new(diag.Diagnostics))
	filters, _ := listAs[filterModel](context.Background(), events[0].Filter, new(diag.Diagnostics))
	if events[0].FilterOperator.ValueString() != "or" || len(filters) != 1 || !filters[0].Data.IsNull() || filters[0].Header.ValueString() != "h" {
		t.Errorf("events = %s", m.Events)
	}
	st := objectAs[struct {
		State          types.String `tfsdk:"webhook_state"`
		Reason         types.String `tfsdk:"webhook_reason"`
		Observed       types.String `tfsdk:"webhook_observed"`
		ObservedReason types.String `tfsdk:"webhook_observed_reason"`
		CheckedAt      types.String `tfsdk:"checked_at"`
		LastID         types.String `tfsdk:"last_event_id"`
		LastAt         types.String `tfsdk:"last_event_at"`
	}](context.Background(), m.Status, new(diag.Diagnostics))
	if st == nil || st.State.ValueString() != "ready" || st.Reason.ValueString() != "ok" || st.Observed.ValueString() != "failed" ||
		st.ObservedReason.ValueString() != "Bad credentials" || st.LastID.ValueString() != "e1" || st.LastAt.ValueString() != "2026-01-02T03:04:05Z" {
		t.Errorf("status = %s", m.Status)
	}
	// A configured key_version stays as configured.
	prior.KeyVersion = types.Int64Value(7)
	if m, _ := eventSourceModelFrom(es, prior); m.KeyVersion.ValueInt64() != 7 {
		t.Errorf("key_version = %s, want the configured 7", m.KeyVersion)
	}

	// Schedules, both ways.
	for _, sc := range []*api.EventSourceSchedule{
		{Type: api.ScheduleTypeHourly, Hourly: &api.HourlySchedule{Minute: 0}},
		{Type: api.ScheduleTypeDaily, Daily: &api.DailySchedule{Time: "02:30"}},
		{Type: api.ScheduleTypeWeekly, Weekly: &api.WeeklySchedule{WeekDay: "WEEK_DAY_SUNDAY", Time: "23:59"}},
	} {
		v, diags := eventSourceScheduleValue(sc)
		if diags.HasError() {
			t.Fatal(diags)
		}
		p, d := eventSourceParams(context.Background(), &EventSourceResourceModel{Type: types.StringValue("scheduled"), Schedule: v,
			Integration: types.StringNull(), Resource: types.ObjectNull(eventSourceResourceAttrTypes), Events: types.ListNull(eventSourceEventObjectType)})
		if d.HasError() {
			t.Fatal(d)
		}
		a, b := fmt.Sprintf("%+v %+v %+v %+v", sc.Type, sc.Hourly, sc.Daily, sc.Weekly), fmt.Sprintf("%+v %+v %+v %+v", p.Spec.Schedule.Type, p.Spec.Schedule.Hourly, p.Spec.Schedule.Daily, p.Spec.Schedule.Weekly)
		if a != b {
			t.Errorf("schedule %s came back as %s", a, b)
		}
	}
}

func TestParseCanvasImportID(t *testing.T) {
	canvas, name, err := parseCanvasImportID("event source", "prod/github-app")
	if err != nil || canvas != "prod" || name != "github-app" {
		t.Errorf("got %q %q %v", canvas, name, err)
	}
	for _, id := range []string{"github-app", "prod/", "/app", "prod/app/x", ""} {
		if _, _, err := parseCanvasImportID("event source", id); err == nil || !strings.Contains(err.Error(), `"<canvas id or name>/<event source name>"`) {
			t.Errorf("%q: err = %v", id, err)
		}
	}
}

func TestKeyResetOutside(t *testing.T) {
	es := func(typ string, version int64) *api.EventSource {
		return &api.EventSource{Metadata: &api.EventSourceMetadata{Name: "hook"}, Spec: &api.EventSourceSpec{Type: typ},
			Status: &api.EventSourceStatus{KeyVersion: version}}
	}
	two := int64(2)
	if msg := keyResetOutside(es("webhook", 3), &two, false); !strings.Contains(msg, "version 3 on the server") || !strings.Contains(msg, "state is version 2") {
		t.Errorf("reset outside Terraform: %q", msg)
	}
	// With key_wo there is no key in state: the message says what to bump.
	if msg := keyResetOutside(es("webhook", 3), &two, true); !strings.Contains(msg, "sent key_wo as version 2") || !strings.Contains(msg, "Bump key_wo_version") || strings.Contains(msg, "key in the Terraform state") {
		t.Errorf("reset outside Terraform, key_wo: %q", msg)
	}
	for name, tc := range map[string]struct {
		es      *api.EventSource
		written *int64
	}{
		"same version":           {es("webhook", 2), &two},
		"imported (not written)": {es("webhook", 3), nil},
		"no version (v1 server)": {es("webhook", 0), &two},
		"key not in state":       {es("github", 3), &two},
	} {
		if msg := keyResetOutside(tc.es, tc.written, false); msg != "" {
			t.Errorf("%s: %q, want no warning", name, msg)
		}
	}
}
