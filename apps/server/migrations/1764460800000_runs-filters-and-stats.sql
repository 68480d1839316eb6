-- Up Migration
-- GET /api/v1/runs?triggerType= lists newest first within the filter, as the other filters do.
CREATE INDEX runs_trigger_type_idx ON runs (trigger_type, created_at DESC, id DESC);
-- GET /api/v1/runs/stats: the newest dead or failed runs, and the runs failed (waiting for a retry)
-- in a window, by when they last changed. Only failures are in it, so it stays small.
CREATE INDEX runs_failures_idx ON runs (updated_at DESC, id DESC) WHERE status IN ('dead', 'failed');

-- Down Migration
DROP INDEX runs_failures_idx;
DROP INDEX runs_trigger_type_idx;
