-- Datadog event sources have a webhook in Datadog's Webhooks integration
-- that the hook reconciler keeps, like the other hooked sources; the same
-- logical schema as migrations/sqlite/0020_datadog_sources.sql.
--
-- The reconciler's partial index names the hooked source types exactly as
-- sqlHookedSourceTypes spells them (store.EventSourcesWithHooks), so that the
-- planners use it: it is rebuilt with datadog. azure_devops, whose sources
-- are hooked too and which arrives in 0019 beside this one, is named here as
-- well, so that whichever rebuild runs last keeps both.
DROP INDEX IF EXISTS event_sources_hooks;
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('github', 'semaphore', 'gitlab', 'bitbucket', 'azure_devops', 'datadog');
