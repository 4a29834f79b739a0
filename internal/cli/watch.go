package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// stoppedError ends a follow on Ctrl-C: the execution goes on without us.
type stoppedError struct{ msg string }

func (e *stoppedError) Error() string { return e.msg }
func (e *stoppedError) Unwrap() error { return context.Canceled }

func watchCommand() *command {
	return &command{
		name:    "watch",
		summary: "follow a stage's execution until it finishes",
		help: `Follows a stage: when an execution is pending or running it prints its progress until
it finishes; otherwise it shows the queue (events waiting for an approval or a time
window) and waits for the next execution, then follows that. It asks the server every
--interval and gives up after --timeout. Ctrl-C stops watching; the execution goes on.
Exits 0 when the execution passed, 1 when it failed or was cancelled. With -o json it
prints only the finished execution, as the API answers it.

Example:
  superplane watch --canvas production --stage deploy`,
		flags: []string{"canvas", "stage", "interval", "timeout", "output"},
		run:   runWatch,
	}
}

func logsCommand() *command {
	return &command{
		name:    "logs",
		args:    "EXECUTION_ID",
		summary: "show an execution's progress and result, following it until it finishes",
		help: `Shows an execution: its state as it changes, what it started on the tool (a workflow
run, a pipeline), then its result, message, timings and outputs. It follows a pending or
running execution until it finishes (--follow=false prints it once). --stage may be left
out: the execution is then looked for in every stage of the canvas. Exits 0 when the
execution passed, 1 when it failed or was cancelled.

Example:
  superplane logs --canvas production 0b9c...`,
		flags: []string{"canvas", "stage", "follow", "interval", "timeout", "output"},
		run:   runLogs,
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// endFollow turns the end of a follow's context into what to tell the
// user: stopped by Ctrl-C, or out of time.
func (s *session) endFollow(parent context.Context, err error, what string) error {
	if parent.Err() != nil {
		return &stoppedError{msg: "stopped following " + what + "; it goes on on the server"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %s following %s (raise --timeout)", s.opts.timeout, what)
	}
	return err
}

func runWatch(ctx context.Context, s *session, args []string) error {
	if len(args) > 0 {
		return usagef("watch", "takes no arguments (follow one execution with \"superplane logs EXECUTION_ID\")")
	}
	canvas, err := s.canvas()
	if err != nil {
		return err
	}
	stage := s.opts.stage
	if stage == "" {
		return usagef("watch", "--stage is required (list stages with \"superplane get stages --canvas %s\")", canvas)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	fctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
	defer cancel()
	q := query{canvas: canvas, stage: stage}

	out, err := c.ListExecutions(fctx, canvas, stage, client.ExecutionQuery{Limit: 1})
	if err != nil {
		return s.endFollow(ctx, s.explain(fctx, err, target{kind: "stage", name: stage, canvas: canvas}), "stage "+stage)
	}
	var last *api.Execution
	if len(out.Executions) > 0 {
		last = &out.Executions[0]
		if last.State != api.ExecutionStateFinished {
			return s.follow(ctx, fctx, q, last)
		}
		s.progress("the last execution %s finished %s at %s; waiting for the next one (Ctrl-C stops)",
			last.ID, short(last.Result), when(last.FinishedAt))
	} else {
		s.progress("stage %s has no execution yet; waiting for one (Ctrl-C stops)", stage)
	}

	queue := ""
	for range int(s.opts.timeout/s.opts.interval) + 2 {
		st, err := c.GetStage(fctx, canvas, stage)
		if err != nil {
			return s.endFollow(ctx, s.explain(fctx, err, target{kind: "stage", name: stage, canvas: canvas}), "stage "+stage)
		}
		if now := queueText(st, canvas); now != queue {
			queue = now
			s.progress("%s", queue)
		}
		if st.Status != nil {
			if ex := st.Status.LastExecution; ex != nil && (last == nil || ex.ID != last.ID) {
				return s.follow(ctx, fctx, q, ex)
			}
		}
		if err := sleep(fctx, s.opts.interval); err != nil {
			return s.endFollow(ctx, err, "stage "+stage)
		}
	}
	return s.endFollow(ctx, context.DeadlineExceeded, "stage "+stage)
}

// queueText says what waits in a stage's queue: "queue: empty", "queue: 2
// (1 waiting for approval, 1 pending)".
func queueText(st *api.Stage, canvas string) string {
	if st.Status == nil || st.Status.Queue == nil || st.Status.Queue.Total == 0 {
		return "queue: empty"
	}
	qu := st.Status.Queue
	counts := map[string]int{}
	var order []string
	for _, it := range qu.Items {
		k := short(it.State)
		if it.StateReason != "" {
			k += " for " + strings.ReplaceAll(short(it.StateReason), "_", " ")
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	text := fmt.Sprintf("queue: %d", qu.Total)
	if len(parts) > 0 {
		text += " (" + strings.Join(parts, ", ") + ")"
	}
	if len(qu.Items) > 0 && qu.Items[0].State == api.StageEventStateWaiting && qu.Items[0].StateReason == api.StageEventReasonApproval {
		text += fmt.Sprintf(`; approve with "superplane approve --canvas %s --stage %s %s"`, canvas, st.Metadata.Name, qu.Items[0].ID)
	}
	return text
}

func runLogs(ctx context.Context, s *session, args []string) error {
	if len(args) != 1 {
		return usagef("logs", "give one execution id (list them with \"superplane executions --canvas C --stage S\")")
	}
	canvas, err := s.canvas()
	if err != nil {
		return err
	}
	if _, err := s.client(); err != nil {
		return err
	}
	fctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
	defer cancel()
	ex, stage, err := findExecution(fctx, s, query{canvas: canvas, stage: s.opts.stage}, args[0])
	if err != nil {
		return s.endFollow(ctx, err, "execution "+args[0])
	}
	q := query{canvas: canvas, stage: stage}
	if !s.opts.follow || ex.State == api.ExecutionStateFinished {
		return s.report(q, ex)
	}
	return s.follow(ctx, fctx, q, ex)
}

// progress writes one line of progress, stamped with the time, unless the
// output is JSON (which is the finished execution alone).
func (s *session) progress(format string, args ...any) {
	if s.opts.json() {
		return
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "%s  %s\n", time.Now().UTC().Format("15:04:05Z"), fmt.Sprintf(format, args...))
}

// follow polls an execution until it finishes, printing each change:
// its state, what it started on the tool and the state of that. parent is
// the command's context (Ctrl-C), ctx the one bounded by --timeout.
func (s *session) follow(parent, ctx context.Context, q query, ex *api.Execution) error {
	what := "execution " + ex.ID
	s.progress("following execution %s of stage %s (Ctrl-C stops following; the execution goes on)", ex.ID, q.stage)
	seen := map[string]string{}
	for range int(s.opts.timeout/s.opts.interval) + 2 {
		s.changes(ex, seen)
		if ex.State == api.ExecutionStateFinished {
			return s.report(q, ex)
		}
		if err := sleep(ctx, s.opts.interval); err != nil {
			return s.endFollow(parent, err, what)
		}
		next, err := s.refresh(ctx, q, ex.ID)
		if err != nil {
			return s.endFollow(parent, err, what)
		}
		ex = next
	}
	return s.endFollow(parent, context.DeadlineExceeded, what)
}

// refresh reads an execution again: it is almost always on the first page
// of its stage's newest executions; findExecution pages further if not.
func (s *session) refresh(ctx context.Context, q query, id string) (*api.Execution, error) {
	out, err := s.c.ListExecutions(ctx, q.canvas, q.stage, client.ExecutionQuery{Limit: 20})
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "execution", name: id, canvas: q.canvas, stage: q.stage})
	}
	for i := range out.Executions {
		if out.Executions[i].ID == id {
			return &out.Executions[i], nil
		}
	}
	ex, _, err := findExecution(ctx, s, q, id)
	return ex, err
}

// changes prints what changed in ex since the last look, remembered in seen.
func (s *session) changes(ex *api.Execution, seen map[string]string) {
	if seen["state"] != ex.State {
		seen["state"] = ex.State
		switch ex.State {
		case api.ExecutionStatePending:
			s.progress("pending: waiting for a runner")
		case api.ExecutionStateStarted:
			s.progress("started at %s", when(ex.StartedAt))
		case api.ExecutionStateFinished:
			s.progress("finished at %s: %s", when(ex.FinishedAt), short(ex.Result))
		}
	}
	for _, r := range ex.Resources {
		key := "resource " + r.Type + " " + r.ID
		now := strings.TrimSpace(short(r.State) + " " + short(r.Result))
		if seen[key] != now {
			seen[key] = now
			s.progress("%s %s: %s", r.Type, r.ID, now)
		}
	}
}

// report prints a finished (or, without --follow, any) execution and
// returns errNotPassed when it finished without passing.
func (s *session) report(q query, ex *api.Execution) error {
	if s.opts.json() {
		if err := printJSON(s.io.Stdout, api.ExecutionResponse{Execution: ex}); err != nil {
			return err
		}
	} else {
		writeExecution(s, ex, q.stage)
	}
	if ex.State == api.ExecutionStateFinished && ex.Result != api.ResultPassed {
		_, _ = fmt.Fprintf(s.io.Stderr, "execution %s %s: %s\n", ex.ID, short(ex.Result), ex.ResultMessage)
		return errNotPassed
	}
	return nil
}
