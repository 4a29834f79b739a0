-- Filtered rejections stored compactly: one row per event (or per stage's
-- finished execution) naming the set of stages whose filters it did not
-- pass, instead of one rejections row per stage (99 rows an event in a
-- canvas of 100 filtered stages on one source). The same logical schema as
-- migrations/postgres/0024_filter_rejections.sql.
--
-- A set of stages is stored once per canvas, keyed by a hash of its
-- content (the events of a busy source mostly fail the same stages):
-- target_ids is the stages' canonical ids (36 characters each)
-- concatenated without a separator, so a stage's sets are those whose
-- target_ids contains its id (a 36-character UUID can only match at a
-- multiple of 36); target_names is a JSON array of the stages' names when
-- rejected, in the same order; n is how many. last_used_at is the newest
-- row's time: a set unused for the retention goes with its rows.
-- ListRejections expands a row into one rejection per stage of its set.
-- Rows written before this migration stay in rejections and are read from
-- there.
CREATE TABLE filter_rejection_sets (
    org_id       TEXT NOT NULL,
    canvas_id    TEXT NOT NULL,
    set_hash     TEXT NOT NULL,
    n            INTEGER NOT NULL,
    target_ids   TEXT NOT NULL,
    target_names TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    PRIMARY KEY (org_id, canvas_id, set_hash),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);

CREATE TABLE filter_rejections (
    id         TEXT NOT NULL PRIMARY KEY,
    org_id     TEXT NOT NULL,
    canvas_id  TEXT NOT NULL,
    event_id   TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL,
    n          INTEGER NOT NULL,
    set_hash   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);
-- n and set_hash are in the index so that a canvas's count (SUM(n)), a
-- stage's (its sets) and the pruning window read the index alone.
CREATE INDEX filter_rejections_list ON filter_rejections (org_id, canvas_id, created_at DESC, id DESC, n, set_hash);
