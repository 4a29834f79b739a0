package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// tokenCommand runs `token create|list|revoke`.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	switch {
	case len(args) > 0 && args[0] == "create":
		return tokenCreate(ctx, args[1:], stdout, stderr, getenv)
	case len(args) > 0 && args[0] == "list":
		return tokenList(ctx, args[1:], stdout, stderr, getenv)
	case len(args) > 0 && args[0] == "revoke":
		return tokenRevoke(ctx, args[1:], stdout, stderr, getenv)
	}
	_, _ = fmt.Fprint(stderr, "usage:\n"+commandUsage("token"))
	if len(args) == 0 {
		return errors.New("token needs a subcommand: create, list or revoke")
	}
	return fmt.Errorf("unknown command %q", strings.Join(append([]string{"token"}, args...), " "))
}

// tokenCreate creates a token (and its organization and user when missing)
// and prints it, alone, on stdout; everything else goes to stderr, the
// database it used first. Without --init it refuses a database that does
// not exist yet: run next to a server on another data dir, it used to
// create an empty database of its own and print a token no server knew.
func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c config
	var org, role, email, canvas, canvasRole string
	var ttl time.Duration
	var initDB bool
	fs := newFlagSet("token create", stderr)
	c.bind(fs, getenv, false)
	fs.StringVar(&org, "org", "", "organization name (created when missing)")
	fs.StringVar(&role, "role", "", "owner, admin, viewer, or member (nothing on any canvas but what --canvas-role and the roles API give)")
	fs.StringVar(&canvas, "canvas", "", "a canvas (id or name) on which to give the user --canvas-role")
	fs.StringVar(&canvasRole, "canvas-role", "", "canvas_owner, canvas_admin or canvas_viewer on --canvas (default canvas_viewer)")
	fs.StringVar(&email, "user", "", "user email (created when missing; default admin@<org>)")
	fs.DurationVar(&ttl, "ttl", 0, "how long the token works, like 720h (default: until revoked)")
	fs.BoolVar(&initDB, "init", false, "create the database when it does not exist yet (default: refuse, so a wrong --data-dir is noticed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !validName(org) {
		return errors.New("--org is required: 1-128 letters, digits, '-', '_' or '.', not a UUID")
	}
	switch role {
	case api.RoleOwner, api.RoleAdmin, api.RoleViewer, api.RoleMember:
	default:
		return errors.New("--role must be owner, admin, viewer or member")
	}
	switch {
	case canvas == "" && canvasRole != "":
		return errors.New("--canvas-role needs --canvas")
	case canvas != "" && canvasRole == "":
		canvasRole = api.RoleCanvasViewer
	}
	switch canvasRole {
	case "", api.RoleCanvasOwner, api.RoleCanvasAdmin, api.RoleCanvasViewer:
	default:
		return errors.New("--canvas-role must be canvas_owner, canvas_admin or canvas_viewer")
	}
	if ttl < 0 || (ttl > 0 && ttl < time.Minute) {
		return errors.New("--ttl must be at least 1m (or 0: until revoked)")
	}
	if email == "" {
		email = "admin@" + org
	}
	st, err := c.openNamed(ctx, stderr, initDB)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	o, err := st.EnsureOrganization(ctx, org)
	if err != nil {
		return err
	}
	u, err := st.EnsureUser(ctx, o.ID, email)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if canvas != "" {
		cv, err := st.FindCanvas(ctx, o.ID, canvas)
		if err != nil {
			return fmt.Errorf("--canvas: %w", err)
		}
		if err := st.SetRoleBinding(ctx, store.RoleBinding{OrgID: o.ID, UserID: u.ID, DomainType: store.DomainCanvas,
			DomainID: cv.ID, Role: canvasRole, CreatedAt: now}); err != nil {
			return err
		}
		_, _ = fmt.Fprintf(stderr, "superplane-server: %s is %s of canvas %s\n", email, canvasRole, cv.Name)
	}
	token, hash, err := service.NewToken()
	if err != nil {
		return err
	}
	t := store.Token{Hash: hash, UserID: u.ID, OrgID: o.ID, Role: role, CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	if err := st.CreateToken(ctx, t); err != nil {
		return err
	}
	// The token is shown once: if it cannot be written, say so.
	if _, err := fmt.Fprintln(stdout, token); err != nil {
		return fmt.Errorf("printing the token: %w", err)
	}
	expires := "never expires"
	if ttl > 0 {
		expires = "expires " + t.ExpiresAt.Format(time.RFC3339)
	}
	_, _ = fmt.Fprintf(stderr, "superplane-server: created a %s token for %s in organization %s (%s); `token list` shows its id\n", role, email, org, expires)
	return nil
}

// tokenList prints the tokens (never a value or a hash) as a table.
func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c config
	var org string
	fs := newFlagSet("token list", stderr)
	c.bind(fs, getenv, false)
	fs.StringVar(&org, "org", "", "only the tokens of this organization")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token list takes no arguments, got %q", strings.Join(fs.Args(), " "))
	}
	st, err := c.openExisting(ctx, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	tokens, err := st.ListTokens(ctx, org)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "ID\tORGANIZATION\tUSER\tROLE\tCREATED\tEXPIRES\tLAST USED")
	for _, t := range tokens {
		expires := "never"
		if !t.ExpiresAt.IsZero() {
			expires = t.ExpiresAt.Format(time.RFC3339)
			if !now.Before(t.ExpiresAt) {
				expires += " (expired)"
			}
		}
		used := "never"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.Format(time.RFC3339) // recorded to the hour
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Organization, t.UserEmail, t.Role,
			t.CreatedAt.Format(time.RFC3339), expires, used)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("printing the tokens: %w", err)
	}
	return nil
}

// tokenRevoke deletes a token by id: every server refuses it from its next
// request on.
func tokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c config
	fs := newFlagSet("token revoke", stderr)
	c.bind(fs, getenv, false)
	id, err := parseOneArgument(fs, args, "token revoke needs exactly one token id (from `token list`)")
	if err != nil {
		return err
	}
	st, err := c.openExisting(ctx, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	// Named before it is gone, so the operator sees whose token it was.
	who := ""
	if all, err := st.ListTokens(ctx, ""); err == nil {
		for _, t := range all {
			if t.ID == id {
				who = fmt.Sprintf(" (%s token of %s in organization %s)", t.Role, t.UserEmail, t.Organization)
			}
		}
	}
	if err := st.RevokeToken(ctx, id); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stdout, "revoked token %s%s\n", id, who)
	return nil
}
