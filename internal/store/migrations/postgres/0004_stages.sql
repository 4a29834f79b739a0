-- Stages, their queues of stage events and their executions; the same
-- logical schema as migrations/sqlite/0004_stages.sql.
--
-- Everything goes with its canvas: deleting a canvas deletes its stages, and
-- deleting a stage deletes its stage events and executions, each in the same
-- statement.

CREATE TABLE stages (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    canvas_id   uuid NOT NULL,
    name        text COLLATE "C" NOT NULL,
    description text NOT NULL DEFAULT '',
    -- The JSON of the spec, as the server validated it.
    spec        bytea NOT NULL,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (org_id, canvas_id, name),
    -- Target of the stage_events and executions foreign keys: what a stage
    -- holds is in the stage's organization and canvas, so a routing mistake
    -- cannot put one canvas's event in another canvas's queue.
    UNIQUE (org_id, canvas_id, id),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);

-- Bytes are bytea, not jsonb: what is read back is exactly what was written.
--
-- A stage event keeps a copy of its trigger (trigger_*, no foreign key), so
-- it outlives the event or execution it came from.
CREATE TABLE stage_events (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL,
    canvas_id           uuid NOT NULL,
    stage_id            uuid NOT NULL,
    connection          text NOT NULL DEFAULT '',
    trigger_source_type text NOT NULL DEFAULT '',
    trigger_source_id   text NOT NULL DEFAULT '',
    trigger_source_name text NOT NULL DEFAULT '',
    trigger_event_id    text NOT NULL DEFAULT '',
    trigger_type        text NOT NULL DEFAULT '',
    trigger_payload     bytea NOT NULL,
    trigger_headers     bytea NOT NULL,
    state               text NOT NULL
        CHECK (state IN ('STATE_PENDING', 'STATE_WAITING', 'STATE_PROCESSED', 'STATE_DISCARDED')),
    state_reason        text NOT NULL DEFAULT '',
    inputs              bytea NOT NULL,
    approvals           bytea NOT NULL,
    discarded_by        text NOT NULL DEFAULT '',
    discarded_at        timestamptz,
    created_at          timestamptz NOT NULL,
    FOREIGN KEY (org_id, canvas_id, stage_id) REFERENCES stages (org_id, canvas_id, id) ON DELETE CASCADE
);

-- The queue: only pending and waiting events, per stage, oldest first, so
-- a queue's head is one seek whatever the stage's history.
CREATE INDEX stage_events_queue ON stage_events (stage_id, created_at, id)
    WHERE state IN ('STATE_PENDING', 'STATE_WAITING');
-- Keyset pagination, newest first; also serves the cascade from stages.
CREATE INDEX stage_events_stage_created ON stage_events (stage_id, created_at DESC, id DESC);

CREATE TABLE executions (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL,
    canvas_id        uuid NOT NULL,
    stage_id         uuid NOT NULL,
    stage_event_id   uuid NOT NULL REFERENCES stage_events (id) ON DELETE CASCADE,
    state            text NOT NULL CHECK (state IN ('STATE_PENDING', 'STATE_STARTED', 'STATE_FINISHED')),
    result           text NOT NULL DEFAULT '',
    result_reason    text NOT NULL DEFAULT '',
    result_message   text NOT NULL DEFAULT '',
    outputs          bytea NOT NULL,
    resources        bytea NOT NULL,
    lease_owner      text NOT NULL DEFAULT '',
    lease_expires_at timestamptz,
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    cancelled_at     timestamptz,
    FOREIGN KEY (org_id, canvas_id, stage_id) REFERENCES stages (org_id, canvas_id, id) ON DELETE CASCADE
);

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
