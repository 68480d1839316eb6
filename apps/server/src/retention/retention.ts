import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { LogService } from '../logs/log-write.service';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER } from '../platform/platform.module';
import { JobHandlers } from '../queues/job-handlers';
import { retentionJob } from '../queues/job-catalog';
import { QueuesService } from '../queues/queues.service';
import type { FileStore } from '../storage/file-store';
import { OBJECT_STORAGE } from '../storage/storage.module';
import { RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;

export interface Pruned {
  logs: number;
  runs: number;
  outbox: number;
  sessions: number;
  magicLinks: number;
  /** Stored PDFs and images (pdf.generate, image.process) older than FILE_RETENTION_DAYS. */
  files: number;
}

/**
 * SPEC §9 retention: on LOG_PRUNE_CRON (a job scheduler on the maintenance queue, so one
 * worker at a time) deletes logs older than LOG_RETENTION_DAYS, and finished runs (their steps
 * cascade) and outbox messages older than RUN_RETENTION_DAYS, plus expired sessions and sign-in
 * links, and stored files older than FILE_RETENTION_DAYS (the storage driver lists them by
 * their day-prefixed keys). Each DELETE takes at most RETENTION_BATCH_SIZE rows picked through an index, so
 * nothing locks a table and writers keep going between batches.
 */
@Injectable()
export class Retention implements OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'LOG_PRUNE_CRON' | 'LOG_RETENTION_DAYS' | 'RUN_RETENTION_DAYS' | 'RETENTION_BATCH_SIZE' | 'FILE_RETENTION_DAYS'>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: RetentionRepository,
    private readonly handlers: JobHandlers,
    private readonly queues: QueuesService,
    private readonly logs: LogService,
    @Inject(OBJECT_STORAGE) private readonly storage: FileStore,
  ) {}

  async onApplicationBootstrap() {
    this.handlers.register(retentionJob.queue, retentionJob.name, () => this.prune());
    await this.queues
      .get('maintenance')
      .upsertJobScheduler(retentionJob.name, { pattern: this.config.LOG_PRUNE_CRON, tz: 'UTC' }, { name: retentionJob.name, opts: retentionJob.options })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not schedule the retention job'));
  }

  async prune(now = new Date()): Promise<Pruned> {
    const { LOG_RETENTION_DAYS, RUN_RETENTION_DAYS, FILE_RETENTION_DAYS } = this.config;
    const logsBefore = new Date(now.getTime() - LOG_RETENTION_DAYS * DAY_MS);
    const runsBefore = new Date(now.getTime() - RUN_RETENTION_DAYS * DAY_MS);
    const filesBefore = new Date(now.getTime() - FILE_RETENTION_DAYS * DAY_MS);
    const started = performance.now();
    const pruned: Pruned = {
      logs: await this.inBatches((n) => this.repository.logsBefore(logsBefore, n)),
      runs: await this.inBatches((n) => this.repository.finishedRunsBefore(runsBefore, n)),
      outbox: await this.inBatches((n) => this.repository.outboxBefore(runsBefore, n)),
      sessions: await this.inBatches((n) => this.repository.endedSessions(now, n)),
      magicLinks: await this.inBatches((n) => this.repository.expiredMagicLinks(now, n)),
      files: await this.storage.deleteStoredBefore(filesBefore),
    };
    const durationMs = Math.round(performance.now() - started);
    this.logs.write({ level: 'info', message: 'retention: old rows deleted', payload: { ...pruned, logsBefore: logsBefore.toISOString(), runsBefore: runsBefore.toISOString(), filesBefore: filesBefore.toISOString(), durationMs } });
    return pruned;
  }

  private async inBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
    const batch = this.config.RETENTION_BATCH_SIZE;
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch(batch);
      total += deleted;
      if (deleted < batch) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
