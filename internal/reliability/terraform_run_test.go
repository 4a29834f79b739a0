package reliability

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// terraformPath finds the real terraform binary (TF_ACC_TERRAFORM_PATH, as
// terraform-plugin-testing reads it, else PATH) or skips the test: these
// tests drive the CLI itself, not the provider in-process.
func terraformPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform not found (TF_ACC_TERRAFORM_PATH or PATH)")
	}
	return p
}

// tfWorkspace is one Terraform working directory that uses the provider
// built by the test through dev_overrides, so nothing is downloaded and no
// `terraform init` runs (as scripts/demo.sh does).
type tfWorkspace struct {
	t         *testing.T
	terraform string
	dir       string
	env       []string
	// runs numbers the commands, to give each its own log file.
	runs int
}

// newTFWorkspace builds the provider from the module root into a temp dir
// and prepares a working directory against the server at apiURL.
func newTFWorkspace(t *testing.T, apiURL, token string) *tfWorkspace {
	t.Helper()
	tf := terraformPath(t)
	bin := t.TempDir()
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-superplane"), "../..").CombinedOutput()
	if err != nil {
		t.Fatalf("go build provider: %v\n%s", err, out)
	}
	t.Logf("built terraform-provider-superplane in %s", time.Since(start).Round(time.Millisecond))
	rc := filepath.Join(t.TempDir(), "terraformrc")
	cfg := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/superplane/superplane" = %q
  }
  direct {}
}
`, bin)
	if err := os.WriteFile(rc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(),
		"TF_CLI_CONFIG_FILE="+rc,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"SUPERPLANE_API_URL="+apiURL,
		"SUPERPLANE_API_TOKEN="+token,
	)
	return &tfWorkspace{t: t, terraform: tf, dir: t.TempDir(), env: env}
}

// tfRun is one terraform process.
type tfRun struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
	// start is when the process started.
	start time.Time
}

// start starts `terraform args...` in its own process group (so that an
// interrupt or a kill reaches the provider plugin too, as a Ctrl-C in a
// terminal or a CI runner cancelling a job would), its output to a file.
func (w *tfWorkspace) start(args ...string) *tfRun {
	w.t.Helper()
	w.runs++
	log := filepath.Join(w.dir, fmt.Sprintf("run-%02d-%s.log", w.runs, args[0]))
	f, err := os.Create(log)
	if err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command(w.terraform, append(args, "-no-color", "-input=false")...)
	cmd.Dir, cmd.Env = w.dir, w.env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		w.t.Fatal(err)
	}
	r := &tfRun{cmd: cmd, log: log, done: make(chan struct{}), start: time.Now()}
	go func() {
		r.err = cmd.Wait()
		f.Close()
		close(r.done)
	}()
	// Whatever happens to the test, no terraform or provider process
	// outlives it.
	w.t.Cleanup(func() { r.signal(syscall.SIGKILL); r.wait(10 * time.Second) })
	return r
}

// signal sends sig to the run's process group, if it is still running.
func (r *tfRun) signal(sig syscall.Signal) {
	select {
	case <-r.done:
	default:
		_ = syscall.Kill(-r.cmd.Process.Pid, sig)
	}
}

// wait waits up to d for the process to end and reports whether it did.
func (r *tfRun) wait(d time.Duration) bool {
	select {
	case <-r.done:
		return true
	case <-time.After(d):
		return false
	}
}

// waitForChange waits up to limit for the run to start changing objects
// (its first "Creating...", "Modifying..." or "Destroying..." line) and
// reports whether it did; false when it ended or the limit passed first.
func (r *tfRun) waitForChange(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		out := r.output()
		if strings.Contains(out, ": Creating...") || strings.Contains(out, ": Modifying...") ||
			strings.Contains(out, ": Destroying...") {
			return true
		}
		if r.wait(10 * time.Millisecond) {
			return false
		}
	}
	return false
}

// setAsideBrokenState renames terraform.tfstate when out says Terraform
// cannot parse it (a SIGKILL while Terraform rewrote it) and reports
// whether it did.
func (w *tfWorkspace) setAsideBrokenState(out string) bool {
	if !strings.Contains(out, "Unsupported state file format") {
		return false
	}
	state := filepath.Join(w.dir, "terraform.tfstate")
	return os.Rename(state, state+fmt.Sprintf(".broken-%d", w.runs)) == nil
}

// exitCode is the process's exit code, -1 when a signal ended it.
func (r *tfRun) exitCode() int { return r.cmd.ProcessState.ExitCode() }

// output is everything the run wrote.
func (r *tfRun) output() string {
	b, _ := os.ReadFile(r.log)
	return string(b)
}

// run runs terraform to completion within limit and returns its exit code
// and output; a run that exceeds the limit fails the test.
func (w *tfWorkspace) run(limit time.Duration, args ...string) (int, string, time.Duration) {
	w.t.Helper()
	r := w.start(args...)
	if !r.wait(limit) {
		r.signal(syscall.SIGKILL)
		r.wait(10 * time.Second)
		w.t.Fatalf("terraform %s did not finish within %s; output:\n%s", strings.Join(args, " "), limit, lastLines(r.output(), 40))
	}
	return r.exitCode(), r.output(), time.Since(r.start)
}

// writeConfig writes main.tf.
func (w *tfWorkspace) writeConfig(hcl string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// stateIDs reads terraform.tfstate and returns the ids of the managed
// resources by resource type. A missing state is empty, and so is one
// that is not JSON: Terraform's local backend truncates the state file
// before writing it again, so a SIGKILL at that moment leaves it empty (the
// test logs it; Terraform's doing, not the provider's).
func (w *tfWorkspace) stateIDs() map[string][]string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if os.IsNotExist(err) {
		return map[string][]string{}
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Mode      string
			Type      string
			Instances []struct {
				Attributes struct {
					ID string `json:"id"`
				} `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		w.t.Logf("terraform.tfstate is not valid JSON (%d bytes): %v", len(b), err)
		return map[string][]string{}
	}
	ids := map[string][]string{}
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			ids[r.Type] = append(ids[r.Type], in.Attributes.ID)
		}
	}
	return ids
}

// countIDs is the number of resources in a stateIDs result.
func countIDs(ids map[string][]string) int {
	n := 0
	for _, v := range ids {
		n += len(v)
	}
	return n
}

// tfShape is how many objects of each kind a generated configuration has.
// Every configuration also has a GitHub integration and the organization
// secret holding its token (ghFixed).
type tfShape struct {
	canvas, sources, ghSources, stages, woSecrets, plainSecrets int
}

// ghFixed counts the integration and its token secret.
const ghFixed = 2

func (s tfShape) total() int {
	return s.canvas + s.sources + s.ghSources + s.stages + s.woSecrets + s.plainSecrets + ghFixed
}

// shapeFor splits n resources into one canvas, an eighth custom webhook
// sources, as many noop stages (each connected to one source), a
// twentieth GitHub sources (each on its own repository of the fake GitHub,
// through the one integration), and secrets for the rest, half write-only
// and half plain; every other secret is the canvas's, the others the
// organization's.
func shapeFor(n int) tfShape {
	s := tfShape{canvas: 1, sources: n / 8, stages: n / 8, ghSources: n / 20}
	rest := max(n-s.canvas-s.sources-s.stages-s.ghSources-ghFixed, 0)
	s.woSecrets = (rest + 1) / 2
	s.plainSecrets = rest / 2
	return s
}

// fakeGitHub is the GitHub the server provisions hooks on: the organization
// ghOwner with repositories repo-0 … repo-<repos-1> that the token's user
// administers. It returns the fake, the server's environment for it and the
// token (for TF_VAR_gh_token).
func fakeGitHub(t *testing.T, repos int) (*github.Server, string, string) {
	t.Helper()
	gh := github.New(t)
	gh.AddOwner(ghOwner, true)
	gh.AddOwner("octocat", false)
	for i := range max(repos, 1) {
		gh.AddRepo(ghOwner, fmt.Sprintf("repo-%d", i), "octocat")
	}
	token := "ghp_" + randomHex(18)
	gh.AddToken(token, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	return gh, "SUPERPLANE_GITHUB_API_URL=" + gh.URL(), token
}

// ghOwner is the fake GitHub organization of the configurations.
const ghOwner = "acme"

// verifyHooks checks that each GitHub source of shape has exactly one hook
// on its repository, pointing at a source the server holds, and that no
// other repository has one.
func verifyHooks(t *testing.T, gh *github.Server, s tfShape, repos int, serverSources []string) {
	t.Helper()
	for i := range max(repos, 1) {
		repo := fmt.Sprintf("repo-%d", i)
		hooks := gh.Hooks(ghOwner, repo)
		want := 0
		if i < s.ghSources {
			want = 1
		}
		if len(hooks) != want {
			t.Errorf("%s/%s has %d hooks, want %d", ghOwner, repo, len(hooks), want)
			continue
		}
		for _, h := range hooks {
			if !slices.ContainsFunc(serverSources, func(id string) bool { return strings.Contains(h.URL, id) }) {
				t.Errorf("%s/%s: hook %s points at no event source on the server (orphaned)", ghOwner, repo, h.URL)
			}
		}
	}
}

// tfConfig is the configuration of shape, its canvas called canvas, its
// secrets at version (data_wo_version, and part of the plain values, so
// that a new version updates every secret). The secret values come from the
// sensitive variable value (TF_VAR_value), so they appear in no file and no
// output.
func tfConfig(canvas string, s tfShape, version int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    superplane = {
      source = "superplane/superplane"
    }
  }
}

provider "superplane" {}

variable "value" {
  type      = string
  sensitive = true
}

variable "gh_token" {
  type      = string
  sensitive = true
}

resource "superplane_secret" "gh" {
  name            = "gh-token"
  data_wo         = { token = var.gh_token }
  data_wo_version = 1
}

resource "superplane_integration" "gh" {
  name = "gh"
  type = "github"
  url  = "https://github.com/%s"
  auth {
    token {
      secret = superplane_secret.gh.name
      key    = "token"
    }
  }
}

resource "superplane_event_source" "gh" {
  count       = %d
  canvas      = superplane_canvas.c.name
  name        = "gh-${count.index}"
  type        = "github"
  integration = superplane_integration.gh.name
  resource {
    name = "repo-${count.index}"
  }
  events {
    type = "push"
  }
}

resource "superplane_canvas" "c" {
  name        = %q
  description = "interrupted and concurrent applies"
}

resource "superplane_event_source" "src" {
  count  = %d
  canvas = superplane_canvas.c.name
  name   = "src-${count.index}"
  type   = "webhook"
}

resource "superplane_stage" "stage" {
  count  = %d
  canvas = superplane_canvas.c.name
  name   = "stage-${count.index}"

  connect {
    type = "event_source"
    name = superplane_event_source.src[count.index].name
  }

  noop {
    outputs = {
      source = "src-${count.index}"
    }
  }
}

resource "superplane_secret" "wo" {
  count           = %d
  canvas          = count.index %% 2 == 0 ? superplane_canvas.c.name : null
  name            = "wo-${count.index}"
  data_wo         = { token = "${var.value}-wo-${count.index}-v%d" }
  data_wo_version = %d
}

resource "superplane_secret" "plain" {
  count  = %d
  canvas = count.index %% 2 == 0 ? superplane_canvas.c.name : null
  name   = "plain-${count.index}"
  data   = { user = "app-${count.index}", password = "${var.value}-plain-${count.index}-v%d" }
}
`, ghOwner, s.ghSources, canvas, s.sources, s.stages, s.woSecrets, version, version, s.plainSecrets, version)
}

// serverIDs lists, through the API, every canvas, secret (organization and
// canvas), event source and stage of the token's organization, by the
// resource type that manages it, and the names seen per type.
func serverIDs(t *testing.T, apiURL, token, canvas string) (map[string][]string, map[string][]string) {
	t.Helper()
	hc := newHTTPClient()
	ids, names := map[string][]string{}, map[string][]string{}
	var me api.Me
	mustJSON(t, hc, http.MethodGet, apiURL+"/api/v1/me", token, nil, &me)
	var canvases api.ListCanvasesResponse
	mustJSON(t, hc, http.MethodGet, apiURL+"/api/v1/canvases", token, nil, &canvases)
	canvasID := ""
	for _, c := range canvases.Canvases {
		ids["superplane_canvas"] = append(ids["superplane_canvas"], c.Metadata.ID)
		names["superplane_canvas"] = append(names["superplane_canvas"], c.Metadata.Name)
		if c.Metadata.Name == canvas {
			canvasID = c.Metadata.ID
		}
	}
	secrets := func(domainType, domainID string) {
		var l api.ListSecretsResponse
		q := url.Values{"domainType": {domainType}, "domainId": {domainID}}
		mustJSON(t, hc, http.MethodGet, apiURL+"/api/v1/secrets?"+q.Encode(), token, nil, &l)
		for _, s := range l.Secrets {
			ids["superplane_secret"] = append(ids["superplane_secret"], s.Metadata.ID)
			names["superplane_secret"] = append(names["superplane_secret"], domainType+"/"+s.Metadata.Name)
		}
	}
	secrets("DOMAIN_TYPE_ORGANIZATION", me.OrganizationID)
	var ins api.ListIntegrationsResponse
	q := url.Values{"domainType": {"DOMAIN_TYPE_ORGANIZATION"}, "domainId": {me.OrganizationID}}
	mustJSON(t, hc, http.MethodGet, apiURL+"/api/v1/integrations?"+q.Encode(), token, nil, &ins)
	for _, in := range ins.Integrations {
		ids["superplane_integration"] = append(ids["superplane_integration"], in.Metadata.ID)
		names["superplane_integration"] = append(names["superplane_integration"], in.Metadata.Name)
	}
	for _, c := range canvases.Canvases {
		secrets("DOMAIN_TYPE_CANVAS", c.Metadata.ID)
		var srcs api.ListEventSourcesResponse
		mustJSON(t, hc, http.MethodGet, apiURL+"/api/v1/canvases/"+c.Metadata.ID+"/event-sources", token, nil, &srcs)
		for _, s := range srcs.EventSources {
			ids["superplane_event_source"] = append(ids["superplane_event_source"], s.Metadata.ID)
			names["superplane_event_source"] = append(names["superplane_event_source"], s.Metadata.Name)
		}
		var stages api.ListStagesResponse
		mustJSON(t, hc, http.MethodGet, apiURL+"/api/v1/canvases/"+c.Metadata.ID+"/stages", token, nil, &stages)
		for _, s := range stages.Stages {
			ids["superplane_stage"] = append(ids["superplane_stage"], s.Metadata.ID)
			names["superplane_stage"] = append(names["superplane_stage"], s.Metadata.Name)
		}
	}
	if canvasID == "" {
		t.Errorf("canvas %q is not on the server", canvas)
	}
	return ids, names
}

// verifyServerMatches checks that the server holds exactly the objects of
// the configuration: per type the count of shape, no name twice, and the
// same ids as the state (an object on the server that the state does not
// know is an orphan Terraform will never manage or delete).
// It returns the event source ids on the server.
func verifyServerMatches(t *testing.T, w *tfWorkspace, apiURL, token, canvas string, s tfShape) []string {
	t.Helper()
	want := map[string]int{
		"superplane_canvas":       s.canvas,
		"superplane_event_source": s.sources + s.ghSources,
		"superplane_stage":        s.stages,
		"superplane_secret":       s.woSecrets + s.plainSecrets + 1,
		"superplane_integration":  1,
	}
	server, names := serverIDs(t, apiURL, token, canvas)
	state := w.stateIDs()
	for typ, n := range want {
		got, inState := slices.Sorted(slices.Values(server[typ])), slices.Sorted(slices.Values(state[typ]))
		if len(got) != n {
			t.Errorf("%s: the server holds %d, the configuration has %d", typ, len(got), n)
		}
		seen := map[string]bool{}
		for _, name := range names[typ] {
			if seen[name] {
				t.Errorf("%s: %q exists twice on the server", typ, name)
			}
			seen[name] = true
		}
		var orphans, missing []string
		for _, id := range got {
			if _, ok := slices.BinarySearch(inState, id); !ok {
				orphans = append(orphans, id)
			}
		}
		for _, id := range inState {
			if _, ok := slices.BinarySearch(got, id); !ok {
				missing = append(missing, id)
			}
		}
		if len(orphans) > 0 {
			t.Errorf("%s: %d on the server but not in the state (orphans), such as %v", typ, len(orphans), orphans[:min(len(orphans), 3)])
		}
		if len(missing) > 0 {
			t.Errorf("%s: %d in the state but not on the server, such as %v", typ, len(missing), missing[:min(len(missing), 3)])
		}
	}
	return server["superplane_event_source"]
}

// diagnostics extracts Terraform's "Error:" blocks from an output, for a
// report that names what failed without pages of plan. "execution halted"
// (Terraform's note for each resource an interrupt stopped) says nothing
// about the provider and is left out.
func diagnostics(out string) string {
	var b strings.Builder
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		if s := strings.TrimSpace(lines[i]); !strings.HasPrefix(s, "Error:") || s == "Error: execution halted" {
			continue
		}
		// The summary, the resource it is about, and the detail: up to
		// the next diagnostic or 14 lines.
		for j := i; j < len(lines) && j < i+14; j++ {
			if j > i && strings.HasPrefix(strings.TrimSpace(lines[j]), "Error:") {
				break
			}
			b.WriteString(lines[j])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// errorCount is how many diagnostics of severity error an output has.
func errorCount(out string) int {
	return len(regexp.MustCompile(`(?m)^\s*Error: `).FindAllString(out, -1))
}

// lastLines is the end of an output.
func lastLines(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// planIsEmpty runs `terraform plan -detailed-exitcode` and fails the test
// unless it exits 0 (no changes).
func (w *tfWorkspace) planIsEmpty(limit time.Duration) time.Duration {
	w.t.Helper()
	code, out, d := w.run(limit, "plan", "-detailed-exitcode", "-parallelism=10")
	switch code {
	case 0:
	case 2:
		w.t.Errorf("the plan after apply wants changes:\n%s", lastLines(planSummary(out), 60))
	default:
		w.t.Errorf("terraform plan failed (exit %d):\n%s", code, diagnostics(out))
	}
	return d
}

// planSummary keeps the lines of a plan that say what would change.
func planSummary(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "#") || strings.HasPrefix(s, "Plan:") || strings.HasPrefix(s, "~") ||
			strings.HasPrefix(s, "-/+") || strings.HasPrefix(s, "Error:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
