-- Roles the v1 way: the same logical schema as migrations/sqlite/0022_roles.sql.
-- A token's role (tokens.role) stays the user's
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
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id),
    domain_type  text NOT NULL,
    domain_id    text NOT NULL,
    canvas_id    uuid REFERENCES canvases (id) ON DELETE CASCADE,
    name         text COLLATE "C" NOT NULL,
    display_name text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    permissions  text NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name)
);

CREATE TABLE role_bindings (
    org_id      uuid NOT NULL REFERENCES organizations (id),
    user_id     uuid NOT NULL,
    domain_type text NOT NULL,
    domain_id   text NOT NULL,
    canvas_id   uuid REFERENCES canvases (id) ON DELETE CASCADE,
    role        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, domain_type, domain_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX role_bindings_domain ON role_bindings (org_id, domain_type, domain_id);

CREATE TABLE user_groups (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id),
    domain_type  text NOT NULL,
    domain_id    text NOT NULL,
    canvas_id    uuid REFERENCES canvases (id) ON DELETE CASCADE,
    name         text COLLATE "C" NOT NULL,
    display_name text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    role         text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name)
);

CREATE TABLE user_group_members (
    group_id   uuid NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    org_id     uuid NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON user_group_members (user_id);
