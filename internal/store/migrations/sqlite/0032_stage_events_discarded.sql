-- A stage's discarded events, newest first. The console and the API list a
-- stage's events by state; every other filter has an index in its order
-- (the queue's for pending and waiting; the stage's own for processed, most
-- of a stage's history, and for several states), but discarded events are
-- few among a stage's processed ones, and its list and count walked the
-- stage's whole history to find them (100,000 index entries for a page of
-- none). Partial: only discarded rows pay its write. The same logical
-- schema as migrations/postgres/0032_stage_events_discarded.sql.
CREATE INDEX stage_events_discarded ON stage_events (stage_id, created_at DESC, id DESC)
    WHERE state = 'STATE_DISCARDED';
