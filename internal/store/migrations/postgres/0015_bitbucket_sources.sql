-- Bitbucket event sources have a repository webhook that the hook
-- reconciler keeps, like github and semaphore sources; the same logical
-- schema as migrations/sqlite/0015_bitbucket_sources.sql.
--
-- The reconciler's partial index names the hooked source types as
-- store.EventSourcesWithHooks spells them, so that the planners use it:
-- it is rebuilt with bitbucket among them.
DROP INDEX event_sources_hooks;
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('bitbucket', 'github', 'semaphore');
