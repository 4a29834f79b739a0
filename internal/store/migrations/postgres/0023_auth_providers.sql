-- Sign-in through auth providers: the same logical schema as
-- migrations/sqlite/0023_auth_providers.sql (config is JSON without a
-- secret; a write-only client secret or private key is sealed in
-- ciphertext; identities match users by (provider, subject); the CLI's
-- one-time codes are stored hashed).
CREATE TABLE auth_providers (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id),
    name       text COLLATE "C" NOT NULL,
    type       text NOT NULL,
    config     bytea,
    key_id     text NOT NULL DEFAULT '',
    ciphertext bytea,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE user_identities (
    provider_id uuid NOT NULL REFERENCES auth_providers (id) ON DELETE CASCADE,
    subject     text COLLATE "C" NOT NULL,
    org_id      uuid NOT NULL,
    user_id     uuid NOT NULL,
    role        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, subject),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

CREATE TABLE signin_codes (
    hash       bytea PRIMARY KEY,
    org_id     uuid NOT NULL,
    user_id    uuid NOT NULL,
    role       text NOT NULL,
    challenge  text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
