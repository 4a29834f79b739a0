-- A queue head that waits for something only an approval or the clock can
-- change (an approval condition, a time window) is passed over by the
-- engine's queue scan until recheck_at; the same logical schema as
-- migrations/postgres/0006_queue_recheck.sql.
--
-- NULL (every row before this migration, and every event an approval,
-- a discard or an edit of its stage touched) means "look at it at the next
-- pass". Without this, a few hundred queues waiting for approval filled
-- every batch of queue heads and starved every other queue.
ALTER TABLE stage_events ADD COLUMN recheck_at TEXT;
