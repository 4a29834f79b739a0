-- Event sources and the events they accept; the same logical schema as
-- migrations/sqlite/0003_event_sources.sql.
--
-- A source belongs to one canvas and goes with it: deleting the canvas
-- deletes its sources, and through them their events, in the same statement.
-- The integration foreign key is NO ACTION (checked at the end of the
-- statement): deleting an integration a source still uses fails, while
-- deleting a canvas removes its integrations and the sources that use them
-- together.
--
-- last_event_id has no foreign key: it is a pointer for display, and the
-- event it names is deleted only together with its source.

CREATE TABLE event_sources (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES organizations (id),
    canvas_id           uuid NOT NULL,
    name                text COLLATE "C" NOT NULL,
    description         text NOT NULL DEFAULT '',
    type                text NOT NULL,
    integration_id      uuid REFERENCES integrations (id),
    resource_type       text NOT NULL DEFAULT '',
    resource_name       text NOT NULL DEFAULT '',
    -- The spec's JSON, as the server validated it; '' when absent.
    events              text NOT NULL DEFAULT '',
    schedule            text NOT NULL DEFAULT '',
    key_id              text NOT NULL DEFAULT '',
    key_ciphertext      bytea NOT NULL DEFAULT '',
    key_version         bigint NOT NULL DEFAULT 0,
    prev_key_ciphertext bytea,
    prev_key_expires_at timestamptz,
    hook_id             text NOT NULL DEFAULT '',
    hook_state          text NOT NULL DEFAULT '',
    hook_reason         text NOT NULL DEFAULT '',
    hook_checked_at     timestamptz,
    hook_attempts       integer NOT NULL DEFAULT 0,
    hook_next_attempt   timestamptz,
    last_event_id       uuid,
    created_by          text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (org_id, canvas_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
);

CREATE INDEX event_sources_integration ON event_sources (integration_id);
-- The hook reconciler walks the github and semaphore sources in id order:
-- a partial index on id gives them in that order, so a page stops at its
-- limit instead of sorting every such source.
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('github', 'semaphore');

-- raw and headers are bytea, not text or jsonb, so that the bytes read back
-- are exactly the bytes received (jsonb normalizes; text refuses NUL and
-- invalid UTF-8).
CREATE TABLE events (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL,
    canvas_id   uuid NOT NULL,
    source_id   uuid NOT NULL REFERENCES event_sources (id) ON DELETE CASCADE,
    type        text NOT NULL,
    -- The sender's delivery id, '' when it gave none.
    delivery_id text COLLATE "C" NOT NULL DEFAULT '',
    raw         bytea NOT NULL,
    headers     bytea NOT NULL,
    state       text NOT NULL,
    received_at timestamptz NOT NULL
);

-- A redelivery (same delivery id, same source) is not stored twice; events
-- without a delivery id never collide.
CREATE UNIQUE INDEX events_delivery ON events (source_id, delivery_id) WHERE delivery_id <> '';
-- Keyset pagination, newest first, per canvas and per source.
CREATE INDEX events_canvas_received ON events (org_id, canvas_id, received_at DESC, id DESC);
CREATE INDEX events_source_received ON events (source_id, received_at DESC, id DESC);
