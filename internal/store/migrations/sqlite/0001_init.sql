-- Initial schema. Identifiers are canonical lower-case UUID text; timestamps
-- are UTC text in a fixed-width RFC 3339 form with microseconds
-- (2006-01-02T15:04:05.000000Z), so they round-trip exactly and sort as text.
-- STRICT tables refuse a value of the wrong type instead of storing it.

CREATE TABLE organizations (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id         TEXT NOT NULL PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    email      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, email),
    -- Target of the tokens foreign key: a token's user is in the token's organization.
    UNIQUE (org_id, id)
) STRICT;

CREATE TABLE tokens (
    hash       BLOB NOT NULL PRIMARY KEY,
    user_id    TEXT NOT NULL,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
) STRICT;

CREATE TABLE canvases (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (org_id, name),
    -- Target of the secrets foreign key: a canvas secret's canvas is in the secret's organization.
    UNIQUE (org_id, id)
) STRICT;

CREATE TABLE secrets (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    domain_type TEXT NOT NULL,
    domain_id   TEXT NOT NULL,
    -- canvas_id repeats domain_id for canvas secrets (NULL otherwise) so that a
    -- foreign key can delete them with their canvas and refuse a secret in a
    -- canvas that does not exist (or was deleted concurrently).
    canvas_id   TEXT,
    name        TEXT NOT NULL,
    provider    TEXT NOT NULL,
    keys        TEXT NOT NULL DEFAULT '[]',
    key_id      TEXT NOT NULL,
    ciphertext  BLOB NOT NULL,
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE,
    CHECK (
        (domain_type = 'DOMAIN_TYPE_CANVAS' AND canvas_id IS NOT NULL AND canvas_id = domain_id)
        OR (domain_type = 'DOMAIN_TYPE_ORGANIZATION' AND canvas_id IS NULL AND domain_id = org_id)
    )
) STRICT;

CREATE INDEX secrets_key_id ON secrets (key_id);
CREATE INDEX secrets_canvas ON secrets (org_id, canvas_id);
