package service

import (
	"context"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// A user's sessions: the console sessions they signed in to (with an auth
// provider or a pasted token) and their CLI browser sign-ins, which are
// sessions too: a sign-in minted the token, nobody handed it out, and
// "superplane logout" should end it as the console's sign-out does. A
// token an operator or a service account made is not a session: ending a
// session never deletes it.

// CurrentSession is the id of the session a request came through: the
// console session's id, or the token's id when a CLI sign-in's token
// authenticated an API request; "" when none (a pasted token).
func CurrentSession(p store.Principal, consoleSessionID string) string {
	switch {
	case consoleSessionID != "":
		return consoleSessionID
	case p.Token.SessionKind == store.SessionCLI:
		return p.Token.ID
	}
	return ""
}

// List returns the caller's live sessions, newest first, marking current.
// Sessions that expired or sat idle too long are left out: they open
// nothing any more.
func (s *Sessions) List(ctx context.Context, p store.Principal, current string) ([]api.Session, error) {
	all, err := s.Store.ListUserSessions(ctx, p.Organization.ID, p.User.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := []api.Session{}
	for _, us := range all {
		if !now.Before(us.ExpiresAt) || (us.Kind == store.SessionConsole && now.Sub(us.LastSeenAt) >= SessionIdle) {
			continue
		}
		v := api.Session{ID: us.ID, Kind: us.Kind, CreatedAt: us.CreatedAt, ExpiresAt: us.ExpiresAt, Current: us.ID == current}
		switch {
		case us.Kind == store.SessionCLI:
			v.SignedInWith = api.SignedInWithBrowser
		case us.AuthProvider != "":
			v.SignedInWith = us.AuthProvider
		default:
			v.SignedInWith = api.SignedInWithToken
		}
		if !us.LastSeenAt.IsZero() {
			last := us.LastSeenAt
			v.LastUsedAt = &last
		}
		out = append(out, v)
	}
	return out, nil
}

// Revoke ends one of the caller's sessions: it is refused from its next
// request on, on every replica, and the token minted for it is deleted.
// Another user's session is not found.
func (s *Sessions) Revoke(ctx context.Context, p store.Principal, id string) error {
	if err := s.Store.RevokeUserSession(ctx, p.Organization.ID, p.User.ID, id, Timestamp(s.Now)); err != nil {
		if isNotFound(err) {
			return NotFound("session %q not found", id)
		}
		return err
	}
	return nil
}

// RevokeOthers ends every session of the caller but current and returns
// how many it ended.
func (s *Sessions) RevokeOthers(ctx context.Context, p store.Principal, current string) (int, error) {
	return s.Store.RevokeUserSessions(ctx, p.Organization.ID, p.User.ID, current, Timestamp(s.Now))
}

// RevokeUser ends every session of a user of the caller's organization
// (by id); the route is owners' and admins'. An admin may not sign an
// owner out (only an owner changes an owner's role, likewise). Tokens that
// are not sessions are left alone: they are revoked as tokens.
func (s *Sessions) RevokeUser(ctx context.Context, p store.Principal, userID string) (int, error) {
	users, err := s.Store.ListUserRoles(ctx, p.Organization.ID)
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if u.User.ID != userID {
			continue
		}
		if u.OrgRole == api.RoleOwner && !TokenAllows(p, api.ResourceOrganization, api.ActionUpdate) {
			return 0, denied("user %q is an owner: only an owner signs an owner out", u.User.Email)
		}
		return s.Store.RevokeUserSessions(ctx, p.Organization.ID, u.User.ID, "", Timestamp(s.Now))
	}
	return 0, NotFound("user %q not found", userID)
}
