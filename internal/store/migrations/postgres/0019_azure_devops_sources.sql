-- Azure DevOps event sources have service hook subscriptions that the hook
-- reconciler keeps, like github, semaphore, gitlab and bitbucket sources;
-- the same logical schema as migrations/sqlite/0019_azure_devops_sources.sql.
--
-- The reconciler's partial index names the hooked source types exactly as
-- sqlHookedSourceTypes spells them (store.EventSourcesWithHooks), so that the
-- planners use it: it is rebuilt with azure_devops after bitbucket (0015).
DROP INDEX IF EXISTS event_sources_hooks;
CREATE INDEX event_sources_hooks ON event_sources (id) WHERE type IN ('github', 'semaphore', 'gitlab', 'bitbucket', 'azure_devops');
