import { Injectable } from '@nestjs/common';
import type { LogEntry, LogsQuery } from '@visapi/contracts';
import { z } from 'zod';
import { decodeCursor, toPage } from '../platform/http/cursor';
import { LogsRepository, type LogRowOut } from './logs.repository';

const logCursor = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/), z.string().regex(/^\d{1,19}$/)]);

@Injectable()
export class LogsQueryService {
  constructor(private readonly repository: LogsRepository) {}

  async find(query: LogsQuery): Promise<{ items: LogEntry[]; nextCursor: string | null }> {
    const { cursor, limit, ...filter } = query;
    const after = decodeCursor(cursor, logCursor);
    return toPage(await this.repository.find(filter, limit + 1, after && { at: after[0], id: after[1] }), limit, toEntry);
  }
}

function toEntry(row: LogRowOut): LogEntry {
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
