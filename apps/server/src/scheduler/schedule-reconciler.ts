import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { JobSchedulerJson } from 'bullmq';
import { LogService } from '../logs/log-write.service';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER, REDIS } from '../platform/platform.module';
import { keepSubscribed, type RedisConnections } from '../platform/redis/redis';
import { QueuesService } from '../queues/queues.service';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { cronFireJob } from '../queues/job-catalog';
import { type DesiredSchedule, desiredSchedules, isCronSchedule } from './cron-schedules';

/** The cron schedulers live on the critical queue: a fire is a tiny job that must not wait. */
const LOCK_MS = 30_000;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export interface Corrections {
  added: string[];
  updated: string[];
  removed: string[];
}

/**
 * SPEC §5.2: PostgreSQL is the truth; BullMQ job schedulers follow it. Reconciles at boot, at
 * once on every workflow change (the catalog's pub/sub channel), and every
 * SCHEDULE_RECONCILE_INTERVAL_MS: adds missing schedulers, updates changed ones, removes
 * orphans, logging each correction. One worker at a time (a Redis lock); a change heard while
 * another worker holds it is reconciled again right after.
 */
@Injectable()
export class ScheduleReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private running?: Promise<Corrections | undefined>;
  private again = false;
  private readonly subscriber;
  private readonly redis;
  private readonly lockKey: string;

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'SCHEDULE_RECONCILE_INTERVAL_MS'>,
    @Inject(REDIS) redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly queues: QueuesService,
    private readonly catalog: WorkflowCatalog,
    private readonly logs: LogService,
  ) {
    this.subscriber = redis.create('subscriber', 'visapi:schedules:sub');
    this.redis = redis.create('command', 'visapi:schedules');
    this.lockKey = redis.key('schedules', 'reconcile-lock');
  }

  async onApplicationBootstrap() {
    this.subscriber.on('message', () => void this.request());
    // After a reconnect a change may have been missed.
    this.subscriber.on('ready', () => void this.request());
    await keepSubscribed(this.subscriber, this.catalog.changesChannel, (error) => this.logger.warn({ err: error }, 'schedules will not follow workflow changes at once (no pub/sub); the periodic pass still does'));
    this.timer = setInterval(() => void this.request(), this.config.SCHEDULE_RECONCILE_INTERVAL_MS);
    this.timer.unref();
    await this.request();
  }

  async onModuleDestroy() {
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.running?.catch(() => undefined);
    this.subscriber.disconnect();
    this.redis.disconnect();
  }

  /** Reconciles now, or right after the pass in progress. */
  request(): Promise<Corrections | undefined> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let result: Corrections | undefined;
      do {
        this.again = false;
        result = await this.reconcileLocked().catch((error: unknown) => {
          this.logger.warn({ err: error }, 'schedule reconciliation failed; retrying in 10 s');
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = undefined;
            void this.request();
          }, 10_000).unref();
          return undefined;
        });
      } while (this.again);
      return result;
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reconcileLocked(): Promise<Corrections | undefined> {
    const redis = this.redis;
    const token = randomUUID();
    if ((await redis.set(this.lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      // Another worker is reconciling; it may have read the database before this change.
      setTimeout(() => void this.request(), 1_000).unref();
      return undefined;
    }
    try {
      return await this.reconcile();
    } finally {
      await redis.eval(RELEASE, 1, this.lockKey, token).catch(() => undefined);
    }
  }

  /** One pass: the corrections it made. */
  async reconcile(): Promise<Corrections> {
    const queue = this.queues.get(cronFireJob.queue!);
    const desired = desiredSchedules(await this.catalog.scheduledWorkflows());
    const existing = new Map<string, JobSchedulerJson>();
    for (const scheduler of await queue.getJobSchedulers(0, -1)) {
      const id = scheduler.id ?? scheduler.key;
      if (isCronSchedule(id)) existing.set(id, scheduler);
    }
    const corrections: Corrections = { added: [], updated: [], removed: [] };
    for (const schedule of desired.values()) {
      const current = existing.get(schedule.id);
      if (current && matches(current, schedule)) continue;
      await queue.upsertJobScheduler(schedule.id, { pattern: schedule.pattern, tz: schedule.tz }, { name: cronFireJob.name, data: schedule.data, opts: cronFireJob.options });
      (current ? corrections.updated : corrections.added).push(schedule.id);
      this.log(current ? 'schedule updated' : 'schedule added', schedule.data.workflowId, { schedulerId: schedule.id, pattern: schedule.pattern, tz: schedule.tz, was: current && { pattern: current.pattern, tz: current.tz } });
    }
    for (const [id, current] of existing) {
      if (desired.has(id)) continue;
      await queue.removeJobScheduler(id);
      corrections.removed.push(id);
      this.log('schedule removed (no enabled workflow has this cron trigger)', (current.template?.data as DesiredSchedule['data'] | undefined)?.workflowId, { schedulerId: id, pattern: current.pattern, tz: current.tz });
    }
    return corrections;
  }

  private log(message: string, workflowId: string | undefined, payload: Record<string, unknown>) {
    this.logs.write({ level: 'info', message, workflowId: workflowId ?? null, payload });
    this.logger.info({ context: 'schedules', workflowId, ...payload }, message);
  }
}

function matches(current: JobSchedulerJson, schedule: DesiredSchedule): boolean {
  const data = current.template?.data as DesiredSchedule['data'] | undefined;
  return current.pattern === schedule.pattern && (current.tz ?? 'UTC') === schedule.tz && current.name === cronFireJob.name && data?.workflowId === schedule.data.workflowId && data?.triggerIndex === schedule.data.triggerIndex && data?.v === cronFireJob.version;
}
