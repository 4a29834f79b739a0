-- Service accounts: machine identities of an organization with one role
-- (owner, admin or viewer), managed through the API. Each has a user of its
-- own (tokens name a user), whose email ends in the reserved .invalid
-- domain so it can never be a person's. Their tokens are rows of tokens
-- (looked up per request as every token) that name the account; deleting
-- the account deletes them, so they stop working at once on every replica.

CREATE TABLE service_accounts (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    user_id     TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (org_id, name),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
) STRICT;

-- SQLite adds a column with a foreign key only when its default is NULL.
ALTER TABLE tokens ADD COLUMN service_account_id TEXT REFERENCES service_accounts (id) ON DELETE CASCADE;
ALTER TABLE tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
CREATE INDEX tokens_service_account ON tokens (service_account_id);
