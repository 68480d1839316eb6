-- Up Migration
-- forEach items stored one by one as each finishes (issue 16): a worker killed mid-forEach then
-- re-sends at most the item in flight, not every item already sent. A row holds one item of a
-- step's attempt in progress; the step's outcome (run_steps.output, .items) takes them over and
-- the same statement deletes them, so rows remain only for steps a worker is running or died in.
-- The raw output is sealed (AES-256-GCM, as run_steps.items_encrypted); a failed item keeps its
-- redacted error only.
CREATE TABLE run_step_items (
  run_id uuid NOT NULL,
  step_id text NOT NULL,
  item_index integer NOT NULL CHECK (item_index >= 0),
  status text NOT NULL CHECK (status IN ('succeeded', 'failed')),
  output_encrypted bytea,
  error jsonb,
  finished_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, step_id, item_index),
  FOREIGN KEY (run_id, step_id) REFERENCES run_steps (run_id, step_id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE run_step_items;
