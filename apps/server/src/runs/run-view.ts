import type { Run, RunSummary } from '@visapi/contracts';
import { redact } from '../logs/redaction';
import type { RunRow, RunStepView, RunSummaryRow } from './runs.repository';
import { redactError, type RunError } from './step-results';

const iso = (d: Date | null) => d?.toISOString() ?? null;

function trigger(row: RunSummaryRow): Run['trigger'] {
  return {
    type: row.trigger_type,
    ...(row.trigger_key ? { key: row.trigger_key } : {}),
    ...(row.actor_id ? { actorId: row.actor_id } : {}),
  };
}

/**
 * A run as the API shows it (SPEC §6): the redacted input, outputs and errors, never the sealed
 * ones. Errors are redacted again on read (idempotent, cheap) and so are outputs of rows
 * written before outputs were sealed — their plain columns are raw.
 */
export function toRunSummary(row: RunSummaryRow): RunSummary {
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
    error: shownError(row.error) as RunSummary['error'],
  };
}

export function toRun(row: RunRow, steps: RunStepView[]): Run {
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
      output: (s.output_sealed ? s.output : redact(s.output)) ?? null,
      error: shownError(s.error) as Run['steps'][number]['error'],
    })),
  };
}

const shownError = (error: unknown) => (error ? redactError(error as RunError) : null);
