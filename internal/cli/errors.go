package cli

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// target is what a call was about, so that an error can say what to do:
// which object was not found and how to list its kind, what a 403 needed.
type target struct {
	kind   string // "stage", "stage event", "execution"...
	name   string // the name or id asked for; "" for a list
	canvas string // the canvas it lives in, "" for organization objects
	stage  string // the stage, for stage events and executions
	op     string // what the call does, for a 403: "approve an event"
}

// listHint is the command that lists t's kind.
func (t target) listHint() string {
	switch t.kind {
	case "canvas":
		return "superplane get canvases"
	case "secret", "integration":
		if t.canvas != "" {
			return fmt.Sprintf("superplane get %ss --canvas %s", t.kind, t.canvas)
		}
		return fmt.Sprintf("superplane get %ss", t.kind)
	case "stage event":
		return fmt.Sprintf("superplane events --canvas %s --stage %s", t.canvas, t.stage)
	case "execution":
		if t.stage == "" {
			return fmt.Sprintf("superplane get executions --canvas %s --stage STAGE", t.canvas)
		}
		return fmt.Sprintf("superplane executions --canvas %s --stage %s", t.canvas, t.stage)
	case "event":
		return fmt.Sprintf("superplane events --canvas %s", t.canvas)
	case "service account":
		return "superplane get service-accounts"
	case "audit event":
		return "superplane get audit-events"
	}
	return fmt.Sprintf("superplane get %ss --canvas %s", t.kind, t.canvas)
}

// explain turns an error of the client into a sentence that says what
// went wrong and what to do about it.
func (s *session) explain(ctx context.Context, err error, t target) error {
	if err == nil || ctx.Err() != nil || s.c == nil {
		return err
	}
	switch {
	case client.IsUnauthorized(err):
		return fmt.Errorf("the server refused the API token from %s (unknown, revoked or expired): "+
			`run "superplane login --url %s --token-stdin" with a new token from "superplane-server token create"`,
			s.cfg.tokFrom, s.cfg.url)
	case client.IsPermissionDenied(err):
		role := "a role that may not"
		if me, merr := s.c.Me(ctx); merr == nil && me.Role != "" {
			role = "role " + me.Role
		}
		op := t.op
		if op == "" {
			op = "this"
		}
		return fmt.Errorf("permission denied: to %s you need a token with role owner or admin, and yours has %s; "+
			`ask an owner of the organization for an admin token ("superplane-server token create --role admin")`, op, role)
	case client.IsNotFound(err):
		return s.notFound(ctx, t)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, client.ErrUnreachable) {
		return fmt.Errorf("%w\ncannot reach the server at %s (from %s): is it running, and is the URL right? "+
			`"superplane login --url URL" changes it`, err, s.cfg.url, s.cfg.urlFrom)
	}
	return err
}

// notFound says which object of t's chain is missing: the canvas, the
// stage or the object itself, checked in that order, and how to list
// what there is.
func (s *session) notFound(ctx context.Context, t target) error {
	if t.canvas != "" && t.kind != "canvas" {
		if _, err := s.c.GetCanvas(ctx, t.canvas); client.IsNotFound(err) {
			return fmt.Errorf(`canvas %q not found: list canvases with "superplane get canvases"`, t.canvas)
		}
	}
	if t.stage != "" && t.kind != "stage" {
		if _, err := s.c.GetStage(ctx, t.canvas, t.stage); client.IsNotFound(err) {
			return fmt.Errorf(`stage %q not found in canvas %q: list them with "superplane get stages --canvas %s"`, t.stage, t.canvas, t.canvas)
		}
	}
	where := ""
	switch {
	case t.stage != "":
		where = fmt.Sprintf(" in stage %q of canvas %q", t.stage, t.canvas)
	case t.canvas != "":
		where = fmt.Sprintf(" in canvas %q", t.canvas)
	}
	if t.name == "" {
		return fmt.Errorf("not found%s: list with %q", where, t.listHint())
	}
	return fmt.Errorf("%s %q not found%s: list them with %q", t.kind, t.name, where, t.listHint())
}
