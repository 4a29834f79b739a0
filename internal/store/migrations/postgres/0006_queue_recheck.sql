-- A stage whose queue head waits for something only an approval or the
-- clock can change (an approval condition, a time window) is passed over by
-- the engine's queue scan until queue_recheck_at; the same logical schema
-- as migrations/sqlite/0006_queue_recheck.sql.
--
-- NULL (every stage before this migration, and every stage whose queue an
-- approval, a discard or an edit touched since) means "look at its queue at
-- the next pass". Without this, a few hundred queues waiting for approval
-- filled every batch of queue heads and starved every other queue.
ALTER TABLE stages ADD COLUMN queue_recheck_at timestamptz;
