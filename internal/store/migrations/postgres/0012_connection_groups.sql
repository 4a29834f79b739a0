-- Connection groups, their field sets and the events that arrived in them;
-- the same logical schema as migrations/sqlite/0012_connection_groups.sql.
--
-- A group goes with its canvas, a field set with its group, an arrival
-- with its field set, each in the same statement. An arrival keeps a copy
-- of its event (no foreign key), so a field set outlives the events it
-- gathered, as a stage event outlives its trigger.

CREATE TABLE connection_groups (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organizations (id),
    canvas_id        uuid NOT NULL,
    name             text COLLATE "C" NOT NULL,
    description      text NOT NULL DEFAULT '',
    -- The JSON of the spec, as the server validated it.
    spec             bytea NOT NULL,
    -- Copied from the spec for the engine's timeout pass, which the store
    -- runs without decoding specs.
    timeout_seconds  bigint NOT NULL CHECK (timeout_seconds > 0),
    timeout_emit     integer NOT NULL DEFAULT 0 CHECK (timeout_emit IN (0, 1)),
    created_by       text NOT NULL DEFAULT '',
    updated_by       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (org_id, canvas_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);

-- A field set is one value of a group's key (its groupBy fields). While
-- pending it gathers events; when every connection has contributed, or at
-- its timeout, it is processed (emit_pending 1 until the engine has put
-- its event in the connected stages' queues, in the transaction that
-- clears it) or discarded.
CREATE TABLE connection_group_field_sets (
    id            uuid PRIMARY KEY,
    group_id      uuid NOT NULL REFERENCES connection_groups (id) ON DELETE CASCADE,
    hash          text NOT NULL,
    fields        bytea NOT NULL,
    state         text NOT NULL CHECK (state IN ('STATE_PENDING', 'STATE_PROCESSED', 'STATE_DISCARDED')),
    state_reason  text NOT NULL DEFAULT '',
    state_message text NOT NULL DEFAULT '',
    -- 0 or 1 rather than boolean: the queries and the partial index
    -- predicate are then spelt alike on both databases.
    emit_pending  integer NOT NULL DEFAULT 0 CHECK (emit_pending IN (0, 1)),
    created_at    timestamptz NOT NULL,
    timeout_at    timestamptz NOT NULL,
    finished_at   timestamptz
);

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
    id              uuid PRIMARY KEY,
    field_set_id    uuid NOT NULL REFERENCES connection_group_field_sets (id) ON DELETE CASCADE,
    connection_type text NOT NULL,
    connection_name text NOT NULL,
    source_id       text NOT NULL,
    event_id        text NOT NULL,
    payload         bytea NOT NULL,
    headers         bytea NOT NULL,
    received_at     timestamptz NOT NULL,
    -- An event arrives in a field set once.
    UNIQUE (field_set_id, event_id)
);
-- The cascade from field sets is served by the unique index above.

-- A field set's event reaches each connected stage once: the backstop
-- under the emit pass's own check.
CREATE UNIQUE INDEX stage_events_group_once ON stage_events (stage_id, trigger_event_id)
    WHERE trigger_source_type = 'TYPE_CONNECTION_GROUP';
