-- canvases.stages_version changes whenever one of the canvas's stages is
-- created, deleted or has its name, description or spec changed, in the
-- transaction that changes it: the engine keeps a canvas's stages, their
-- filters compiled, and reads this one value per routing batch instead of
-- listing the stages again (issue 17, goal 3). Triggers, so that no path
-- that writes stages (a canvas's cascade included) can forget it; a
-- stage's queue_recheck_at is not its definition and does not count. The
-- same logical schema as migrations/sqlite/0027_stages_version.sql.
ALTER TABLE canvases ADD COLUMN stages_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION stages_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE canvases SET stages_version = stages_version + 1 WHERE org_id = OLD.org_id AND id = OLD.canvas_id;
    ELSE
        UPDATE canvases SET stages_version = stages_version + 1 WHERE org_id = NEW.org_id AND id = NEW.canvas_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER stages_version_insert_delete AFTER INSERT OR DELETE ON stages
    FOR EACH ROW EXECUTE FUNCTION stages_version_bump();

CREATE TRIGGER stages_version_update AFTER UPDATE OF name, description, spec ON stages
    FOR EACH ROW EXECUTE FUNCTION stages_version_bump();
