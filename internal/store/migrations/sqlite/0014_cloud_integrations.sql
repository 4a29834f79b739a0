-- Cloud integrations and this server as an OIDC issuer; the same logical
-- schema as migrations/postgres/0014_cloud_integrations.sql.
--
-- settings: a cloud integration's typed, non-secret settings (aws: region,
-- role ARNs, external id, session duration, the names of the secret's keys),
-- JSON as the service wrote it. Its credentials stay in the secret that
-- secret_id names (or there is none: web identity).
ALTER TABLE integrations ADD COLUMN settings BLOB NOT NULL DEFAULT x'';

-- The issuer's signing keys: the private key sealed by the keyring (its
-- associated data binds it to the row's id), the public key as a JWK. The
-- newest key signs; older ones stay in the JWKS for a grace period after
-- their successor appeared, so tokens they signed still verify.
CREATE TABLE oidc_signing_keys (
    id         TEXT NOT NULL PRIMARY KEY,
    algorithm  TEXT NOT NULL,
    public_jwk BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    key_id     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE INDEX oidc_signing_keys_created ON oidc_signing_keys (created_at);
