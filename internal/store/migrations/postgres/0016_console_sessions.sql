-- Console sessions: a signed-in browser stands for the API token it was
-- opened with. Only the SHA-256 hash of the session id is stored (the id
-- itself lives in the browser's HttpOnly cookie), so a read of this table
-- opens no session. Deleting the token (revocation, replacement) deletes its
-- sessions in the same statement; the token's expiry is checked on every
-- request. The same logical schema as migrations/sqlite/0016_console_sessions.sql.
CREATE TABLE console_sessions (
    id           uuid NOT NULL PRIMARY KEY,
    hash         bytea NOT NULL UNIQUE,
    token_id     uuid NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

CREATE INDEX console_sessions_token ON console_sessions (token_id);
