-- Service accounts: the same logical schema as
-- migrations/sqlite/0018_service_accounts.sql. Each account has a user of
-- its own (tokens name a user); its tokens are rows of tokens that name the
-- account, deleted with it.

CREATE TABLE service_accounts (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    user_id     uuid NOT NULL UNIQUE,
    name        text COLLATE "C" NOT NULL,
    description text NOT NULL DEFAULT '',
    role        text NOT NULL,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (org_id, name),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

ALTER TABLE tokens ADD COLUMN service_account_id uuid REFERENCES service_accounts (id) ON DELETE CASCADE;
ALTER TABLE tokens ADD COLUMN name text NOT NULL DEFAULT '';
CREATE INDEX tokens_service_account ON tokens (service_account_id);
