-- Integrations: authenticated connections to GitHub and Semaphore. The token
-- lives in a secret, referenced by id so that a rename of the secret keeps
-- the link. The secret foreign key is NO ACTION (checked at the end of the
-- statement): deleting a secret still in use fails, while deleting a canvas
-- removes its integrations and its secrets together.

CREATE TABLE integrations (
    id                TEXT NOT NULL PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    domain_type       TEXT NOT NULL,
    domain_id         TEXT NOT NULL,
    canvas_id         TEXT,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL,
    url               TEXT NOT NULL,
    auth_type         TEXT NOT NULL,
    secret_id         TEXT REFERENCES secrets (id),
    secret_key        TEXT NOT NULL DEFAULT '',
    status_state      TEXT NOT NULL DEFAULT '',
    status_reason     TEXT NOT NULL DEFAULT '',
    status_checked_at TEXT,
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE,
    CHECK (
        (domain_type = 'DOMAIN_TYPE_CANVAS' AND canvas_id IS NOT NULL AND canvas_id = domain_id)
        OR (domain_type = 'DOMAIN_TYPE_ORGANIZATION' AND canvas_id IS NULL AND domain_id = org_id)
    )
) STRICT;

CREATE INDEX integrations_secret ON integrations (secret_id);
CREATE INDEX integrations_canvas ON integrations (org_id, canvas_id);
