-- Bitbucket event sources have a repository webhook that the hook
-- reconciler keeps, like github, semaphore and gitlab sources; the same
-- logical schema as migrations/postgres/0015_bitbucket_sources.sql.
--
-- The reconciler's partial index names the hooked source types exactly as
-- sqlHookedSourceTypes spells them (store.EventSourcesWithHooks), so that the
-- planners use it: it is rebuilt with bitbucket after gitlab (0013).
DROP INDEX IF EXISTS event_sources_hooks;
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('github', 'semaphore', 'gitlab', 'bitbucket');
