package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// cliGuide is the published page whose ```sh blocks TestCLIGuideExamples
// runs.
const cliGuide = "../../docs/guides/cli.md"

// TestCLIGuideExamples runs every sh block of docs/guides/cli.md, in page
// order, with bash and a superplane binary built from this tree, against
// the test server holding the page's example canvas (its example URL
// replaced by the server's). Each block must succeed; afterwards the API
// must show what the page did: a release approved and passed, another
// discarded.
func TestCLIGuideExamples(t *testing.T) {
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the guide's examples need it (apt-get install %s)", tool, tool)
		}
	}
	raw, err := os.ReadFile(cliGuide)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "superplane"), "./cmd/superplane")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building superplane: %v\n%s", err, out)
	}

	// The page's example canvas.
	if _, err := srv.owner.CreateCanvas(ctx(t), "production", "the CLI guide's canvas"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.owner.CreateEventSource(ctx(t), "production", client.EventSourceParams{Name: "release", Spec: api.EventSourceSpec{Type: api.EventSourceTypeManual}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.owner.CreateStage(ctx(t), "production", client.StageParams{Name: "deploy", Spec: api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "release", Filters: []api.Filter{
			{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.channel == 'stable'"}},
		}}},
		Conditions: []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 1}}},
		Executor:   &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	}}); err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "token.txt"), []byte(srv.ownerToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"XDG_CONFIG_HOME=" + t.TempDir(),
	}
	// What the page describes happening between two blocks: the engine
	// queues an event, or runs an approved one, a moment later.
	before := map[string]func(){
		"See the stage's queue": func() { waitingEvent(t, "production", "deploy") },
		"Follow the run until it finishes": func() {
			waitFor(t, "an execution", func() bool { return len(executions(t, "production", "deploy")) > 0 })
		},
		"Discard the waiting event": func() { waitingEvent(t, "production", "deploy") },
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(raw), -1)
	if len(blocks) < 12 {
		t.Fatalf("%s has %d sh blocks; the test expects the whole walk-through", cliGuide, len(blocks))
	}
	outputs := map[string]string{}
	for _, m := range blocks {
		first, _, _ := strings.Cut(m[1], "\n")
		if !strings.HasPrefix(first, "# ") {
			t.Fatalf("a sh block does not start with a comment naming it:\n%s", m[1])
		}
		name := strings.TrimPrefix(first, "# ")
		if f := before[name]; f != nil {
			f()
		}
		script := strings.ReplaceAll(m[1], "https://superplane.example.com", srv.url)
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(c, "bash", "--norc", "--noprofile", "-euo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = work, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("block %q: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String()+stderr.String(), srv.ownerToken) {
			t.Errorf("block %q printed the token", name)
		}
		outputs[name] = stdout.String()
	}

	if out := outputs["Log in (the token is in token.txt)"]; !strings.Contains(out, "Logged in to "+srv.url) {
		t.Errorf("login block: %q", out)
	}
	if out := outputs["Follow the run until it finishes"]; !strings.Contains(out, "passed") {
		t.Errorf("logs block:\n%s", out)
	}
	for file, want := range map[string]string{
		"staging.tf":    "  connect {\n    type = \"connection_group\"\n    name = superplane_connection_group.tested_release.name\n  }\n",
		"production.tf": `id = "production/deploy"`,
	} {
		raw, err := os.ReadFile(filepath.Join(work, file))
		if err != nil || !strings.Contains(string(raw), want) {
			t.Errorf("%s (%v) lacks %s:\n%s", file, err, want, raw)
		}
	}
	ex := executions(t, "production", "deploy")
	if len(ex) != 1 || ex[0].Result != api.ResultPassed {
		t.Errorf("after the guide deploy's executions are %+v, want one passed", ex)
	}
	states := map[string]int{}
	for _, e := range stageEvents(t, "production", "deploy") {
		states[e.State]++
	}
	if states[api.StageEventStateProcessed] != 1 || states[api.StageEventStateDiscarded] != 1 {
		t.Errorf("after the guide deploy's queue holds %v, want one processed and one discarded", states)
	}
}
