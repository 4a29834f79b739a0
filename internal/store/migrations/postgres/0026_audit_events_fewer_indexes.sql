-- The audit trail keeps only the indexes a query uses: audit_events_list
-- (org_id, at, id) for the list and every filter of GET /api/v1/audit-events,
-- and audit_events_at for the retention's prune. The actor, object and
-- canvas filters each match an id OR a name (actor_id OR actor_email, ...),
-- and neither planner can use an index on the id alone for such an OR: both
-- read the organization's newest records on audit_events_list (or
-- audit_events_at) and filter them, up to the page's limit, with or without
-- these indexes (EXPLAIN on both dialects, TestAuditListQueryPlans). Each of
-- the three was one more b-tree written per state-changing request, on
-- random values. The same logical schema as
-- migrations/sqlite/0026_audit_events_fewer_indexes.sql.
DROP INDEX audit_events_object;
DROP INDEX audit_events_canvas;
DROP INDEX audit_events_actor;
