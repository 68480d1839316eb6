-- Up Migration
-- Bulk dead-letter replays (POST /api/v1/dlq/replays): the request and its progress, kept here so
-- every gateway shows it and a worker that dies mid-replay leaves the next one where it stopped.
-- `dlq_replay_runs` is the set of runs a replay covers, fixed when a worker starts it (the runs its
-- selector matched then: runs that die later are not swept in); `outcome` is written as each one
-- is replayed or skipped (no longer dead when its turn came). No foreign key to runs: retention
-- may delete a run meanwhile, and it is then skipped.
CREATE TABLE dlq_replays (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'finished', 'failed')),
  -- {"runIds": [...]} | {"workflowId": "..."} | {"all": true}
  selector jsonb NOT NULL,
  total integer,
  replayed integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  error text,
  actor_id text,
  actor_type text NOT NULL,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dlq_replay_runs (
  replay_id uuid NOT NULL REFERENCES dlq_replays (id) ON DELETE CASCADE,
  run_id uuid NOT NULL,
  outcome text CHECK (outcome IN ('replayed', 'skipped')),
  PRIMARY KEY (replay_id, run_id)
);
-- The runs still to do, in order: what each chunk reads.
CREATE INDEX dlq_replay_runs_pending_idx ON dlq_replay_runs (replay_id, run_id) WHERE outcome IS NULL;

-- Down Migration
DROP TABLE dlq_replay_runs;
DROP TABLE dlq_replays;
