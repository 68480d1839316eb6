import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { Metrics } from '../metrics/metrics';
import type { Config } from '../platform/config/config';
import type { DatabaseHandle } from '../platform/db/database';
import { CONFIG, DATABASE, LOGGER } from '../platform/platform.module';
import { type LogInput, type LogRowsListener, LogWriter } from './log-writer';

export interface AuditEntry {
  actorId: string | null;
  /** What was done, e.g. `api_key.revoked`. */
  action: string;
  /** What it was done to, e.g. `api_key:<id>`. */
  target: string;
  details?: Record<string, unknown>;
  workflowId?: string;
  runId?: string;
}

/** The log service every feature writes through (SPEC §9): redacted, batched, audited. Reading is LogQueryService's. */
@Injectable()
export class LogService implements OnModuleDestroy {
  readonly writer: LogWriter;

  constructor(
    @Inject(CONFIG) config: Pick<Config, 'LOG_BUFFER_MAX' | 'LOG_BATCH_SIZE' | 'LOG_FLUSH_INTERVAL_MS'>,
    @Inject(DATABASE) database: DatabaseHandle,
    @Inject(LOGGER) logger: Logger,
    metrics: Metrics,
  ) {
    this.writer = new LogWriter(database, logger.child({ context: 'log-writer' }), {
      maxBuffered: config.LOG_BUFFER_MAX,
      batchSize: config.LOG_BATCH_SIZE,
      flushIntervalMs: config.LOG_FLUSH_INTERVAL_MS,
    });
    metrics.sources.logRowsDropped = () => this.writer.stats.dropped;
  }

  write(entry: LogInput): void {
    this.writer.write(entry);
  }

  /** Hands every row written to `listener` while it wants them (the live events, events/log-events.ts). */
  onWritten(listener: LogRowsListener): void {
    this.writer.listener = listener;
  }

  /** An audit row: who did what to which thing. */
  audit({ actorId, action, target, details, workflowId, runId }: AuditEntry): void {
    this.writer.write({ level: 'info', message: action, actorId, workflowId, runId, jobId: runId, payload: { audit: true, action, target, ...details } });
  }

  async onModuleDestroy() {
    await this.writer.close(5_000);
  }
}
