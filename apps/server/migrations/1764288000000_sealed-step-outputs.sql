-- Up Migration
-- Step outputs and forEach items may hold PII and credentials (response bodies, set-cookie).
-- From now on run_steps.output, .items and .error hold a redacted copy (what the API shows);
-- the raw output and items, which later steps' templates read when a run resumes, are kept
-- sealed here (AES-256-GCM, as runs.input_encrypted). Rows written before have no sealed copy:
-- their plain columns are raw, and the server redacts them on read.
ALTER TABLE run_steps ADD COLUMN output_encrypted bytea, ADD COLUMN items_encrypted bytea;

-- Down Migration
ALTER TABLE run_steps DROP COLUMN output_encrypted, DROP COLUMN items_encrypted;
