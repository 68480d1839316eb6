import { Injectable } from '@nestjs/common';
import type { OutboxMessage } from '@visapi/contracts';
import type { Outbox, OutboxEntry } from '../connectors/ports';
import { keyset } from '../platform/http/cursor';
import { type OutboxFilter, OutboxRepository } from './outbox.repository';

/** The outbox: the connectors' sandbox writes messages here; the API reads them newest first. */
@Injectable()
export class OutboxService implements Outbox {
  constructor(private readonly repository: OutboxRepository) {}

  record(entry: OutboxEntry): Promise<{ id: string }> {
    return this.repository.record(entry);
  }

  async list(filter: OutboxFilter, limit: number, cursor?: string): Promise<{ items: OutboxMessage[]; nextCursor: string | null }> {
    const { take, after, page } = keyset(cursor, limit);
    const rows = await this.repository.list(filter, take, after);
    return page(rows, (row) => ({
      id: row.id,
      connector: row.connector,
      runId: row.run_id,
      stepId: row.step_id,
      recipient: row.recipient,
      payload: row.payload as Record<string, unknown>,
      createdAt: row.created_at.toISOString(),
    }));
  }
}
