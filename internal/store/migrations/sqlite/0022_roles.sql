-- Roles the v1 way. A token's role (tokens.role) stays the user's
-- organization role (owner, admin, viewer, or member, which by itself grants
-- nothing on any canvas). On top of it:
--   roles          custom roles, at the organization or one canvas, with
--                  their permissions (a JSON array of {resource, action});
--   role_bindings  a user's role on a domain: a canvas role on a canvas
--                  (canvas membership) or a custom organization role;
--   user_groups         named sets of users of the organization with one role on
--                  their domain, and user_group_members their members.
-- A binding names its role by name; built-in role names (org_*, canvas_*)
-- are not rows of roles. A canvas's bindings, groups and custom roles go
-- with it.

CREATE TABLE roles (
    id           TEXT NOT NULL PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    domain_type  TEXT NOT NULL,
    domain_id    TEXT NOT NULL,
    canvas_id    TEXT REFERENCES canvases (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    permissions  TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name)
) STRICT;

CREATE TABLE role_bindings (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    user_id     TEXT NOT NULL,
    domain_type TEXT NOT NULL,
    domain_id   TEXT NOT NULL,
    canvas_id   TEXT REFERENCES canvases (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, domain_type, domain_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX role_bindings_domain ON role_bindings (org_id, domain_type, domain_id);

CREATE TABLE user_groups (
    id           TEXT NOT NULL PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    domain_type  TEXT NOT NULL,
    domain_id    TEXT NOT NULL,
    canvas_id    TEXT REFERENCES canvases (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name)
) STRICT;

CREATE TABLE user_group_members (
    group_id   TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    org_id     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX group_members_user ON user_group_members (user_id);
