-- Initial schema; the same logical schema as migrations/sqlite/0001_init.sql.
-- Names and emails use the "C" collation so that uniqueness and ordering are
-- by bytes, as in SQLite, whatever the database's default collation.

CREATE TABLE organizations (
    id         uuid PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id),
    email      text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (org_id, email),
    -- Target of the tokens foreign key: a token's user is in the token's organization.
    UNIQUE (org_id, id)
);

CREATE TABLE tokens (
    hash       bytea PRIMARY KEY,
    user_id    uuid NOT NULL,
    org_id     uuid NOT NULL REFERENCES organizations (id),
    role       text NOT NULL,
    created_at timestamptz NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

CREATE TABLE canvases (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    name        text COLLATE "C" NOT NULL,
    description text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (org_id, name),
    -- Target of the secrets foreign key: a canvas secret's canvas is in the secret's organization.
    UNIQUE (org_id, id)
);

CREATE TABLE secrets (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    domain_type text NOT NULL,
    domain_id   uuid NOT NULL,
    -- canvas_id repeats domain_id for canvas secrets (NULL otherwise) so that a
    -- foreign key can delete them with their canvas and refuse a secret in a
    -- canvas that does not exist (or was deleted concurrently).
    canvas_id   uuid,
    name        text COLLATE "C" NOT NULL,
    provider    text NOT NULL,
    keys        text NOT NULL DEFAULT '[]',
    key_id      text NOT NULL,
    ciphertext  bytea NOT NULL,
    version     bigint NOT NULL,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE,
    CHECK (
        (domain_type = 'DOMAIN_TYPE_CANVAS' AND canvas_id IS NOT NULL AND canvas_id = domain_id)
        OR (domain_type = 'DOMAIN_TYPE_ORGANIZATION' AND canvas_id IS NULL AND domain_id = org_id)
    )
);

CREATE INDEX secrets_key_id ON secrets (key_id);
CREATE INDEX secrets_canvas ON secrets (org_id, canvas_id);
