package integration

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

var (
	errFlaky = errors.New("503 from the tool")
	errGone  = errors.New("404 from the tool")
	errBad   = errors.New("401 from the tool")
)

// scripted is a Remote whose reads answer from a script, one entry a poll
// ("ok", "done", "flaky", "gone", "bad"), staying on the last entry.
type scripted struct {
	script     []string
	reads      int
	cancelAt   int   // the poll at which the user asks to cancel; 0 never
	stopErr    error // what Stop answers
	endedFirst bool  // the run ended on its own before a stop reached it
	stopped    bool
}

func (s *scripted) remote() Remote {
	return Remote{
		What: func() string { return "pipeline 7" },
		Read: func(context.Context) (bool, error) {
			step := s.script[min(s.reads, len(s.script)-1)]
			s.reads++
			switch step {
			case "done":
				return true, nil
			case "flaky":
				return false, errFlaky
			case "gone":
				return false, errGone
			case "bad":
				return false, errBad
			}
			return false, nil
		},
		Finished:   func() Outcome { return Passed("pipeline 7 passed", nil) },
		Gone:       func(err error) bool { return errors.Is(err, errGone) },
		Transient:  func(err error) bool { return errors.Is(err, errFlaky) },
		Report:     func(context.Context) bool { return s.cancelAt > 0 && s.reads >= s.cancelAt },
		Stop:       func(context.Context) error { s.stopped = true; return s.stopErr },
		Stopping:   "stopping",
		Stopped:    "was stopped",
		EndedFirst: func() bool { return s.endedFirst },
		Outcome:    func(o Outcome) Outcome { return o },
	}
}

// TestFollow pins the rules every runner's follow loop now shares.
func TestFollow(t *testing.T) {
	e := &Execution{PollInterval: time.Millisecond, Timeout: time.Minute}
	flaky4 := []string{"flaky", "flaky", "flaky", "flaky"}
	cases := []struct {
		name       string
		script     []string
		cancelAt   int
		stopErr    error
		endedFirst bool
		result     string
		message    string
		reads      int
	}{
		{name: "done after polls", script: []string{"ok", "ok", "done"}, result: api.ResultPassed, message: "pipeline 7 passed", reads: 3},
		// Four failures in a row are tolerated, and a good read starts the count again.
		{name: "transient errors reset by a good read", script: append(append(append([]string{}, flaky4...), "ok"), append(flaky4, "done")...),
			result: api.ResultPassed, reads: 10},
		{name: "five transient errors in a row", script: []string{"flaky"}, result: api.ResultFailed,
			message: "reading pipeline 7 failed: 503 from the tool", reads: MaxTransientErrors},
		{name: "an error that is not transient", script: []string{"ok", "bad"}, result: api.ResultFailed,
			message: "reading pipeline 7 failed: 401 from the tool", reads: 2},
		{name: "gone", script: []string{"ok", "gone"}, result: api.ResultFailed, message: "pipeline 7 no longer exists", reads: 2},
		{name: "the user cancels", script: []string{"ok"}, cancelAt: 3, result: api.ResultCancelled,
			message: "cancelled; pipeline 7 was stopped", reads: 3},
		{name: "the user cancels and the stop fails", script: []string{"ok"}, cancelAt: 2, stopErr: errFlaky,
			result: api.ResultCancelled, message: "cancelled; stopping pipeline 7 failed: 503 from the tool", reads: 2},
		{name: "the run ended before the stop reached it", script: []string{"ok"}, cancelAt: 1, stopErr: errBad, endedFirst: true,
			result: api.ResultPassed, message: "pipeline 7 passed", reads: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &scripted{script: c.script, cancelAt: c.cancelAt, stopErr: c.stopErr, endedFirst: c.endedFirst}
			out := e.Follow(t.Context(), s.remote())
			if out.Result != c.result || (c.message != "" && out.Message != c.message) {
				t.Errorf("outcome %s %q, want %s %q", out.Result, out.Message, c.result, c.message)
			}
			if s.reads != c.reads {
				t.Errorf("%d reads, want %d", s.reads, c.reads)
			}
			if s.stopped != (c.cancelAt > 0) {
				t.Errorf("stopped %v, want %v: only the user's cancel stops the run here", s.stopped, c.cancelAt > 0)
			}
		})
	}

	t.Run("the execution times out", func(t *testing.T) {
		ctx, cancel := ExecutionContext(t.Context(), 30*time.Millisecond)
		defer cancel()
		s := &scripted{script: []string{"ok"}}
		out := (&Execution{PollInterval: 5 * time.Millisecond, Timeout: 30 * time.Millisecond}).Follow(ctx, s.remote())
		if out.Reason != api.ResultReasonTimeout || !strings.Contains(out.Message, "while waiting for pipeline 7") || !s.stopped {
			t.Errorf("outcome %s %s %q, stopped %v: want a timeout that stops the run", out.Result, out.Reason, out.Message, s.stopped)
		}
	})
	t.Run("the caller stops", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		s := &scripted{script: []string{"ok"}}
		r := s.remote()
		read := r.Read
		r.Read = func(ctx context.Context) (bool, error) { cancel(); return read(ctx) }
		out := e.Follow(ctx, r)
		if out.Message != "interrupted while waiting for pipeline 7" || s.stopped {
			t.Errorf("outcome %q, stopped %v: an interrupted execution leaves the run to resume", out.Message, s.stopped)
		}
	})
}
