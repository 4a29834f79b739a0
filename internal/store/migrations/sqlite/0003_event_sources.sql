-- Event sources and the events they accept; the same logical schema as
-- migrations/postgres/0003_event_sources.sql.
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
    id                  TEXT NOT NULL PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    canvas_id           TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    type                TEXT NOT NULL,
    integration_id      TEXT REFERENCES integrations (id),
    resource_type       TEXT NOT NULL DEFAULT '',
    resource_name       TEXT NOT NULL DEFAULT '',
    -- The spec's JSON, as the server validated it; '' when absent.
    events              TEXT NOT NULL DEFAULT '',
    schedule            TEXT NOT NULL DEFAULT '',
    key_id              TEXT NOT NULL DEFAULT '',
    key_ciphertext      BLOB NOT NULL DEFAULT x'',
    key_version         INTEGER NOT NULL DEFAULT 0,
    prev_key_ciphertext BLOB,
    prev_key_expires_at TEXT,
    hook_id             TEXT NOT NULL DEFAULT '',
    hook_state          TEXT NOT NULL DEFAULT '',
    hook_reason         TEXT NOT NULL DEFAULT '',
    hook_checked_at     TEXT,
    hook_attempts       INTEGER NOT NULL DEFAULT 0,
    hook_next_attempt   TEXT,
    last_event_id       TEXT,
    created_by          TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (org_id, canvas_id, name),
    FOREIGN KEY (org_id, canvas_id) REFERENCES canvases (org_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX event_sources_integration ON event_sources (integration_id);
-- The hook reconciler walks the github and semaphore sources in id order:
-- a partial index on id gives them in that order, so a page stops at its
-- limit instead of sorting every such source.
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('github', 'semaphore');

-- raw and headers are BLOBs so that the bytes read back are exactly the bytes
-- received, whatever they hold.
CREATE TABLE events (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL,
    canvas_id   TEXT NOT NULL,
    source_id   TEXT NOT NULL REFERENCES event_sources (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    -- The sender's delivery id, '' when it gave none.
    delivery_id TEXT NOT NULL DEFAULT '',
    raw         BLOB NOT NULL,
    headers     BLOB NOT NULL,
    state       TEXT NOT NULL,
    received_at TEXT NOT NULL
) STRICT;

-- A redelivery (same delivery id, same source) is not stored twice; events
-- without a delivery id never collide.
CREATE UNIQUE INDEX events_delivery ON events (source_id, delivery_id) WHERE delivery_id <> '';
-- Keyset pagination, newest first, per canvas and per source.
CREATE INDEX events_canvas_received ON events (org_id, canvas_id, received_at DESC, id DESC);
CREATE INDEX events_source_received ON events (source_id, received_at DESC, id DESC);
