-- The routing claim takes pending events fairly across organizations: the
-- oldest of each organization that has any, up to a share of the batch,
-- so one organization's backlog does not delay another's deliveries
-- (issue 17). It walks the organizations with pending events, one index
-- probe each, and reads each one's oldest events in order on this index,
-- never the whole backlog. It replaces events_pending (received_at, id),
-- which nothing reads by age across organizations any more: beside it
-- both planners took it to find one organization's oldest event, passing
-- over another's backlog (7 s a claim with 100,000 events pending), and
-- each event would have written one index more. The pending count
-- (QueueDepths) reads this one. The same logical schema as
-- migrations/sqlite/0029_events_pending_org.sql.
CREATE INDEX events_pending_org ON events (org_id, received_at, id) WHERE state = 'STATE_PENDING';
DROP INDEX events_pending;
