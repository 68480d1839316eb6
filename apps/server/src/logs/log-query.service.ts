import { Injectable } from '@nestjs/common';
import type { LogEntry, LogsQuery } from '@visapi/contracts';
import { keyset, timeSerialCursor } from '../platform/http/cursor';
import { toLogEntry } from './log-entry';
import { LogsRepository } from './logs.repository';

const MAX_LOG_ID = 2n ** 63n - 1n;

/** Reading the logs (GET /logs); writing is LogService's (log-write.service.ts). */
@Injectable()
export class LogQueryService {
  constructor(private readonly repository: LogsRepository) {}

  async find(query: LogsQuery): Promise<{ items: LogEntry[]; nextCursor: string | null }> {
    const { cursor, limit, ...filter } = query;
    const { take, after, page } = keyset(cursor, limit, timeSerialCursor);
    // Past bigint's range no row is newer (and PostgreSQL would refuse the number).
    if (filter.sinceId !== undefined && BigInt(filter.sinceId) >= MAX_LOG_ID) return { items: [], nextCursor: null };
    return page(await this.repository.find(filter, take, after), toLogEntry);
  }
}
