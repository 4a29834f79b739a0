-- Tokens get an id (to list and revoke them without ever showing the hash),
-- an optional expiry and the time of last use (recorded at most hourly).
-- Existing tokens get a random id (gen_random_uuid is built in since
-- PostgreSQL 13).

ALTER TABLE tokens ADD COLUMN id uuid;
UPDATE tokens SET id = gen_random_uuid();
ALTER TABLE tokens ALTER COLUMN id SET NOT NULL;
ALTER TABLE tokens ADD CONSTRAINT tokens_id UNIQUE (id);
ALTER TABLE tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE tokens ADD COLUMN last_used_at timestamptz;
CREATE INDEX tokens_org ON tokens (org_id);
