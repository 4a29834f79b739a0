package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

func sessionsCommand() *command {
	return &command{
		name:     "sessions",
		args:     "[list | revoke ID | revoke --others | revoke --user EMAIL]",
		summary:  "list your sessions (browsers and CLI sign-ins) and revoke them",
		complete: []string{"list", "revoke"},
		help: `Lists where you are signed in (GET /api/v1/me/sessions): console sessions in a
browser (through an auth provider such as GitHub, or with a pasted API token) and
CLI sign-ins ("superplane login --browser"), with when each was created, last used
and expires. The one this CLI is signed in with is marked current. Token values are
never shown. API tokens an operator or a service account made are not sessions.

"revoke ID" signs a session out from its next request on, on every replica: a
browser lands on the sign-in page, a CLI sign-in's token gets 401. "revoke --others"
revokes every session but the current one. You see and revoke only your own
sessions, except that owners and admins sign another user of the organization out
of every session with "revoke --user EMAIL" (or the user's id; an admin cannot sign
an owner out). A user signed out keeps their API tokens: revoke those separately.

Examples:
  superplane sessions
  superplane sessions revoke 3f0c5a2e-7d1b-4e8a-9c6f-2b4d8e1a0c37
  superplane sessions revoke --others
  superplane sessions revoke --user octo@example.com`,
		flags: []string{"output", "others", "user"},
		run:   runSessions,
	}
}

func runSessions(ctx context.Context, s *session, args []string) error {
	verb := "list"
	if len(args) > 0 {
		verb, args = args[0], args[1:]
	}
	others, user := s.opts.others, s.opts.user != ""
	switch {
	case verb == "list" && len(args) == 0 && !others && !user:
	case verb == "revoke" && others != user && len(args) == 0:
	case verb == "revoke" && !others && !user && len(args) == 1:
	case verb == "revoke":
		return usagef("sessions", "revoke takes one session id (from superplane sessions), --others or --user EMAIL")
	case verb == "list":
		return usagef("sessions", "list takes no arguments")
	default:
		return usagef("sessions", "unknown action %q: list or revoke", verb)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	t := target{kind: "session", op: "manage your sessions"}
	switch {
	case verb == "list":
		list, err := c.ListSessions(ctx)
		if err != nil {
			return s.explain(ctx, err, t)
		}
		if s.opts.json() {
			return printJSON(s.io.Stdout, api.ListSessionsResponse{Sessions: list})
		}
		tw := newTable(s.io.Stdout, "ID", "KIND", "SIGNED IN WITH", "CREATED", "LAST USED", "EXPIRES", "CURRENT")
		for i := range list {
			ss := &list[i]
			current := ""
			if ss.Current {
				current = "yes"
			}
			tw.row(ss.ID, ss.Kind, ss.SignedInWith, when(&ss.CreatedAt), when(ss.LastUsedAt), when(&ss.ExpiresAt), current)
		}
		return tw.flush()
	case user:
		return s.signOutUser(ctx, c, s.opts.user)
	case s.opts.others:
		n, err := c.RevokeOtherSessions(ctx)
		if err != nil {
			return s.explain(ctx, err, t)
		}
		_, _ = fmt.Fprintf(s.io.Stdout, "Revoked %d other session(s); this one stays signed in.\n", n)
		return nil
	}
	id := args[0]
	if err := c.RevokeSession(ctx, id); err != nil {
		if client.IsNotFound(err) {
			return fmt.Errorf("session %q not found among yours: list them with \"superplane sessions\"", id)
		}
		return s.explain(ctx, err, t)
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "Revoked session %s.\n", id)
	return nil
}

// signOutUser ends every session of the organization's user named by email
// or id.
func (s *session) signOutUser(ctx context.Context, c *client.Client, who string) error {
	t := target{kind: "user", name: who, op: "sign a user out"}
	id := who
	if _, err := uuid.Parse(who); err != nil {
		users, err := c.ListUsers(ctx, client.Domain{})
		if err != nil {
			return s.explain(ctx, err, t)
		}
		id = ""
		for _, u := range users {
			if u.Metadata != nil && strings.EqualFold(u.Metadata.Email, who) {
				id = u.Metadata.ID
			}
		}
		if id == "" {
			return fmt.Errorf("no user %q in the organization", who)
		}
	}
	n, err := c.SignOutUser(ctx, id)
	if err != nil {
		if client.IsNotFound(err) {
			return fmt.Errorf("no user %q in the organization", who)
		}
		return s.explain(ctx, err, t)
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "Signed %s out of %d session(s); their API tokens keep working.\n", who, n)
	return nil
}

// revokeOwnSession ends, on the server, the session the saved token is
// (a CLI browser sign-in's token): it reports whether there was one. A
// token that is no session (an operator's) is left working.
func (s *session) revokeOwnSession(ctx context.Context, url, token string) (bool, error) {
	c, err := s.newClient(url, token)
	if err != nil {
		return false, err
	}
	list, err := c.ListSessions(ctx)
	if err != nil {
		return false, err
	}
	for _, ss := range list {
		if ss.Current {
			return true, c.RevokeSession(ctx, ss.ID)
		}
	}
	return false, nil
}

// logout forgets the saved token and, when a browser sign-in minted it,
// revokes it on the server first.
func runLogout(ctx context.Context, s *session, args []string) error {
	if len(args) > 0 {
		return usagef("logout", "takes no arguments")
	}
	path, err := configPath(s.io.Getenv)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	if cfg.Token == "" {
		_, _ = fmt.Fprintln(s.io.Stdout, "Not logged in.")
		return nil
	}
	revoked, rerr := false, error(nil)
	if cfg.URL != "" {
		revoked, rerr = s.revokeOwnSession(ctx, cfg.URL, cfg.Token)
		if client.IsUnauthorized(rerr) {
			// Revoked or expired already: nothing is left to end.
			rerr = nil
		}
	}
	cfg.Token = ""
	if err := saveConfig(path, cfg); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "Removed the token from %s.\n", path)
	switch {
	case rerr != nil:
		var ne interface{ Timeout() bool }
		msg := rerr.Error()
		if errors.As(rerr, &ne) || errors.Is(rerr, client.ErrUnreachable) {
			msg = "cannot reach " + cfg.URL
		}
		return fmt.Errorf("could not revoke it on the server (%s): if a browser sign-in made it, it works until it expires; "+
			`revoke it with "superplane sessions revoke ID" after the next login`, msg)
	case revoked:
		_, _ = fmt.Fprintln(s.io.Stdout, "Revoked it on the server: the browser sign-in's token no longer works.")
	default:
		_, _ = fmt.Fprintln(s.io.Stdout, `It was not made by a browser sign-in, so it keeps working until it is revoked ("superplane-server token revoke ID").`)
	}
	return nil
}
