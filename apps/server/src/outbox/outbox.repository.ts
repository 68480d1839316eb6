import { Inject, Injectable } from '@nestjs/common';
import type { OutboxEntry } from '../connectors/ports';
import type { DatabaseHandle } from '../platform/db/database';
import { before, exactCreatedAt } from '../platform/db/keyset';
import { DATABASE } from '../platform/platform.module';

export interface OutboxFilter {
  connector?: string;
  runId?: string;
}

/** Sandboxed messages: written by the worker's connectors, read by the outbox API. */
@Injectable()
export class OutboxRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async record(entry: OutboxEntry): Promise<{ id: string }> {
    return this.database.db
      .insertInto('outbox')
      .values({ connector: entry.connector, run_id: entry.runId, step_id: entry.stepId, recipient: entry.recipient, payload: JSON.stringify(entry.payload) })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  list(filter: OutboxFilter, limit: number, after?: { at: string; id: string }) {
    let query = this.database.db.selectFrom('outbox').selectAll().select(exactCreatedAt().as('at')).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
    if (filter.connector) query = query.where('connector', '=', filter.connector);
    if (filter.runId) query = query.where('run_id', '=', filter.runId);
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }
}
