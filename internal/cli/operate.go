package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// maxEventFile bounds what emit reads from --file: the server's webhook body
// limit is 5 MiB by default, and a manual event is smaller still.
const maxEventFile = 5 << 20

func approveCommand() *command {
	return &command{
		name:    "approve",
		args:    "EVENT_ID",
		summary: "approve a stage event waiting for approval",
		help: `Records your approval of a stage event in a stage's queue (an id from
"superplane events --canvas C --stage S --state waiting"). When the stage's approval
condition has its count of approvals from distinct users, the event runs. Approving
twice counts once. Needs an owner or admin token.

Example:
  superplane approve --canvas production --stage deploy 6f1c...`,
		flags: []string{"canvas", "stage", "output"},
		run: func(ctx context.Context, s *session, args []string) error {
			return runQueueAction(ctx, s, args, "approve")
		},
	}
}

func discardCommand() *command {
	return &command{
		name:    "discard",
		args:    "EVENT_ID",
		summary: "take a stage event out of the queue without running it",
		help: `Discards a queued stage event for good: it never runs. Only a queued (pending or
waiting) event can be discarded. Needs an owner or admin token.

Example:
  superplane discard --canvas production --stage deploy 6f1c...`,
		flags: []string{"canvas", "stage", "output"},
		run: func(ctx context.Context, s *session, args []string) error {
			return runQueueAction(ctx, s, args, "discard")
		},
	}
}

// runQueueAction approves or discards a stage event.
func runQueueAction(ctx context.Context, s *session, args []string, action string) error {
	if len(args) != 1 {
		return usagef(action, "give one stage event id (list them with \"superplane events --canvas C --stage S\")")
	}
	canvas, err := s.canvas()
	if err != nil {
		return err
	}
	if s.opts.stage == "" {
		return usagef(action, "--stage is required (list stages with \"superplane get stages --canvas %s\")", canvas)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	id := args[0]
	var ev *api.StageEvent
	if action == "approve" {
		ev, err = c.ApproveStageEvent(ctx, canvas, s.opts.stage, id)
	} else {
		ev, err = c.DiscardStageEvent(ctx, canvas, s.opts.stage, id)
	}
	if err != nil {
		return s.explain(ctx, err, target{kind: "stage event", name: id, canvas: canvas, stage: s.opts.stage, op: action + " a stage event"})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.StageEventResponse{Event: ev})
	}
	if action == "approve" {
		_, _ = fmt.Fprintf(s.io.Stdout, "approved stage event %s of stage %s: %s, approvals %s\n", ev.ID, s.opts.stage, short(ev.State), approvals(ev))
	} else {
		_, _ = fmt.Fprintf(s.io.Stdout, "discarded stage event %s of stage %s\n", ev.ID, s.opts.stage)
	}
	return nil
}

func cancelCommand() *command {
	return &command{
		name:    "cancel",
		args:    "EXECUTION_ID",
		summary: "cancel a pending or running execution",
		help: `Cancels an execution: a pending one ends at once, a running one is stopped within a
few seconds (an HTTP call in flight is aborted, a GitHub or Semaphore run is stopped on
the tool). Either ends with result cancelled. A finished execution is left as it is.
--stage may be left out: the execution is then looked for in every stage of the canvas.
Needs an owner or admin token.

Example:
  superplane cancel --canvas production --stage deploy 0b9c...`,
		flags: []string{"canvas", "stage", "output"},
		run:   runCancel,
	}
}

func runCancel(ctx context.Context, s *session, args []string) error {
	if len(args) != 1 {
		return usagef("cancel", "give one execution id (list them with \"superplane executions --canvas C --stage S\")")
	}
	canvas, err := s.canvas()
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	id, stage := args[0], s.opts.stage
	if stage == "" {
		_, found, err := findExecution(ctx, s, query{canvas: canvas}, id)
		if err != nil {
			return err
		}
		stage = found
	}
	ex, err := c.CancelExecution(ctx, canvas, stage, id)
	if err != nil {
		return s.explain(ctx, err, target{kind: "execution", name: id, canvas: canvas, stage: stage, op: "cancel an execution"})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ExecutionResponse{Execution: ex})
	}
	switch {
	case ex.State == api.ExecutionStateFinished && ex.Result == api.ResultCancelled:
		_, _ = fmt.Fprintf(s.io.Stdout, "cancelled execution %s of stage %s\n", ex.ID, stage)
	case ex.State == api.ExecutionStateFinished:
		_, _ = fmt.Fprintf(s.io.Stdout, "execution %s of stage %s had already finished: %s\n", ex.ID, stage, short(ex.Result))
	default:
		_, _ = fmt.Fprintf(s.io.Stdout, "cancelling execution %s of stage %s: it stops within a few seconds "+
			"(\"superplane logs --canvas %s %s\" follows it)\n", ex.ID, stage, canvas, ex.ID)
	}
	return nil
}

func emitCommand() *command {
	return &command{
		name:    "emit",
		summary: "post an event by hand to a manual event source",
		help: `Posts an event to a manual event source, as a release button would: every stage
connected to the source whose filters pass queues it. The event's data comes from
--data KEY=VALUE flags (strings; KEY:=JSON for numbers, booleans, lists and objects)
or from --file, a JSON object (- reads standard input). --type sets the event's type
(default manual), which connection filters can match. Needs an owner or admin token.

Examples:
  superplane emit --canvas production --source release --data version=1.4.2 --data channel=stable
  superplane emit --canvas production --source release --data 'build:=42' --type release
  superplane emit --canvas production --source release --file event.json`,
		flags: []string{"canvas", "source", "type", "data", "file", "output"},
		run:   runEmit,
	}
}

// eventData builds the event's data from --data or --file.
func (s *session) eventData() (map[string]any, error) {
	if len(s.opts.data) > 0 && s.opts.file != "" {
		return nil, usagef("emit", "give the event's data with --data or with --file, not both")
	}
	raw := map[string]any{}
	if s.opts.file != "" {
		var r io.Reader
		if s.opts.file == "-" {
			r = s.io.Stdin
		} else {
			f, err := os.Open(s.opts.file)
			if err != nil {
				return nil, fmt.Errorf("--file: %w", err)
			}
			defer func() { _ = f.Close() }()
			r = f
		}
		body, err := io.ReadAll(io.LimitReader(r, maxEventFile+1))
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		if len(body) > maxEventFile {
			return nil, fmt.Errorf("--file: more than %d bytes", maxEventFile)
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("--file %s is not JSON: %v", s.opts.file, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("--file %s must hold a JSON object ({\"version\": \"1.4.2\"}), not %T", s.opts.file, v)
		}
		return obj, nil
	}
	for _, kv := range s.opts.data {
		i := strings.Index(kv, "=")
		key, value := kv[:i], kv[i+1:]
		if strings.HasSuffix(key, ":") {
			key = strings.TrimSuffix(key, ":")
			dec := json.NewDecoder(strings.NewReader(value))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, usagef("emit", "--data %s: the value after := must be JSON (42, true, [1,2], {\"a\":1}, \"text\")", key)
			}
			raw[key] = v
			continue
		}
		raw[key] = value
	}
	return raw, nil
}

func runEmit(ctx context.Context, s *session, args []string) error {
	if len(args) > 0 {
		return usagef("emit", "takes no arguments: give the data with --data KEY=VALUE or --file FILE")
	}
	canvas, err := s.canvas()
	if err != nil {
		return err
	}
	if s.opts.source == "" {
		return usagef("emit", "--source is required: a manual event source of the canvas (list them with \"superplane get event-sources --canvas %s\")", canvas)
	}
	raw, err := s.eventData()
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	ev, err := c.CreateEvent(ctx, canvas, s.opts.source, s.opts.eventType, raw)
	if err != nil {
		return s.explain(ctx, err, target{kind: "event-source", name: s.opts.source, canvas: canvas, op: "post an event"})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.EventResponse{Event: *ev})
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "posted event %s to source %s (type %s): see where it went with "+
		"\"superplane get stages --canvas %s\"\n", ev.ID, ev.SourceName, ev.Type, canvas)
	return nil
}
