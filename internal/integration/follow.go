package integration

import (
	"context"
	"fmt"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Remote is a run in a tool, as Follow polls it: each runner fills in how
// to read and stop its run and what its tool's answers mean, and Follow
// keeps the rules every runner shares (transient errors counted, the user's
// cancel honoured between polls and worded alike, the remote run stopped
// when the execution times out).
type Remote struct {
	// What names the run in messages, as in "Bitbucket pipeline 7".
	What func() string
	// Read refreshes the run from the tool; done reports a final state.
	Read func(ctx context.Context) (done bool, err error)
	// Finished is the outcome of a run that Read found done.
	Finished func() Outcome
	// Gone reports an error saying the run no longer exists.
	Gone func(err error) bool
	// Transient reports an error worth another poll.
	Transient func(err error) bool
	// Reason is how an error reads in a message; nil means err.Error().
	Reason func(err error) string
	// Report records the run's progress and reports whether the user asked
	// to cancel the execution.
	Report func(ctx context.Context) bool
	// Stop asks the tool to stop the run: when the user cancels the
	// execution, and best effort when the execution times out. A run that
	// had already ended is no failure to stop.
	Stop func(ctx context.Context) error
	// Stopping and Stopped word the user's cancel in the tool's own terms:
	// "cancelled; <Stopping> <What> failed: <reason>" when Stop failed,
	// "cancelled; <What> <Stopped>" when it did not.
	Stopping, Stopped string
	// EndedFirst, if set, reports after a stop whether the run had ended
	// on its own before the stop reached the tool; its outcome is then
	// Finished's, not a cancel.
	EndedFirst func() bool
	// Outcome completes an outcome with the run's resources.
	Outcome func(Outcome) Outcome
}

// Follow polls r until it is done, gone, failing, cancelled by the user, or
// the execution's context ends.
func (e *Execution) Follow(ctx context.Context, r Remote) Outcome {
	failures := 0
	for {
		done, err := r.Read(ctx)
		switch {
		case err == nil:
			failures = 0
			if done {
				return r.Finished()
			}
		case ctx.Err() != nil:
		case r.Gone(err):
			return r.Outcome(Failed(api.ResultReasonError, r.What()+" no longer exists"))
		default:
			if failures++; failures >= MaxTransientErrors || !r.Transient(err) {
				reason := err.Error()
				if r.Reason != nil {
					reason = r.Reason(err)
				}
				return r.Outcome(Failed(api.ResultReasonError, fmt.Sprintf("reading %s failed: %s", r.What(), reason)))
			}
		}
		if ctx.Err() == nil && r.Report(ctx) {
			return e.Cancel(ctx, r)
		}
		if !e.Sleep(ctx) {
			if TimedOut(ctx) {
				cctx, cancel := CleanupContext(ctx)
				defer cancel()
				_ = r.Stop(cctx) // best effort: the execution fails with its timeout anyway
			}
			return r.Outcome(e.Ended(ctx, "waiting for "+r.What()))
		}
	}
}

// Cancel stops r because the user asked to: between Follow's polls, or
// right after a runner started the run. It runs in a cleanup context when
// the execution's own has ended meanwhile, so the stop still reaches the
// tool.
func (e *Execution) Cancel(ctx context.Context, r Remote) Outcome {
	if ctx.Err() != nil {
		cctx, cancel := CleanupContext(ctx)
		defer cancel()
		ctx = cctx
	}
	err := r.Stop(ctx)
	if r.EndedFirst != nil && r.EndedFirst() {
		return r.Finished()
	}
	if err != nil {
		reason := err.Error()
		if r.Reason != nil {
			reason = r.Reason(err)
		}
		return r.Outcome(Cancelled(fmt.Sprintf("cancelled; %s %s failed: %s", r.Stopping, r.What(), reason)))
	}
	return r.Outcome(Cancelled("cancelled; " + r.What() + " " + r.Stopped))
}
