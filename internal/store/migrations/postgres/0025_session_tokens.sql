-- Sessions that sign out and can be listed and revoked. tokens.session_kind
-- is the durable marker of a token minted for a sign-in: 'console' (an
-- auth provider's sign-in minted it for one console session) or 'cli'
-- (superplane login --browser). '' is every other token: one an operator
-- or a service account made, which a user may paste; ending a session
-- never deletes such a token. console_sessions.auth_provider names the
-- provider a session signed in through ('' for a pasted token), so that a
-- user can tell their sessions apart. Tokens minted before this migration
-- keep '' and end with their expiry (at most 7 days for a console
-- session's). The same logical schema as migrations/sqlite/0025_session_tokens.sql.
ALTER TABLE tokens ADD COLUMN session_kind text NOT NULL DEFAULT '';
ALTER TABLE console_sessions ADD COLUMN auth_provider text NOT NULL DEFAULT '';
CREATE INDEX tokens_user ON tokens (user_id);
