-- Alerts (runtime errors a user should see) and rejections (why an event
-- did not become work for a stage or a source); the same logical schema as
-- migrations/postgres/0009_alerts_rejections.sql.
--
-- Both go with their canvas. Growth is bounded: an alert of one kind for
-- one object is not repeated while an unacknowledged one exists (the
-- partial unique index; the store counts the repeat and moves last_seen_at
-- instead), and PruneRejections removes rejections older than the retention
-- or beyond the newest per canvas, and acknowledged alerts past the
-- retention, in bounded batches. target_id and event_id are plain text with
-- no foreign key: a rejection outlives its event and says what it was about
-- even after the object is gone.

CREATE TABLE alerts (
    id              TEXT NOT NULL PRIMARY KEY,
    org_id          TEXT NOT NULL,
    canvas_id       TEXT NOT NULL,
    source_type     TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    source_name     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    type            TEXT NOT NULL,
    message         TEXT NOT NULL,
    count           INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX alerts_open ON alerts (canvas_id, source_type, source_id, kind) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_list ON alerts (org_id, canvas_id, created_at DESC, id DESC);

CREATE TABLE rejections (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL,
    canvas_id   TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    target_name TEXT NOT NULL DEFAULT '',
    event_id    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);
CREATE INDEX rejections_list ON rejections (org_id, canvas_id, created_at DESC, id DESC);
CREATE INDEX rejections_target ON rejections (canvas_id, target_id, created_at DESC, id DESC);
CREATE INDEX rejections_age ON rejections (created_at);
