import type { Run, RunSummary } from '@visapi/contracts';
import type { RunRow, RunStepRow } from './runs.repository';

const iso = (d: Date | null) => d?.toISOString() ?? null;

function trigger(row: RunRow): Run['trigger'] {
  return {
    type: row.trigger_type,
    ...(row.trigger_key ? { key: row.trigger_key } : {}),
    ...(row.actor_id ? { actorId: row.actor_id } : {}),
  };
}

/** A run as the API shows it (SPEC §6): the redacted input, never the stored one. */
export function toRunSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status,
    trigger: trigger(row),
    requestId: row.request_id,
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    error: (row.error as RunSummary['error']) ?? null,
  };
}

export function toRun(row: RunRow, steps: RunStepRow[]): Run {
  return {
    ...toRunSummary(row),
    input: row.input_redacted ?? null,
    steps: steps.map((s) => ({
      id: s.step_id,
      type: s.type,
      status: s.status,
      attempts: s.attempts,
      startedAt: iso(s.started_at),
      finishedAt: iso(s.finished_at),
      output: s.output ?? null,
      error: (s.error as Run['steps'][number]['error']) ?? null,
    })),
  };
}
