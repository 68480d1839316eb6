import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE_NAMES, type QueueName } from '@visapi/contracts';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { Metrics } from '../metrics/metrics';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER, REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import { JobHandlers } from './job-handlers';

/**
 * The consumer side (roles worker and all): one BullMQ Worker per queue, each with its own
 * concurrency, so a full `bulk` queue never takes `critical`'s slots.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap {
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(CONFIG)
    private readonly config: Pick<
      Config,
      | 'REDIS_PREFIX'
      | 'WORKER_LOCK_DURATION_MS'
      | 'WORKER_STALLED_INTERVAL_MS'
      | 'WORKER_CONCURRENCY_CRITICAL'
      | 'WORKER_CONCURRENCY_DEFAULT'
      | 'WORKER_CONCURRENCY_BULK'
      | 'PDF_CONCURRENCY'
      | 'WORKER_CONCURRENCY_MAINTENANCE'
    >,
    @Inject(REDIS) private readonly redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly handlers: JobHandlers,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap() {
    for (const name of QUEUE_NAMES) {
      const worker = new Worker(name, (job, token) => this.process(name, job, token), {
        connection: this.redis.create('blocking', `visapi:worker:${name}`),
        prefix: this.config.REDIS_PREFIX,
        concurrency: this.concurrency(name),
        // A worker that dies keeps its jobs locked this long; then another worker takes them
        // over (stalled-job recovery) and the run resumes at its unfinished step.
        lockDuration: this.config.WORKER_LOCK_DURATION_MS,
        stalledInterval: this.config.WORKER_STALLED_INTERVAL_MS,
      });
      worker.on('error', (error) => this.logger.warn({ err: error, queue: name }, 'worker connection error'));
      this.workers.push(worker);
    }
    this.logger.info({ queues: QUEUE_NAMES.map((q) => `${q}×${this.concurrency(q)}`) }, 'worker started');
  }

  concurrency(queue: QueueName): number {
    const c = this.config;
    return {
      critical: c.WORKER_CONCURRENCY_CRITICAL,
      default: c.WORKER_CONCURRENCY_DEFAULT,
      bulk: c.WORKER_CONCURRENCY_BULK,
      pdf: c.PDF_CONCURRENCY,
      maintenance: c.WORKER_CONCURRENCY_MAINTENANCE,
    }[queue];
  }

  private async process(queue: QueueName, job: Job, token?: string) {
    const handler = this.handlers.find(queue, job.name);
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue "${queue}"`);
    const started = performance.now();
    const ended = (finished: boolean) =>
      this.metrics.jobEnded(queue, (job.data as { workflowId?: unknown } | undefined)?.workflowId, (performance.now() - started) / 1000, finished, job.timestamp);
    try {
      const result = await handler(job, token);
      ended(true);
      return result;
    } catch (error) {
      // DelayedError: the job waits for a retry (not finished); otherwise finished when no attempt is left.
      ended(!(error instanceof DelayedError) && (error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)));
      throw error;
    }
  }

  /**
   * Stops taking jobs and lets in-flight ones finish for up to graceMs; jobs still running
   * then are left to BullMQ's stalled-job recovery, which hands them to another worker.
   */
  async drain(graceMs: number): Promise<void> {
    if (this.workers.length === 0) return;
    const graceful = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      graceful.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.logger.warn({ graceMs }, 'jobs still running after the grace period; leaving them to another worker');
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    this.workers.length = 0;
  }
}
