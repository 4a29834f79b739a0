-- Alerts (runtime errors a user should see) and rejections (why an event
-- did not become work for a stage or a source); the same logical schema as
-- migrations/sqlite/0009_alerts_rejections.sql.
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
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL,
    canvas_id       uuid NOT NULL,
    source_type     text NOT NULL,
    source_id       text NOT NULL,
    source_name     text NOT NULL DEFAULT '',
    kind            text NOT NULL,
    type            text NOT NULL,
    message         text NOT NULL,
    count           integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text NOT NULL DEFAULT '',
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX alerts_open ON alerts (canvas_id, source_type, source_id, kind) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_list ON alerts (org_id, canvas_id, created_at DESC, id DESC);

CREATE TABLE rejections (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL,
    canvas_id   uuid NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    target_name text NOT NULL DEFAULT '',
    event_id    text NOT NULL DEFAULT '',
    reason      text NOT NULL,
    message     text NOT NULL,
    created_at  timestamptz NOT NULL,
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);
CREATE INDEX rejections_list ON rejections (org_id, canvas_id, created_at DESC, id DESC);
CREATE INDEX rejections_target ON rejections (canvas_id, target_id, created_at DESC, id DESC);
CREATE INDEX rejections_age ON rejections (created_at);
