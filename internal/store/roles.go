package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// RolePermission is one action on one resource that a custom role grants.
type RolePermission struct {
	Resource string `json:"resource"`
	Action   string `json:"action"`
}

// CustomRole is a role an organization defined, at the organization
// (DomainID is the organization id) or at one canvas (DomainID is its id).
type CustomRole struct {
	ID          string
	OrgID       string
	DomainType  string
	DomainID    string
	Name        string
	DisplayName string
	Description string
	Permissions []RolePermission
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RoleBinding gives a user a role on a domain: a canvas role on a canvas
// (canvas membership) or a custom organization role.
type RoleBinding struct {
	OrgID      string
	UserID     string
	DomainType string
	DomainID   string
	Role       string
	CreatedAt  time.Time
}

// Grant is one role a user holds, directly or through a group (Group is
// then the group's name), with the permissions of the role when it is a
// custom one (Custom true). Built-in roles' permissions are the caller's
// business (package api), so the store needs none of ours.
type Grant struct {
	DomainType string
	DomainID   string
	// CanvasName is the name of the canvas of a canvas grant.
	CanvasName  string
	Role        string
	Group       string
	Custom      bool
	DisplayName string
	Description string
	Permissions []RolePermission
	CreatedAt   time.Time
}

// UserRoles is a user of the organization with the organization role of its
// tokens (the highest, "" when it has no token) and its grants.
type UserRoles struct {
	User    User
	OrgRole string
	Grants  []Grant
}

// RoleStore is the part of Store that keeps custom roles, role bindings
// and who holds what.
type RoleStore interface {
	// CreateCustomRole inserts r. ErrConflict when the name is taken in its
	// domain; ErrNotFound when its canvas does not exist.
	CreateCustomRole(ctx context.Context, r CustomRole) (CustomRole, error)
	// FindCustomRole returns the domain's role by name, or ErrNotFound.
	FindCustomRole(ctx context.Context, orgID, domainType, domainID, name string) (CustomRole, error)
	// ListCustomRoles returns the domain's custom roles ordered by name.
	ListCustomRoles(ctx context.Context, orgID, domainType, domainID string) ([]CustomRole, error)
	// UpdateCustomRole replaces the display name, description and
	// permissions of the domain's role. ErrNotFound when missing.
	UpdateCustomRole(ctx context.Context, r CustomRole) (CustomRole, error)
	// DeleteCustomRole deletes the domain's role. ErrNotFound when missing;
	// ErrConflict naming the users and groups that hold it.
	DeleteCustomRole(ctx context.Context, orgID, domainType, domainID, name string) error
	// SetRoleBinding gives the user b.Role on b's domain, replacing the
	// role the user had there. ErrNotFound when the user or canvas is not
	// the organization's.
	SetRoleBinding(ctx context.Context, b RoleBinding) error
	// DeleteRoleBinding takes the user's role on the domain away.
	// ErrNotFound when it had none.
	DeleteRoleBinding(ctx context.Context, orgID, userID, domainType, domainID string) error
	// SetOrganizationRole gives every token of the user (a person: service
	// accounts keep theirs) the organization role role. ErrConflict when
	// that would leave the organization without an owner.
	SetOrganizationRole(ctx context.Context, orgID, userID, role string) error
	// UserGrants returns every role the user holds through bindings and
	// groups, in all domains, in one statement.
	UserGrants(ctx context.Context, orgID, userID string) ([]Grant, error)
	// FindUser returns the organization's user by id, or by email when
	// idOrEmail contains "@". ErrNotFound when missing.
	FindUser(ctx context.Context, orgID, idOrEmail string) (User, error)
	// ListUserRoles returns the organization's users (service accounts'
	// included) ordered by email, each with its organization role and
	// grants.
	ListUserRoles(ctx context.Context, orgID string) ([]UserRoles, error)
	GroupStore
}

func encodePermissions(ps []RolePermission) (string, error) {
	if ps == nil {
		ps = []RolePermission{}
	}
	b, err := json.Marshal(ps)
	return string(b), err
}

func decodePermissions(s string) ([]RolePermission, error) {
	var ps []RolePermission
	if s == "" {
		return []RolePermission{}, nil
	}
	if err := json.Unmarshal([]byte(s), &ps); err != nil {
		return nil, fmt.Errorf("store: role permissions: %w", err)
	}
	return ps, nil
}

// roleDomain validates a role's, binding's or group's domain and returns
// the canvas_id column's value (nil at the organization).
func roleDomain(orgID, domainType, domainID string) (domain, bool) {
	return parseDomain(orgID, domainType, domainID)
}

const customRoleColumns = `id, org_id, domain_type, domain_id, name, display_name, description, permissions, created_at, updated_at`

func scanCustomRole(row rowScanner) (CustomRole, error) {
	var (
		r     CustomRole
		perms string
	)
	if err := row.Scan(&r.ID, &r.OrgID, &r.DomainType, &r.DomainID, &r.Name, &r.DisplayName, &r.Description, &perms,
		timeColumn{&r.CreatedAt}, timeColumn{&r.UpdatedAt}); err != nil {
		return CustomRole{}, err
	}
	ps, err := decodePermissions(perms)
	r.Permissions = ps
	return r, err
}

// CreateCustomRole inserts the role.
func (s *db) CreateCustomRole(ctx context.Context, r CustomRole) (CustomRole, error) {
	dom, ok := roleDomain(r.OrgID, r.DomainType, r.DomainID)
	if !ok {
		return CustomRole{}, NotFound("%s %q not found", strings.ToLower(strings.TrimPrefix(r.DomainType, "DOMAIN_TYPE_")), r.DomainID)
	}
	perms, err := encodePermissions(r.Permissions)
	if err != nil {
		return CustomRole{}, err
	}
	r.OrgID, r.DomainID = dom.org, dom.id
	_, err = s.sql.ExecContext(ctx, s.q(`INSERT INTO roles (`+customRoleColumns+`, canvas_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, dom.org, dom.typ, dom.id, r.Name, r.DisplayName, r.Description, perms, s.time(r.CreatedAt), s.time(r.UpdatedAt), dom.canvasID())
	switch s.d.classify(err) {
	case foreignKeyViolation:
		return CustomRole{}, NotFound("canvas %q not found", r.DomainID)
	case uniqueViolation, primaryKeyViolation:
		return CustomRole{}, Conflict("role %q already exists", r.Name)
	}
	if err != nil {
		return CustomRole{}, wrap("create role", err)
	}
	return s.FindCustomRole(ctx, r.OrgID, r.DomainType, r.DomainID, r.Name)
}

// FindCustomRole returns the domain's role by name.
func (s *db) FindCustomRole(ctx context.Context, orgID, domainType, domainID, name string) (CustomRole, error) {
	dom, ok := roleDomain(orgID, domainType, domainID)
	if !ok {
		return CustomRole{}, NotFound("role %q not found", name)
	}
	r, err := scanCustomRole(s.sql.QueryRowContext(ctx, s.q(`SELECT `+customRoleColumns+` FROM roles
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`), dom.org, dom.typ, dom.id, name))
	if errors.Is(err, sql.ErrNoRows) {
		return CustomRole{}, NotFound("role %q not found", name)
	}
	return r, wrap("find role", err)
}

// ListCustomRoles returns the domain's custom roles ordered by name.
func (s *db) ListCustomRoles(ctx context.Context, orgID, domainType, domainID string) ([]CustomRole, error) {
	dom, ok := roleDomain(orgID, domainType, domainID)
	if !ok {
		return []CustomRole{}, nil
	}
	return queryAll(ctx, s, "list roles", `SELECT `+customRoleColumns+` FROM roles
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? ORDER BY name`, scanCustomRole, dom.org, dom.typ, dom.id)
}

// UpdateCustomRole replaces the role's display name, description and
// permissions.
func (s *db) UpdateCustomRole(ctx context.Context, r CustomRole) (CustomRole, error) {
	dom, ok := roleDomain(r.OrgID, r.DomainType, r.DomainID)
	if !ok {
		return CustomRole{}, NotFound("role %q not found", r.Name)
	}
	perms, err := encodePermissions(r.Permissions)
	if err != nil {
		return CustomRole{}, err
	}
	res, err := s.sql.ExecContext(ctx, s.q(`UPDATE roles SET display_name = ?, description = ?, permissions = ?, updated_at = ?
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`),
		r.DisplayName, r.Description, perms, s.time(r.UpdatedAt), dom.org, dom.typ, dom.id, r.Name)
	if err != nil {
		return CustomRole{}, wrap("update role", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return CustomRole{}, NotFound("role %q not found", r.Name)
	}
	return s.FindCustomRole(ctx, r.OrgID, r.DomainType, r.DomainID, r.Name)
}

// DeleteCustomRole deletes the role unless a user or group holds it.
func (s *db) DeleteCustomRole(ctx context.Context, orgID, domainType, domainID, name string) error {
	dom, ok := roleDomain(orgID, domainType, domainID)
	if !ok {
		return NotFound("role %q not found", name)
	}
	return wrap("delete role", s.inTx(ctx, func(tx *sql.Tx) error {
		// Who holds it: users by email, groups by name, in one list.
		rows, err := tx.QueryContext(ctx, s.q(`SELECT u.email FROM role_bindings b JOIN users u ON u.id = b.user_id
			WHERE b.org_id = ? AND b.domain_type = ? AND b.domain_id = ? AND b.role = ?
			UNION ALL SELECT 'group ' || g.name FROM user_groups g WHERE g.org_id = ? AND g.domain_type = ? AND g.domain_id = ? AND g.role = ?`),
			dom.org, dom.typ, dom.id, name, dom.org, dom.typ, dom.id, name)
		if err != nil {
			return err
		}
		var holders []string
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			holders = append(holders, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(holders) > 0 {
			sort.Strings(holders)
			return Conflict("role %q is in use by %s", name, strings.Join(holders, ", "))
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM roles WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`),
			dom.org, dom.typ, dom.id, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("role %q not found", name)
		}
		return nil
	}))
}

// SetRoleBinding upserts the user's role on the domain.
func (s *db) SetRoleBinding(ctx context.Context, b RoleBinding) error {
	dom, ok := roleDomain(b.OrgID, b.DomainType, b.DomainID)
	if !ok {
		return NotFound("%s %q not found", strings.ToLower(strings.TrimPrefix(b.DomainType, "DOMAIN_TYPE_")), b.DomainID)
	}
	user, ok := canonicalID(b.UserID)
	if !ok {
		return NotFound("user %q not found", b.UserID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO role_bindings (org_id, user_id, domain_type, domain_id, canvas_id, role, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id, domain_type, domain_id) DO UPDATE SET role = excluded.role`),
		dom.org, user, dom.typ, dom.id, dom.canvasID(), b.Role, s.time(b.CreatedAt))
	if s.d.classify(err) == foreignKeyViolation {
		return NotFound("user %q or canvas %q not found", b.UserID, b.DomainID)
	}
	return wrap("set role binding", err)
}

// DeleteRoleBinding deletes the user's role on the domain.
func (s *db) DeleteRoleBinding(ctx context.Context, orgID, userID, domainType, domainID string) error {
	dom, ok := roleDomain(orgID, domainType, domainID)
	user, okUser := canonicalID(userID)
	if !ok || !okUser {
		return NotFound("user %q has no role there", userID)
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM role_bindings WHERE org_id = ? AND user_id = ? AND domain_type = ? AND domain_id = ?`),
		dom.org, user, dom.typ, dom.id)
	if err != nil {
		return wrap("delete role binding", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return NotFound("user %q has no role there", userID)
	}
	return nil
}

// SetOrganizationRole changes the role of every token of a person.
func (s *db) SetOrganizationRole(ctx context.Context, orgID, userID, role string) error {
	org, okOrg := canonicalID(orgID)
	user, okUser := canonicalID(userID)
	if !okOrg || !okUser {
		return NotFound("user %q not found", userID)
	}
	return wrap("set organization role", s.inTx(ctx, func(tx *sql.Tx) error {
		var isAccount int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM service_accounts WHERE org_id = ? AND user_id = ?`), org, user).
			Scan(&isAccount); err != nil {
			return err
		}
		if isAccount > 0 {
			return Conflict("user %q is a service account: change its role through /api/v1/service-accounts", userID)
		}
		// Taken under the write lock (SQLite) or row locks (PostgreSQL):
		// two demotions of the last two owners cannot both pass.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET role = ? WHERE org_id = ? AND user_id = ? AND service_account_id IS NULL`),
			role, org, user); err != nil {
			return err
		}
		var owners int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(DISTINCT user_id) FROM tokens WHERE org_id = ? AND role = 'owner'`), org).
			Scan(&owners); err != nil {
			return err
		}
		if owners == 0 {
			return Conflict("user %q is the organization's last owner: make another user owner first", userID)
		}
		return nil
	}))
}

// grantsQuery selects every role a user holds (bindings, then groups) with
// the custom role's row when there is one; ? are org, user, org, user.
const grantsQuery = `SELECT b.domain_type, b.domain_id, COALESCE(c.name, ''), b.role, b.grp, b.created_at,
		r.id, r.display_name, r.description, r.permissions
	FROM (
		SELECT domain_type, domain_id, canvas_id, role, '' AS grp, created_at FROM role_bindings WHERE org_id = ? AND user_id = ?
		UNION ALL
		SELECT g.domain_type, g.domain_id, g.canvas_id, g.role, g.name AS grp, m.created_at FROM user_groups g
			JOIN user_group_members m ON m.group_id = g.id WHERE g.org_id = ? AND m.user_id = ?
	) b
	LEFT JOIN canvases c ON c.id = b.canvas_id
	LEFT JOIN roles r ON r.org_id = ? AND r.domain_type = b.domain_type AND r.domain_id = b.domain_id AND r.name = b.role
	ORDER BY b.domain_type DESC, b.domain_id, b.grp, b.role`

func scanGrant(rows *sql.Rows) (Grant, error) {
	var (
		g                  Grant
		id, dn, desc, perm sql.NullString
	)
	if err := rows.Scan(&g.DomainType, &g.DomainID, &g.CanvasName, &g.Role, &g.Group, timeColumn{&g.CreatedAt}, &id, &dn, &desc, &perm); err != nil {
		return Grant{}, err
	}
	if id.Valid {
		ps, err := decodePermissions(perm.String)
		if err != nil {
			return Grant{}, err
		}
		g.Custom, g.DisplayName, g.Description, g.Permissions = true, dn.String, desc.String, ps
	}
	return g, nil
}

// UserGrants returns the user's roles in one statement.
func (s *db) UserGrants(ctx context.Context, orgID, userID string) ([]Grant, error) {
	org, okOrg := canonicalID(orgID)
	user, okUser := canonicalID(userID)
	if !okOrg || !okUser {
		return []Grant{}, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(grantsQuery), org, user, org, user, org)
	if err != nil {
		return nil, wrap("user grants", err)
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, wrap("user grants", err)
		}
		out = append(out, g)
	}
	return out, wrap("user grants", rows.Err())
}

// FindUser returns the user by id or email.
func (s *db) FindUser(ctx context.Context, orgID, idOrEmail string) (User, error) {
	org, ok := canonicalID(orgID)
	if !ok {
		return User{}, NotFound("user %q not found", idOrEmail)
	}
	column, value := "email", idOrEmail
	if !strings.Contains(idOrEmail, "@") {
		id, ok := canonicalID(idOrEmail)
		if !ok {
			return User{}, NotFound("user %q not found", idOrEmail)
		}
		column, value = "id", id
	}
	var u User
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT id, org_id, email, created_at FROM users WHERE org_id = ? AND `+column+` = ?`), org, value).
		Scan(&u.ID, &u.OrgID, &u.Email, timeColumn{&u.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, NotFound("user %q not found", idOrEmail)
	}
	return u, wrap("find user", err)
}

// ListUserRoles lists the users with their organization role and grants:
// one statement for the users and their token roles, one per user for
// the grants (an organization's users are few; this is an admin's read).
func (s *db) ListUserRoles(ctx context.Context, orgID string) ([]UserRoles, error) {
	org, ok := canonicalID(orgID)
	if !ok {
		return []UserRoles{}, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT u.id, u.org_id, u.email, u.created_at,
			COALESCE(MAX(CASE t.role WHEN 'owner' THEN 4 WHEN 'admin' THEN 3 WHEN 'viewer' THEN 2 WHEN 'member' THEN 1 END), 0)
		FROM users u LEFT JOIN tokens t ON t.user_id = u.id AND t.org_id = u.org_id
		WHERE u.org_id = ? GROUP BY u.id, u.org_id, u.email, u.created_at ORDER BY u.email`), org)
	if err != nil {
		return nil, wrap("list users", err)
	}
	out := []UserRoles{}
	for rows.Next() {
		var (
			ur   UserRoles
			rank int
		)
		if err := rows.Scan(&ur.User.ID, &ur.User.OrgID, &ur.User.Email, timeColumn{&ur.User.CreatedAt}, &rank); err != nil {
			rows.Close()
			return nil, wrap("list users", err)
		}
		ur.OrgRole = []string{"", "member", "viewer", "admin", "owner"}[rank]
		out = append(out, ur)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("list users", err)
	}
	for i := range out {
		g, err := s.UserGrants(ctx, org, out[i].User.ID)
		if err != nil {
			return nil, err
		}
		out[i].Grants = g
	}
	return out, nil
}
