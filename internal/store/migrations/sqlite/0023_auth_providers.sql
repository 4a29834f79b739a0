-- Sign-in through auth providers (GitHub, Microsoft Entra ID, Google,
-- Backstage, guest), configured per organization. config holds the
-- provider's settings as JSON, never a secret: a client secret or private
-- key is either a reference (in config) to a secret of the organization, or
-- a write-only value sealed here with the keyring like any secret
-- (key_id, ciphertext). The same logical schema as
-- migrations/postgres/0023_auth_providers.sql.
CREATE TABLE auth_providers (
    id         TEXT NOT NULL PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    name       TEXT NOT NULL,
    type       TEXT NOT NULL,
    config     BLOB,
    key_id     TEXT NOT NULL DEFAULT '',
    ciphertext BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, name)
) STRICT;

-- Who signed in through which provider: a user is matched by (provider,
-- subject) first. role is the role sessions of this identity carry (the
-- provider's default role when the identity was first seen). Deleting the
-- provider deletes its identities, not the users.
CREATE TABLE user_identities (
    provider_id TEXT NOT NULL REFERENCES auth_providers (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (provider_id, subject),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
) STRICT;

-- One-time codes of the CLI's browser sign-in: only the SHA-256 hash of the
-- code is stored, with the PKCE challenge the CLI must answer; taking a
-- code deletes it.
CREATE TABLE signin_codes (
    hash       BLOB NOT NULL PRIMARY KEY,
    org_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    challenge  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
) STRICT;
