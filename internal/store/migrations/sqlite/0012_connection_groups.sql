-- Connection groups, their field sets and the events that arrived in them;
-- the same logical schema as migrations/postgres/0012_connection_groups.sql.
--
-- A group goes with its canvas, a field set with its group, an arrival
-- with its field set, each in the same statement. An arrival keeps a copy
-- of its event (no foreign key), so a field set outlives the events it
-- gathered, as a stage event outlives its trigger.

CREATE TABLE connection_groups (
    id               TEXT NOT NULL PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    canvas_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    -- The JSON of the spec, as the server validated it.
    spec             BLOB NOT NULL,
    -- Copied from the spec for the engine's timeout pass, which the store
    -- runs without decoding specs.
    timeout_seconds  INTEGER NOT NULL CHECK (timeout_seconds > 0),
    timeout_emit     INTEGER NOT NULL DEFAULT 0 CHECK (timeout_emit IN (0, 1)),
    created_by       TEXT NOT NULL DEFAULT '',
    updated_by       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (org_id, canvas_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
) STRICT;

-- A field set is one value of a group's key (its groupBy fields). While
-- pending it gathers events; when every connection has contributed, or at
-- its timeout, it is processed (emit_pending 1 until the engine has put
-- its event in the connected stages' queues, in the transaction that
-- clears it) or discarded.
CREATE TABLE connection_group_field_sets (
    id            TEXT NOT NULL PRIMARY KEY,
    group_id      TEXT NOT NULL REFERENCES connection_groups (id) ON DELETE CASCADE,
    hash          TEXT NOT NULL,
    fields        BLOB NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('STATE_PENDING', 'STATE_PROCESSED', 'STATE_DISCARDED')),
    state_reason  TEXT NOT NULL DEFAULT '',
    state_message TEXT NOT NULL DEFAULT '',
    emit_pending  INTEGER NOT NULL DEFAULT 0 CHECK (emit_pending IN (0, 1)),
    created_at    TEXT NOT NULL,
    timeout_at    TEXT NOT NULL,
    finished_at   TEXT
) STRICT;

-- One pending field set per group and key, whatever the number of servers
-- routing the key's events at once; the routing upserts against it.
CREATE UNIQUE INDEX connection_group_field_sets_pending ON connection_group_field_sets (group_id, hash)
    WHERE state = 'STATE_PENDING';
-- The timeout pass: pending field sets, soonest timeout first.
CREATE INDEX connection_group_field_sets_timeout ON connection_group_field_sets (timeout_at, id)
    WHERE state = 'STATE_PENDING';
-- The emit pass: processed field sets whose event is not yet in the queues.
CREATE INDEX connection_group_field_sets_emit ON connection_group_field_sets (created_at, id)
    WHERE emit_pending = 1;
-- The listing, newest first; also serves the cascade from groups.
CREATE INDEX connection_group_field_sets_group ON connection_group_field_sets (group_id, created_at DESC, id DESC);
-- Retention of finished field sets, oldest first.
CREATE INDEX connection_group_field_sets_age ON connection_group_field_sets (finished_at)
    WHERE state <> 'STATE_PENDING';

CREATE TABLE connection_group_events (
    id              TEXT NOT NULL PRIMARY KEY,
    field_set_id    TEXT NOT NULL REFERENCES connection_group_field_sets (id) ON DELETE CASCADE,
    connection_type TEXT NOT NULL,
    connection_name TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    payload         BLOB NOT NULL,
    headers         BLOB NOT NULL,
    received_at     TEXT NOT NULL,
    -- An event arrives in a field set once.
    UNIQUE (field_set_id, event_id)
) STRICT;

-- A field set's event reaches each connected stage once: the backstop
-- under the emit pass's own check.
CREATE UNIQUE INDEX stage_events_group_once ON stage_events (stage_id, trigger_event_id)
    WHERE trigger_source_type = 'TYPE_CONNECTION_GROUP';
