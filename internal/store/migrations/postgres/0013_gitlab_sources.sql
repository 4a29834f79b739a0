-- gitlab event sources have a project hook the reconciler keeps, like
-- github and semaphore sources: the partial index it walks them on
-- (store.EventSourcesWithHooks) names the three types, spelt as
-- sqlHookedSourceTypes spells them, so the planner uses it. The same
-- logical schema as migrations/sqlite/0013_gitlab_sources.sql.
DROP INDEX IF EXISTS event_sources_hooks;
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('github', 'semaphore', 'gitlab');
