import type { Scope } from '@visapi/contracts';

/** What each scope lets a key do (SPEC §3.1), as the create form explains it. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  trigger: 'Start runs: webhooks sent with the key, manual triggers',
  read_logs: 'Search logs and the audit trail',
  manage_keys: 'Create, rotate and revoke API keys, never with scopes it lacks itself',
  read_workflows: 'Read workflows, their versions and templates',
  manage_workflows: 'Create, edit, enable, disable and archive workflows; edit templates',
  read_runs: 'Read runs, their steps, dead letters and the outbox',
  manage_runs: 'Retry, cancel and replay runs',
  read_queues: 'Read queue counts',
  manage_queues: 'Act on queue jobs',
  manage_refunds: 'Preview and make Stripe refunds, list the refunds made',
};
