-- Indexes for the engine's event retention (store.PruneEvents); the same
-- logical schema as migrations/sqlite/0010_event_retention.sql.
--
-- Each pass deletes old history in bounded batches: these indexes let a
-- batch find its rows by age, and check that nothing still needs them,
-- without reading every event or stage event. The partial predicates are
-- spelt as PruneEvents spells them, so the planners use them.

-- Events past the router, oldest first.
CREATE INDEX events_age ON events (received_at) WHERE state <> 'STATE_PENDING';
-- Stage events out of the queue, oldest first.
CREATE INDEX stage_events_age ON stage_events (created_at)
    WHERE state IN ('STATE_PROCESSED', 'STATE_DISCARDED');
-- "Was a queued stage event made from this event?": the queue only.
CREATE INDEX stage_events_queued_trigger ON stage_events (trigger_event_id)
    WHERE state IN ('STATE_PENDING', 'STATE_WAITING');
-- "Is this event a source's last one?"
CREATE INDEX event_sources_last_event ON event_sources (last_event_id);
