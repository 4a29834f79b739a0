package executor

import "github.com/superplane/terraform-provider-superplane/internal/integration"

// runNoop passes at once: a noop stage only moves events along, with
// spec.outputs as its outputs.
func runNoop(req Request) Outcome {
	out := integration.Passed("", specOutputs(req.Spec))
	out.Resources = req.Resources
	return out
}

// dryRun passes without contacting anything, whatever the executor type,
// with spec.outputs as its outputs, so that a canvas can be tried out.
func dryRun(req Request) Outcome {
	out := integration.Passed("dry run", specOutputs(req.Spec))
	out.Resources = req.Resources
	return out
}

// specOutputs returns spec.outputs, the outputs of noop and dry runs.
func specOutputs(spec map[string]any) map[string]string {
	return integration.StringValues(spec["outputs"])
}
