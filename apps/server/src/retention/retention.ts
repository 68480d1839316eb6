import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { sql } from 'kysely';
import { LogService } from '../logs/log.service';
import { RUNTIME } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { JobHandlers } from '../queues/job-handlers';
import { retentionJob } from '../queues/job-catalog';
import { QueuesService } from '../queues/queues.service';

export const RETENTION_JOB = retentionJob.name;
const DAY_MS = 86_400_000;

export interface Pruned {
  logs: number;
  runs: number;
  outbox: number;
  sessions: number;
  magicLinks: number;
}

/**
 * SPEC §9 retention: on LOG_PRUNE_CRON (a job scheduler on the maintenance queue, so one
 * worker at a time) deletes logs older than LOG_RETENTION_DAYS, and finished runs (their steps
 * cascade) and outbox messages older than RUN_RETENTION_DAYS, plus expired sessions and sign-in
 * links. Each DELETE takes at most RETENTION_BATCH_SIZE rows picked through an index, so
 * nothing locks a table and writers keep going between batches.
 */
@Injectable()
export class Retention implements OnApplicationBootstrap {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly handlers: JobHandlers,
    private readonly queues: QueuesService,
    private readonly logs: LogService,
  ) {}

  async onApplicationBootstrap() {
    this.handlers.register('maintenance', RETENTION_JOB, () => this.prune());
    await this.queues
      .get('maintenance')
      .upsertJobScheduler(RETENTION_JOB, { pattern: this.runtime.config.LOG_PRUNE_CRON, tz: 'UTC' }, { name: RETENTION_JOB, opts: retentionJob.options })
      .catch((error: unknown) => this.runtime.logger.warn({ err: error }, 'could not schedule the retention job'));
  }

  async prune(now = new Date()): Promise<Pruned> {
    const { LOG_RETENTION_DAYS, RUN_RETENTION_DAYS } = this.runtime.config;
    const logsBefore = new Date(now.getTime() - LOG_RETENTION_DAYS * DAY_MS);
    const runsBefore = new Date(now.getTime() - RUN_RETENTION_DAYS * DAY_MS);
    const started = performance.now();
    const pruned: Pruned = {
      logs: await this.inBatches((n) => sql`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE created_at < ${logsBefore} ORDER BY created_at LIMIT ${n})`),
      runs: await this.inBatches((n) => sql`DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE finished_at < ${runsBefore} AND status IN ('succeeded', 'dead', 'cancelled') ORDER BY finished_at LIMIT ${n})`),
      outbox: await this.inBatches((n) => sql`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < ${runsBefore} ORDER BY created_at LIMIT ${n})`),
      sessions: await this.inBatches((n) => sql`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE absolute_expires_at < ${now} OR revoked_at < ${now} LIMIT ${n})`),
      magicLinks: await this.inBatches((n) => sql`DELETE FROM magic_link_tokens WHERE id IN (SELECT id FROM magic_link_tokens WHERE expires_at < ${now} LIMIT ${n})`),
    };
    const durationMs = Math.round(performance.now() - started);
    this.logs.write({ level: 'info', message: 'retention: old rows deleted', payload: { ...pruned, logsBefore: logsBefore.toISOString(), runsBefore: runsBefore.toISOString(), durationMs } });
    return pruned;
  }

  private async inBatches(statement: (limit: number) => ReturnType<typeof sql>): Promise<number> {
    const batch = this.runtime.config.RETENTION_BATCH_SIZE;
    let total = 0;
    for (;;) {
      const result = await statement(batch).execute(this.runtime.database.db);
      const deleted = Number(result.numAffectedRows ?? 0);
      total += deleted;
      if (deleted < batch) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
