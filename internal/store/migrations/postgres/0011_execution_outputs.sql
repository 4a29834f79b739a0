-- Outputs a CI run pushes back (POST /api/v1/outputs); the same logical
-- schema as migrations/sqlite/0011_execution_outputs.sql.
--
-- output_token_hash is the SHA-256 of the token minted for one execution
-- when it starts (never the token itself); output_token_expires_at bounds
-- it further than "while the execution runs". pushed_outputs is a JSON
-- object of the values the run pushed, merged with the executor's outputs
-- when the execution finishes; outputs_closed_at is when the engine took
-- them for that (no push is taken after it, so none is lost).
ALTER TABLE executions ADD COLUMN output_token_hash bytea;
ALTER TABLE executions ADD COLUMN output_token_expires_at timestamptz;
ALTER TABLE executions ADD COLUMN pushed_outputs bytea;
ALTER TABLE executions ADD COLUMN outputs_closed_at timestamptz;
