package github_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
)

// TestGitHubOutputTokenInput: the output token goes to the run as the
// superplane_token input; a workflow that does not declare it gets the
// dispatch again without it (GitHub's 422 makes no run); and with nine
// inputs of the spec's own, GitHub's limit of 10 leaves it out. Never
// does a failure message carry it.
func TestGitHubOutputTokenInput(t *testing.T) {
	const token = "spo_output-token-of-the-test"
	for _, tc := range []struct {
		name      string
		declared  []string // nil: any input
		extra     int      // inputs of the spec's own besides version and replicas
		wantToken bool
	}{
		{name: "declared", declared: []string{"version", "replicas", github.ExecutionIDInput, github.OutputTokenInput}, wantToken: true},
		{name: "not declared", declared: []string{"version", "replicas", github.ExecutionIDInput}},
		{name: "no room", extra: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRunFixture(t, 0)
			if tc.declared != nil {
				f.fake.SetWorkflowInputs("acme", "app", "deploy.yml", tc.declared)
			}
			req := githubRequest("exec-1")
			req.OutputToken = token
			inputs, _ := integration.AsObject(req.Spec["inputs"])
			for i := range tc.extra {
				inputs[fmt.Sprintf("extra%d", i)] = "x"
			}
			out := f.run(t, req, nil)
			runtest.WantOutcome(t, out, api.ResultPassed, api.ResultReasonOK, "success")
			d := f.fake.Dispatches("acme", "app")
			if len(d) != 1 {
				t.Fatalf("dispatches = %+v, want 1", d)
			}
			if got, _ := d[0].Inputs[github.OutputTokenInput].(string); (got == token) != tc.wantToken {
				t.Fatalf("dispatch inputs = %v; token sent = %v, want %v", d[0].Inputs, got == token, tc.wantToken)
			}
			if runs := f.fake.WorkflowRuns("acme", "app"); len(runs) != 1 {
				t.Fatalf("runs = %+v, want exactly one", runs)
			}
		})
	}

	// A workflow that refuses another input fails with GitHub's reason, not
	// a second dispatch, and the reason holds no token.
	f := newRunFixture(t, 0)
	f.fake.SetWorkflowInputs("acme", "app", "deploy.yml", []string{github.ExecutionIDInput, github.OutputTokenInput})
	req := githubRequest("exec-2")
	req.OutputToken = token
	out := f.run(t, req, nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "Unexpected inputs")
	if strings.Contains(out.Message, token) {
		t.Fatalf("the failure message shows the output token: %s", out.Message)
	}
}
