-- The checks a routing batch's single statement makes before it starts an
-- execution (store/eventroute_starts.go, lockedStartsPG): whether a stage
-- has a queued event or an unfinished execution, and how many started
-- executions under a live lease an organization has (its cap). The
-- statement's snapshot is taken before it waits for the organizations'
-- rows, so a claim or a queued event another server committed meanwhile
-- would be missed by a subquery; a VOLATILE plpgsql function takes a
-- snapshot of its own at each call, made after the lock, as the statements
-- of a routing transaction did one after the other. PostgreSQL only:
-- SQLite's routing is a transaction on its one writer.
CREATE FUNCTION route_stage_busy(p_stage uuid) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM stage_events q
            WHERE q.stage_id = p_stage AND q.state IN ('STATE_PENDING', 'STATE_WAITING'))
        OR EXISTS (SELECT 1 FROM executions u WHERE u.stage_id = p_stage AND u.state <> 'STATE_FINISHED');
END;
$$;

CREATE FUNCTION route_org_running(p_org uuid, p_at timestamptz) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN (SELECT COUNT(*) FROM executions
        WHERE org_id = p_org AND state = 'STATE_STARTED' AND lease_expires_at >= p_at);
END;
$$;
