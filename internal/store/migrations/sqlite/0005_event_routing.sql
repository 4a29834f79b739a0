-- Why an event was rejected, and how many times routing it was started; the
-- same logical schema as migrations/postgres/0005_event_routing.sql.
--
-- route_attempts is counted in its own transaction before routing starts, so
-- that an event whose routing crashes the server (or fails every time) is
-- counted anyway, and after a few attempts is marked STATE_REJECTED with its
-- reason instead of being routed again at every start. route_lease_until is
-- when the server that counted the last attempt gives the event up (it
-- crashed, or stopped): until then no other server claims it, so several
-- servers routing at once do not count one attempt several times.
ALTER TABLE events ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN state_message TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN route_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN route_lease_until TEXT;
