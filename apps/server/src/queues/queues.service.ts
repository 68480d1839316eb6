import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { QUEUE_NAMES, QUEUE_STATES, type QueueName, type Queues } from '@visapi/contracts';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from '../platform/redis/redis';
import { withTimeout } from '../platform/db/database';
import type { Logger } from 'pino';
import { CachedReading } from '../metrics/cached-reading';
import { Metrics } from '../metrics/metrics';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER, REDIS } from '../platform/platform.module';
import { waitForReplicas } from '../platform/redis/cluster';
import { type RedisConnections, whenReady } from '../platform/redis/redis';
import { RUN_QUEUES } from './job-catalog';

/** How long one reading of the counts serves /metrics scrapes (queue_jobs, queue_workers). */
export const QUEUE_METRICS_MAX_AGE_MS = 5_000;

/** Producer side of the queues: one BullMQ Queue per name, sharing one fail-fast connection. */
@Injectable()
export class QueuesService implements OnModuleInit, OnModuleDestroy {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly connections = new Map<QueueName, Redis>();

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_WAIT_REPLICAS' | 'REDIS_WAIT_TIMEOUT_MS'>,
    @Inject(REDIS) private readonly redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    metrics: Metrics,
  ) {
    // A scrape storm costs Redis one reading per window; a hung connection fails the reading, not the scrape.
    const reading = new CachedReading(() => withTimeout(this.counts(), 2_000, 'queue counts'), QUEUE_METRICS_MAX_AGE_MS);
    metrics.sources.queues = () => reading.get();
  }

  /** The run queues connect at start, so the first trigger does not wait for a connection. */
  async onModuleInit() {
    for (const name of RUN_QUEUES) this.get(name);
    await Promise.all([...this.connections.values()].map((c) => whenReady(c, 5_000).catch(() => undefined)));
  }

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const connection = this.redis.create('command', `visapi:queue:${name}`);
      queue = new Queue(name, { connection, prefix: this.config.REDIS_PREFIX });
      this.connections.set(name, connection);
      queue.on('error', (error) => this.logger.warn({ err: error, queue: name }, 'queue connection error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Adds a job, or fails at once when Redis is not connected: BullMQ itself would wait for
   * the connection to come back, and a request must answer 503 fast instead of hanging.
   * With REDIS_WAIT_REPLICAS, resolves only once that many replicas hold the job (else
   * ReplicaAckError: the job may still run, but a failover could lose it).
   */
  async add(name: QueueName, jobName: string, data: unknown, options: JobsOptions): Promise<void> {
    const queue = this.get(name);
    const connection = this.connections.get(name)!;
    // A first connection still being made is waited for (briefly); a lost one is not.
    if (connection.status === 'wait' || connection.status === 'connecting' || connection.status === 'connect') {
      await whenReady(connection, 2_000).catch(() => undefined);
    }
    if (connection.status !== 'ready') throw new Error(`Redis is not connected (queue ${name})`);
    await withTimeout(queue.add(jobName, data, options), 5_000, `queue ${name}`);
    if (this.config.REDIS_WAIT_REPLICAS > 0) {
      await waitForReplicas(connection, this.redis.key(name), this.config.REDIS_WAIT_REPLICAS, this.config.REDIS_WAIT_TIMEOUT_MS);
    }
  }

  /** Jobs per queue and state, and the workers consuming each (GET /queues, the `queues.counts` event). */
  async counts(): Promise<Queues> {
    const queues = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.get(name);
        const [counts, workers] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.getWorkersCount()]);
        return { name, counts: counts as Queues['queues'][number]['counts'], workers };
      }),
    );
    return { queues };
  }

  async onModuleDestroy() {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }
}
