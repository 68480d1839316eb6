-- Up Migration
-- The whole schema of SPEC §3–§9. gen_random_uuid() is built into PostgreSQL 13+.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  role text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'operator', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash bytea NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  absolute_expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_absolute_expires_at_idx ON sessions (absolute_expires_at);

CREATE TABLE magic_link_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash bytea NOT NULL UNIQUE,
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  request_ip text
);
CREATE INDEX magic_link_tokens_expires_at_idx ON magic_link_tokens (expires_at);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  label text NOT NULL,
  prefix text NOT NULL UNIQUE,
  secret_hash bytea NOT NULL,
  -- rotation: the replaced secret stays valid until previous_secret_expires_at
  previous_secret_hash bytea,
  previous_secret_expires_at timestamptz,
  scopes text[] NOT NULL,
  rate_limit_burst integer CHECK (rate_limit_burst > 0),
  rate_limit_per_second double precision CHECK (rate_limit_per_second > 0),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_created_at_idx ON api_keys (created_at DESC, id DESC);

CREATE TABLE workflows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  enabled boolean NOT NULL DEFAULT true,
  priority text NOT NULL DEFAULT 'default' CHECK (priority IN ('critical', 'default', 'bulk')),
  current_version text NOT NULL,
  archived_at timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_created_at_idx ON workflows (created_at DESC, id DESC);

CREATE TABLE workflow_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  version text NOT NULL,
  definition jsonb NOT NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, version)
);
CREATE INDEX workflow_versions_history_idx ON workflow_versions (workflow_id, created_at DESC);

-- A webhook key belongs to at most one workflow (SPEC §4: another workflow's key → 409).
CREATE TABLE workflow_webhooks (
  key text PRIMARY KEY,
  workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE
);
CREATE INDEX workflow_webhooks_workflow_id_idx ON workflow_webhooks (workflow_id);

CREATE TABLE runs (
  id uuid PRIMARY KEY,
  workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  workflow_version_id uuid REFERENCES workflow_versions (id) ON DELETE SET NULL,
  workflow_version text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  trigger_type text NOT NULL CHECK (trigger_type IN ('webhook', 'cron', 'manual', 'replay')),
  trigger_key text,
  actor_id uuid,
  request_id text,
  queue text NOT NULL,
  job_id text,
  input_encrypted bytea,
  input_redacted jsonb,
  attempts integer NOT NULL DEFAULT 0,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_created_at_idx ON runs (created_at DESC, id DESC);
CREATE INDEX runs_workflow_idx ON runs (workflow_id, created_at DESC, id DESC);
CREATE INDEX runs_status_idx ON runs (status, created_at DESC, id DESC);
-- the stall sweep looks only at unfinished runs
CREATE INDEX runs_unfinished_idx ON runs (updated_at) WHERE status IN ('queued', 'running');
-- retention deletes finished runs by age
CREATE INDEX runs_finished_at_idx ON runs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE run_steps (
  run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step_id text NOT NULL,
  position integer NOT NULL,
  type text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  started_at timestamptz,
  finished_at timestamptz,
  output jsonb,
  error jsonb,
  -- forEach: one entry per item ({status, output, error}), so a retry re-runs only failed items
  items jsonb,
  PRIMARY KEY (run_id, step_id)
);

CREATE TABLE logs (
  id bigserial PRIMARY KEY,
  workflow_id uuid,
  run_id uuid,
  job_id text,
  level text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message text NOT NULL,
  payload jsonb,
  pii_redacted boolean NOT NULL DEFAULT false,
  actor_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- newest first, and newest first within each filter (keyset on created_at, id)
CREATE INDEX logs_created_at_idx ON logs (created_at DESC, id DESC);
CREATE INDEX logs_workflow_idx ON logs (workflow_id, created_at DESC, id DESC) WHERE workflow_id IS NOT NULL;
CREATE INDEX logs_run_idx ON logs (run_id, created_at DESC, id DESC) WHERE run_id IS NOT NULL;
CREATE INDEX logs_job_idx ON logs (job_id, created_at DESC, id DESC) WHERE job_id IS NOT NULL;
CREATE INDEX logs_actor_idx ON logs (actor_id, created_at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX logs_level_idx ON logs (level, created_at DESC, id DESC);

CREATE TABLE templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('slack', 'whatsapp', 'email', 'pdf')),
  locale text NOT NULL,
  subject text,
  body text NOT NULL,
  -- for WhatsApp: the provider's template name or flow id
  provider_ref text,
  version integer NOT NULL DEFAULT 1,
  updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, channel, locale)
);

CREATE TABLE outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  connector text NOT NULL,
  run_id uuid,
  step_id text,
  recipient text,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_created_at_idx ON outbox (created_at DESC, id DESC);
CREATE INDEX outbox_run_idx ON outbox (run_id) WHERE run_id IS NOT NULL;

-- Down Migration
DROP TABLE outbox, templates, logs, run_steps, runs, workflow_webhooks, workflow_versions,
  workflows, api_keys, magic_link_tokens, sessions, users;
