-- The audit trail: one row per state-changing API request that got past
-- authentication (store.AuditEvent). The same logical schema as
-- migrations/postgres/0017_audit_events.sql.
--
-- Never a value: the row names who (user id and email, token id; session_id
-- waits for console sessions), what (action, object type, id and name,
-- canvas), when, from where (client address, user agent clipped) and the
-- outcome (HTTP status). No body, secret data, key or token is stored.
--
-- No foreign keys: a record outlives the objects, canvas, user and token it
-- names, so it still says what happened to them after they are gone.
-- Growth is bounded by PruneAuditEvents (the audit retention), in batches.
CREATE TABLE audit_events (
    id          TEXT NOT NULL PRIMARY KEY,
    org_id      TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_email TEXT NOT NULL DEFAULT '',
    token_id    TEXT NOT NULL DEFAULT '',
    session_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL DEFAULT '',
    object_name TEXT NOT NULL DEFAULT '',
    canvas_id   TEXT NOT NULL DEFAULT '',
    canvas_name TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL,
    route       TEXT NOT NULL,
    status      INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    client_ip   TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_list ON audit_events (org_id, at DESC, id DESC);
CREATE INDEX audit_events_object ON audit_events (org_id, object_id, at DESC, id DESC);
CREATE INDEX audit_events_canvas ON audit_events (org_id, canvas_id, at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (org_id, actor_id, at DESC, id DESC);
CREATE INDEX audit_events_at ON audit_events (at);
