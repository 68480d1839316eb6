import { Inject, Injectable } from '@nestjs/common';
import type { LogsQuery } from '@visapi/contracts';
import { DATABASE } from '../platform/platform.module';
import type { DatabaseHandle } from '../platform/db/database';
import { before, exactCreatedAt } from '../platform/db/keyset';

export interface LogRowOut {
  id: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  workflow_id: string | null;
  run_id: string | null;
  job_id: string | null;
  actor_id: string | null;
  payload: unknown;
  pii_redacted: boolean;
  /** created_at as PostgreSQL prints it in UTC, microseconds kept: exact for keyset paging. */
  at: string;
}

/** Escapes LIKE's wildcards so `q` is matched literally. */
const likeLiteral = (q: string) => q.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class LogsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Newest first; keyset on (created_at, id), which every filter's index ends with. */
  find(filter: Omit<LogsQuery, 'cursor' | 'limit'>, limit: number, after?: { at: string; id: string }): Promise<LogRowOut[]> {
    let query = this.database.db
      .selectFrom('logs')
      .select(['id', 'level', 'message', 'workflow_id', 'run_id', 'job_id', 'actor_id', 'payload', 'pii_redacted'])
      .select(exactCreatedAt().as('at'))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (filter.level) query = query.where('level', '=', filter.level);
    if (filter.workflowId) query = query.where('workflow_id', '=', filter.workflowId);
    if (filter.runId) query = query.where('run_id', '=', filter.runId);
    if (filter.jobId) query = query.where('job_id', '=', filter.jobId);
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
    if (filter.q) query = query.where('message', 'ilike', `%${likeLiteral(filter.q)}%`);
    if (filter.from) query = query.where('created_at', '>=', new Date(filter.from));
    if (filter.to) query = query.where('created_at', '<', new Date(filter.to));
    if (filter.sinceId) query = query.where('id', '>', filter.sinceId);
    if (after) query = query.where(before(after, 'bigint'));
    return query.execute() as Promise<LogRowOut[]>;
  }
}
