-- The audit trail: one row per state-changing API request that got past
-- authentication (store.AuditEvent). The same logical schema as
-- migrations/sqlite/0017_audit_events.sql.
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
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL,
    at          timestamptz NOT NULL,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL DEFAULT '',
    actor_email text NOT NULL DEFAULT '',
    token_id    text NOT NULL DEFAULT '',
    session_id  text NOT NULL DEFAULT '',
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL DEFAULT '',
    object_name text NOT NULL DEFAULT '',
    canvas_id   text NOT NULL DEFAULT '',
    canvas_name text NOT NULL DEFAULT '',
    method      text NOT NULL,
    route       text NOT NULL,
    status      integer NOT NULL,
    outcome     text NOT NULL,
    client_ip   text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_list ON audit_events (org_id, at DESC, id DESC);
CREATE INDEX audit_events_object ON audit_events (org_id, object_id, at DESC, id DESC);
CREATE INDEX audit_events_canvas ON audit_events (org_id, canvas_id, at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (org_id, actor_id, at DESC, id DESC);
CREATE INDEX audit_events_at ON audit_events (at);
