-- Integrations: authenticated connections to GitHub and Semaphore. The token
-- lives in a secret, referenced by id so that a rename of the secret keeps
-- the link. The secret foreign key is NO ACTION (checked at the end of the
-- statement): deleting a secret still in use fails, while deleting a canvas
-- removes its integrations and its secrets together.

CREATE TABLE integrations (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organizations (id),
    domain_type       text NOT NULL,
    domain_id         uuid NOT NULL,
    canvas_id         uuid,
    name              text COLLATE "C" NOT NULL,
    description       text NOT NULL DEFAULT '',
    type              text NOT NULL,
    url               text NOT NULL,
    auth_type         text NOT NULL,
    secret_id         uuid REFERENCES secrets (id),
    secret_key        text NOT NULL DEFAULT '',
    status_state      text NOT NULL DEFAULT '',
    status_reason     text NOT NULL DEFAULT '',
    status_checked_at timestamptz,
    created_by        text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (org_id, domain_type, domain_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE,
    CHECK (
        (domain_type = 'DOMAIN_TYPE_CANVAS' AND canvas_id IS NOT NULL AND canvas_id = domain_id)
        OR (domain_type = 'DOMAIN_TYPE_ORGANIZATION' AND canvas_id IS NULL AND domain_id = org_id)
    )
);

CREATE INDEX integrations_secret ON integrations (secret_id);
CREATE INDEX integrations_canvas ON integrations (org_id, canvas_id);
