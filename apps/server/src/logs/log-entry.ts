import type { LogEntry } from '@visapi/contracts';
import type { LogRowOut } from './logs.repository';

/** A log row as the API shows it (GET /logs, and the `log.created` event). */
export function toLogEntry(row: LogRowOut): LogEntry {
  return {
    id: row.id,
    level: row.level,
    message: row.message,
    workflowId: row.workflow_id,
    runId: row.run_id,
    jobId: row.job_id,
    actorId: row.actor_id,
    payload: (row.payload as Record<string, unknown> | null) ?? null,
    piiRedacted: row.pii_redacted,
    createdAt: row.at,
  };
}
