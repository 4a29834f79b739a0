-- Tokens get an id (to list and revoke them without ever showing the hash),
-- an optional expiry and the time of last use (recorded at most hourly).
-- SQLite cannot add a UNIQUE or a NOT NULL column without a default, so id
-- gets '' as its default, every existing token a random version 4 UUID, and
-- a unique index; the store always inserts an id.

ALTER TABLE tokens ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;

UPDATE tokens SET id =
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
    substr(lower(hex(randomblob(2))), 2) || '-' ||
    substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
    lower(hex(randomblob(6)));

CREATE UNIQUE INDEX tokens_id ON tokens (id);
CREATE INDEX tokens_org ON tokens (org_id);
