import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Kysely's view of the tables created by migrations/. Keep in step with them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = JSONColumnType<object, string, string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  role: 'viewer' | 'operator' | 'admin';
  created_at: Timestamp;
  updated_at: Timestamp;
  last_sign_in_at: NullableTimestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: Buffer;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  absolute_expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface MagicLinkTokensTable {
  id: Generated<string>;
  token_hash: Buffer;
  email: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  request_ip: string | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  label: string;
  prefix: string;
  secret_hash: Buffer;
  previous_secret_hash: Buffer | null;
  previous_secret_expires_at: NullableTimestamp;
  scopes: string[];
  rate_limit_burst: number | null;
  rate_limit_per_second: number | null;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowsTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  enabled: Generated<boolean>;
  priority: Generated<'critical' | 'default' | 'bulk'>;
  current_version: string;
  archived_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowVersionsTable {
  id: Generated<string>;
  workflow_id: string;
  version: string;
  definition: Json;
  created_by: string | null;
  created_at: Timestamp;
}

export interface WorkflowWebhooksTable {
  key: string;
  workflow_id: string;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface RunsTable {
  id: string;
  workflow_id: string;
  workflow_version_id: string | null;
  workflow_version: string;
  status: RunStatus;
  trigger_type: 'webhook' | 'cron' | 'manual' | 'replay';
  trigger_key: string | null;
  actor_id: string | null;
  request_id: string | null;
  queue: string;
  job_id: string | null;
  input_encrypted: Buffer | null;
  input_redacted: Json | null;
  attempts: Generated<number>;
  error: Json | null;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface RunStepsTable {
  run_id: string;
  step_id: string;
  position: number;
  type: string;
  status: StepStatus;
  attempts: Generated<number>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  /** Redacted (rows written before the sealed copies existed: raw, redacted on read). */
  output: Json | null;
  /** Redacted. */
  error: Json | null;
  /** forEach: one entry per item, redacted (see `output`). */
  items: Json | null;
  /** The raw output, sealed (AES-256-GCM): what later steps' templates read when the run resumes. */
  output_encrypted: Buffer | null;
  /** forEach: the raw items' outputs, sealed. */
  items_encrypted: Buffer | null;
}

export interface LogsTable {
  /** bigserial: Kysely returns it as a string. */
  id: Generated<string>;
  workflow_id: string | null;
  run_id: string | null;
  job_id: string | null;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  payload: Json | null;
  pii_redacted: Generated<boolean>;
  actor_id: string | null;
  created_at: Timestamp;
}

export interface TemplatesTable {
  id: Generated<string>;
  name: string;
  channel: 'slack' | 'whatsapp' | 'email' | 'pdf';
  locale: string;
  subject: string | null;
  body: string;
  provider_ref: string | null;
  version: Generated<number>;
  updated_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<string>;
  connector: string;
  run_id: string | null;
  step_id: string | null;
  recipient: string | null;
  payload: Json;
  created_at: Timestamp;
}

export type DlqReplayStatus = 'queued' | 'running' | 'finished' | 'failed';

export interface DlqReplaysTable {
  id: Generated<string>;
  status: ColumnType<DlqReplayStatus, DlqReplayStatus | undefined, DlqReplayStatus>;
  /** `{runIds}`, `{workflowId}` or `{all: true}`, as requested. */
  selector: Json;
  /** The runs the replay covers, known once a worker has started it. */
  total: number | null;
  replayed: Generated<number>;
  skipped: Generated<number>;
  error: string | null;
  actor_id: string | null;
  actor_type: string;
  request_id: string | null;
  created_at: Generated<Date>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Generated<Date>;
}

export interface DlqReplayRunsTable {
  replay_id: string;
  run_id: string;
  outcome: 'replayed' | 'skipped' | null;
}

export type RefundStatus = 'succeeded' | 'pending' | 'failed' | 'canceled' | 'sandbox';

export interface RefundsTable {
  id: Generated<string>;
  charge_id: string;
  /** bigint: node-postgres reads it as a string. */
  amount: ColumnType<string, number, number>;
  currency: string;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  note: string | null;
  stripe_refund_id: string | null;
  status: RefundStatus;
  actor_id: string | null;
  confirmation_digest: string;
  idempotency_key: string;
  sandbox: boolean;
  created_at: Generated<Date>;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  magic_link_tokens: MagicLinkTokensTable;
  api_keys: ApiKeysTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  workflow_webhooks: WorkflowWebhooksTable;
  runs: RunsTable;
  run_steps: RunStepsTable;
  logs: LogsTable;
  templates: TemplatesTable;
  outbox: OutboxTable;
  dlq_replays: DlqReplaysTable;
  dlq_replay_runs: DlqReplayRunsTable;
  refunds: RefundsTable;
}
