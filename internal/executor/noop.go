package executor

// runNoop passes at once: a noop stage only moves events along, with
// spec.outputs as its outputs.
func runNoop(req Request) Outcome {
	out := passed("", specOutputs(req.Spec))
	out.Resources = req.Resources
	return out
}

// dryRun passes without contacting anything, whatever the executor type,
// with spec.outputs as its outputs, so that a canvas can be tried out.
func dryRun(req Request) Outcome {
	out := passed("dry run", specOutputs(req.Spec))
	out.Resources = req.Resources
	return out
}
