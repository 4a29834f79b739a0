package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// UserGroup is a named set of users of the organization that all hold Role
// on the group's domain (the organization, or one canvas). Not to be
// confused with connection groups, which join events.
type UserGroup struct {
	ID           string
	OrgID        string
	DomainType   string
	DomainID     string
	Name         string
	DisplayName  string
	Description  string
	Role         string
	MembersCount int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// GroupStore is the part of RoleStore that keeps groups of users.
type GroupStore interface {
	// CreateUserGroup inserts g. ErrConflict when the name is taken in its
	// domain; ErrNotFound when its canvas does not exist.
	CreateUserGroup(ctx context.Context, g UserGroup) (UserGroup, error)
	// FindUserGroup returns the domain's group by name, or ErrNotFound.
	FindUserGroup(ctx context.Context, orgID, domainType, domainID, name string) (UserGroup, error)
	// ListUserGroups returns the domain's groups ordered by name.
	ListUserGroups(ctx context.Context, orgID, domainType, domainID string) ([]UserGroup, error)
	// UpdateUserGroup replaces the display name, description and role of
	// the domain's group g.Name. ErrNotFound when missing.
	UpdateUserGroup(ctx context.Context, g UserGroup) (UserGroup, error)
	// DeleteUserGroup deletes the group and its memberships.
	DeleteUserGroup(ctx context.Context, orgID, domainType, domainID, name string) error
	// AddUserGroupMember adds the user to the group (again: no change).
	// ErrNotFound when the user is not the group's organization's.
	AddUserGroupMember(ctx context.Context, orgID, groupID, userID string) error
	// RemoveUserGroupMember removes the user. ErrNotFound when it was not
	// a member.
	RemoveUserGroupMember(ctx context.Context, orgID, groupID, userID string) error
	// ListUserGroupMembers returns the group's members ordered by email.
	ListUserGroupMembers(ctx context.Context, orgID, groupID string) ([]User, error)
}

const userGroupColumns = `g.id, g.org_id, g.domain_type, g.domain_id, g.name, g.display_name, g.description, g.role, g.created_at, g.updated_at,
	(SELECT COUNT(*) FROM user_group_members m WHERE m.group_id = g.id)`

func scanUserGroup(row rowScanner) (UserGroup, error) {
	var g UserGroup
	err := row.Scan(&g.ID, &g.OrgID, &g.DomainType, &g.DomainID, &g.Name, &g.DisplayName, &g.Description, &g.Role,
		timeColumn{&g.CreatedAt}, timeColumn{&g.UpdatedAt}, &g.MembersCount)
	return g, err
}

// CreateUserGroup inserts the group.
func (s *db) CreateUserGroup(ctx context.Context, g UserGroup) (UserGroup, error) {
	dom, ok := roleDomain(g.OrgID, g.DomainType, g.DomainID)
	if !ok {
		return UserGroup{}, NotFound("canvas %q not found", g.DomainID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO user_groups (id, org_id, domain_type, domain_id, canvas_id, name, display_name, description, role, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		g.ID, dom.org, dom.typ, dom.id, dom.canvasID(), g.Name, g.DisplayName, g.Description, g.Role, s.time(g.CreatedAt), s.time(g.UpdatedAt))
	switch s.d.classify(err) {
	case foreignKeyViolation:
		return UserGroup{}, NotFound("canvas %q not found", g.DomainID)
	case uniqueViolation, primaryKeyViolation:
		return UserGroup{}, Conflict("group %q already exists", g.Name)
	}
	if err != nil {
		return UserGroup{}, wrap("create group", err)
	}
	return s.FindUserGroup(ctx, dom.org, dom.typ, dom.id, g.Name)
}

// FindUserGroup returns the domain's group by name.
func (s *db) FindUserGroup(ctx context.Context, orgID, domainType, domainID, name string) (UserGroup, error) {
	dom, ok := roleDomain(orgID, domainType, domainID)
	if !ok {
		return UserGroup{}, NotFound("group %q not found", name)
	}
	g, err := scanUserGroup(s.sql.QueryRowContext(ctx, s.q(`SELECT `+userGroupColumns+` FROM user_groups g
		WHERE g.org_id = ? AND g.domain_type = ? AND g.domain_id = ? AND g.name = ?`), dom.org, dom.typ, dom.id, name))
	if errors.Is(err, sql.ErrNoRows) {
		return UserGroup{}, NotFound("group %q not found", name)
	}
	return g, wrap("find group", err)
}

// ListUserGroups returns the domain's groups ordered by name.
func (s *db) ListUserGroups(ctx context.Context, orgID, domainType, domainID string) ([]UserGroup, error) {
	dom, ok := roleDomain(orgID, domainType, domainID)
	if !ok {
		return []UserGroup{}, nil
	}
	return queryAll(ctx, s, "list groups", `SELECT `+userGroupColumns+` FROM user_groups g
		WHERE g.org_id = ? AND g.domain_type = ? AND g.domain_id = ? ORDER BY g.name`, scanUserGroup, dom.org, dom.typ, dom.id)
}

// UpdateUserGroup replaces the group's display name, description and role.
func (s *db) UpdateUserGroup(ctx context.Context, g UserGroup) (UserGroup, error) {
	dom, ok := roleDomain(g.OrgID, g.DomainType, g.DomainID)
	if !ok {
		return UserGroup{}, NotFound("group %q not found", g.Name)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE user_groups SET display_name = ?, description = ?, role = ?, updated_at = ?
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`),
		g.DisplayName, g.Description, g.Role, s.time(g.UpdatedAt), dom.org, dom.typ, dom.id, g.Name)
	if err != nil {
		return UserGroup{}, wrap("update group", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return UserGroup{}, NotFound("group %q not found", g.Name)
	}
	return s.FindUserGroup(ctx, dom.org, dom.typ, dom.id, g.Name)
}

// DeleteUserGroup deletes the group; its memberships go with it.
func (s *db) DeleteUserGroup(ctx context.Context, orgID, domainType, domainID, name string) error {
	dom, ok := roleDomain(orgID, domainType, domainID)
	if !ok {
		return NotFound("group %q not found", name)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM user_groups WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`),
		dom.org, dom.typ, dom.id, name)
	if err != nil {
		return wrap("delete group", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return NotFound("group %q not found", name)
	}
	return nil
}

// AddUserGroupMember adds the user to the group.
func (s *db) AddUserGroupMember(ctx context.Context, orgID, groupID, userID string) error {
	org, okOrg := canonicalID(orgID)
	grp, okGroup := canonicalID(groupID)
	user, okUser := canonicalID(userID)
	if !okOrg || !okGroup || !okUser {
		return NotFound("user %q not found", userID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO user_group_members (group_id, user_id, org_id, created_at)
		SELECT g.id, ?, g.org_id, ? FROM user_groups g WHERE g.id = ? AND g.org_id = ?
		ON CONFLICT (group_id, user_id) DO NOTHING`), user, s.time(time.Now()), grp, org)
	if s.d.classify(err) == foreignKeyViolation {
		return NotFound("user %q not found", userID)
	}
	return wrap("add group member", err)
}

// RemoveUserGroupMember removes the user from the group.
func (s *db) RemoveUserGroupMember(ctx context.Context, orgID, groupID, userID string) error {
	org, okOrg := canonicalID(orgID)
	grp, okGroup := canonicalID(groupID)
	user, okUser := canonicalID(userID)
	if !okOrg || !okGroup || !okUser {
		return NotFound("user %q is not a member", userID)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM user_group_members WHERE group_id = ? AND user_id = ? AND org_id = ?`), grp, user, org)
	if err != nil {
		return wrap("remove group member", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return NotFound("user %q is not a member", userID)
	}
	return nil
}

// ListUserGroupMembers returns the group's members ordered by email.
func (s *db) ListUserGroupMembers(ctx context.Context, orgID, groupID string) ([]User, error) {
	org, okOrg := canonicalID(orgID)
	grp, okGroup := canonicalID(groupID)
	if !okOrg || !okGroup {
		return []User{}, nil
	}
	return queryAll(ctx, s, "list group members", `SELECT u.id, u.org_id, u.email, u.created_at FROM user_group_members m
		JOIN users u ON u.id = m.user_id AND u.org_id = m.org_id WHERE m.group_id = ? AND m.org_id = ? ORDER BY u.email`,
		func(row rowScanner) (User, error) {
			var u User
			err := row.Scan(&u.ID, &u.OrgID, &u.Email, timeColumn{&u.CreatedAt})
			return u, err
		}, grp, org)
}
