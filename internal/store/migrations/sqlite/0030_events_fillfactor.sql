-- PostgreSQL keeps half of each new events page free, for the routing
-- claim's update to stay on its page (migrations/postgres/0030_events_fillfactor.sql).
-- SQLite has no such setting and rewrites a row in place: nothing to do but
-- record the version, so that both dialects number their migrations alike.
SELECT 1;
