-- The rejection rows' foreign-key check, one a row: 100 rows of one canvas
-- inserted from unnest in a transaction that holds the canvas FOR SHARE
-- (as the routing transaction does), with and without the key.
DROP SCHEMA IF EXISTS s21pg_fk CASCADE;
CREATE SCHEMA s21pg_fk;
SET search_path = s21pg_fk;
CREATE TABLE canvases (org_id uuid NOT NULL, id uuid NOT NULL, stages_version bigint NOT NULL DEFAULT 0, PRIMARY KEY (org_id, id));
INSERT INTO canvases SELECT gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 1000);
CREATE TABLE fr_fk (id uuid PRIMARY KEY, org_id uuid NOT NULL, canvas_id uuid NOT NULL, event_id text NOT NULL, message text NOT NULL,
  n integer NOT NULL, set_hash text NOT NULL, created_at timestamptz NOT NULL,
  FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE);
CREATE INDEX fr_fk_canvas ON fr_fk (org_id, canvas_id, created_at, n, set_hash);
CREATE TABLE fr_nofk (LIKE fr_fk INCLUDING DEFAULTS);
ALTER TABLE fr_nofk ADD PRIMARY KEY (id);
CREATE INDEX fr_nofk_canvas ON fr_nofk (org_id, canvas_id, created_at, n, set_hash);
\timing on
BEGIN;
SELECT org_id AS o, id AS c FROM canvases LIMIT 1 OFFSET 7 \gset
SELECT 1 FROM canvases WHERE org_id = :'o' AND id = :'c' FOR SHARE;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) INSERT INTO fr_fk SELECT gen_random_uuid(), :'o', :'c', 'ev' || g, 'filtered out by 99 stages', 99, 'h', now() FROM generate_series(1, 100) g;
COMMIT;
BEGIN;
SELECT org_id AS o, id AS c FROM canvases LIMIT 1 OFFSET 7 \gset
SELECT 1 FROM canvases WHERE org_id = :'o' AND id = :'c' FOR SHARE;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) INSERT INTO fr_nofk SELECT gen_random_uuid(), :'o', :'c', 'ev' || g, 'filtered out by 99 stages', 99, 'h', now() FROM generate_series(1, 100) g;
COMMIT;
BEGIN;
SELECT org_id AS o, id AS c FROM canvases LIMIT 1 OFFSET 7 \gset
SELECT 1 FROM canvases WHERE org_id = :'o' AND id = :'c' FOR SHARE;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) INSERT INTO fr_fk SELECT gen_random_uuid(), :'o', :'c', 'ev' || g, 'filtered out by 99 stages', 99, 'h', now() FROM generate_series(1, 100) g;
COMMIT;
BEGIN;
SELECT org_id AS o, id AS c FROM canvases LIMIT 1 OFFSET 7 \gset
SELECT 1 FROM canvases WHERE org_id = :'o' AND id = :'c' FOR SHARE;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) INSERT INTO fr_nofk SELECT gen_random_uuid(), :'o', :'c', 'ev' || g, 'filtered out by 99 stages', 99, 'h', now() FROM generate_series(1, 100) g;
COMMIT;
BEGIN;
SELECT org_id AS o, id AS c FROM canvases LIMIT 1 OFFSET 7 \gset
SELECT 1 FROM canvases WHERE org_id = :'o' AND id = :'c' FOR SHARE;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) INSERT INTO fr_fk SELECT gen_random_uuid(), :'o', :'c', 'ev' || g, 'filtered out by 99 stages', 99, 'h', now() FROM generate_series(1, 100) g;
COMMIT;
BEGIN;
SELECT org_id AS o, id AS c FROM canvases LIMIT 1 OFFSET 7 \gset
SELECT 1 FROM canvases WHERE org_id = :'o' AND id = :'c' FOR SHARE;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) INSERT INTO fr_nofk SELECT gen_random_uuid(), :'o', :'c', 'ev' || g, 'filtered out by 99 stages', 99, 'h', now() FROM generate_series(1, 100) g;
COMMIT;
DROP SCHEMA s21pg_fk CASCADE;
