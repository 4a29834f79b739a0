-- What the claim's NOT EXISTS on connection_groups costs a row: 100 events
-- of one canvas joined to their canvas, with and without the column, as
-- a prepared statement run 20 times (the claim is prepared by pgx).
DROP SCHEMA IF EXISTS s21pg_exists CASCADE;
CREATE SCHEMA s21pg_exists;
SET search_path = s21pg_exists;
CREATE TABLE canvases (org_id uuid NOT NULL, id uuid NOT NULL, stages_version bigint NOT NULL DEFAULT 0, PRIMARY KEY (org_id, id));
CREATE TABLE connection_groups (id uuid PRIMARY KEY, org_id uuid NOT NULL, canvas_id uuid NOT NULL, name text NOT NULL, UNIQUE (org_id, canvas_id, name));
INSERT INTO canvases SELECT gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 50);
INSERT INTO connection_groups SELECT gen_random_uuid(), org_id, id, 'g' FROM canvases OFFSET 1;
CREATE TABLE events (id uuid PRIMARY KEY, org_id uuid NOT NULL, canvas_id uuid NOT NULL, raw bytea);
INSERT INTO events SELECT gen_random_uuid(), c.org_id, c.id, repeat('x', 900)::bytea FROM (SELECT * FROM canvases LIMIT 1) c, generate_series(1, 100);
ANALYZE;
PREPARE without AS SELECT e.id, e.raw, cv.stages_version FROM events e JOIN canvases cv ON cv.org_id = e.org_id AND cv.id = e.canvas_id;
PREPARE with_flag AS SELECT e.id, e.raw, cv.stages_version,
  NOT EXISTS (SELECT 1 FROM connection_groups g WHERE g.org_id = e.org_id AND g.canvas_id = e.canvas_id)
  FROM events e JOIN canvases cv ON cv.org_id = e.org_id AND cv.id = e.canvas_id;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE without; EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) EXECUTE with_flag;
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE with_flag;
DROP SCHEMA s21pg_exists CASCADE;
