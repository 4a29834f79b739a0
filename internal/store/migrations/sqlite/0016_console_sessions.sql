-- Console sessions: a signed-in browser stands for the API token it was
-- opened with. Only the SHA-256 hash of the session id is stored (the id
-- itself lives in the browser's HttpOnly cookie), so a read of this table
-- opens no session. Deleting the token (revocation, replacement) deletes its
-- sessions in the same statement; the token's expiry is checked on every
-- request. The same logical schema as migrations/postgres/0016_console_sessions.sql.
CREATE TABLE console_sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    hash         BLOB NOT NULL UNIQUE,
    token_id     TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

CREATE INDEX console_sessions_token ON console_sessions (token_id);
