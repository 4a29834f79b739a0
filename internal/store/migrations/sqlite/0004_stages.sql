-- Stages, their queues of stage events and their executions; the same
-- logical schema as migrations/postgres/0004_stages.sql.
--
-- Everything goes with its canvas: deleting a canvas deletes its stages, and
-- deleting a stage deletes its stage events and executions, each in the same
-- statement.

CREATE TABLE stages (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    canvas_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The JSON of the spec, as the server validated it.
    spec        BLOB NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (org_id, canvas_id, name),
    -- Target of the stage_events and executions foreign keys: what a stage
    -- holds is in the stage's organization and canvas, so a routing mistake
    -- cannot put one canvas's event in another canvas's queue.
    UNIQUE (org_id, canvas_id, id),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
) STRICT;

-- A stage event keeps a copy of its trigger (trigger_*, no foreign key), so
-- it outlives the event or execution it came from.
CREATE TABLE stage_events (
    id                  TEXT NOT NULL PRIMARY KEY,
    org_id              TEXT NOT NULL,
    canvas_id           TEXT NOT NULL,
    stage_id            TEXT NOT NULL,
    connection          TEXT NOT NULL DEFAULT '',
    trigger_source_type TEXT NOT NULL DEFAULT '',
    trigger_source_id   TEXT NOT NULL DEFAULT '',
    trigger_source_name TEXT NOT NULL DEFAULT '',
    trigger_event_id    TEXT NOT NULL DEFAULT '',
    trigger_type        TEXT NOT NULL DEFAULT '',
    trigger_payload     BLOB NOT NULL,
    trigger_headers     BLOB NOT NULL,
    state               TEXT NOT NULL
        CHECK (state IN ('STATE_PENDING', 'STATE_WAITING', 'STATE_PROCESSED', 'STATE_DISCARDED')),
    state_reason        TEXT NOT NULL DEFAULT '',
    inputs              BLOB NOT NULL,
    approvals           BLOB NOT NULL,
    discarded_by        TEXT NOT NULL DEFAULT '',
    discarded_at        TEXT,
    created_at          TEXT NOT NULL,
    FOREIGN KEY (org_id, canvas_id, stage_id) REFERENCES stages (org_id, canvas_id, id) ON DELETE CASCADE
) STRICT;

-- The queue: only pending and waiting events, per stage, oldest first, so
-- a queue's head is one seek whatever the stage's history.
CREATE INDEX stage_events_queue ON stage_events (stage_id, created_at, id)
    WHERE state IN ('STATE_PENDING', 'STATE_WAITING');
-- Keyset pagination, newest first; also serves the cascade from stages.
CREATE INDEX stage_events_stage_created ON stage_events (stage_id, created_at DESC, id DESC);

CREATE TABLE executions (
    id               TEXT NOT NULL PRIMARY KEY,
    org_id           TEXT NOT NULL,
    canvas_id        TEXT NOT NULL,
    stage_id         TEXT NOT NULL,
    stage_event_id   TEXT NOT NULL REFERENCES stage_events (id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('STATE_PENDING', 'STATE_STARTED', 'STATE_FINISHED')),
    result           TEXT NOT NULL DEFAULT '',
    result_reason    TEXT NOT NULL DEFAULT '',
    result_message   TEXT NOT NULL DEFAULT '',
    outputs          BLOB NOT NULL,
    resources        BLOB NOT NULL,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_expires_at TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    cancelled_at     TEXT,
    FOREIGN KEY (org_id, canvas_id, stage_id) REFERENCES stages (org_id, canvas_id, id) ON DELETE CASCADE
) STRICT;

-- At most one unfinished execution per stage, whatever the number of servers
-- starting executions at once; also the index of "does the stage run?".
CREATE UNIQUE INDEX executions_one_unfinished ON executions (stage_id) WHERE state <> 'STATE_FINISHED';
-- Claiming: pending executions, and started ones whose lease expired, oldest first.
CREATE INDEX executions_claim ON executions (state, created_at, id);
-- Keyset pagination, newest first; also serves the cascade from stages.
CREATE INDEX executions_stage_created ON executions (stage_id, created_at DESC, id DESC);
-- The stage's last finished execution.
CREATE INDEX executions_stage_finished ON executions (stage_id, finished_at DESC, id DESC)
    WHERE state = 'STATE_FINISHED';
-- The cascade from stage_events.
CREATE INDEX executions_stage_event ON executions (stage_event_id);

-- The router takes pending events oldest first; processed ones, the bulk of
-- the history, stay out of this index.
CREATE INDEX events_pending ON events (received_at, id) WHERE state = 'STATE_PENDING';
