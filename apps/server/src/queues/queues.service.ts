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
import { REQUEST_REDIS_DEADLINE_MS, type RedisConnections, whenReady, withRequestDeadline } from '../platform/redis/redis';
import { RedisBudgetSpentError, type RequestBudget } from '../platform/redis/request-budget';
import { RUN_QUEUES } from './job-catalog';

/** A job add that reached Redis, or may have, without its answer: the job may exist and run. */
export class UnconfirmedAddError extends Error {}

/** A queue's add-only Queue; `connected` once its connection has been ready (a later loss is an outage, not a start). */
interface Producer {
  queue: Queue;
  connection: Redis;
  connected: boolean;
}

/** How long one reading of the counts serves /metrics scrapes (queue_jobs, queue_workers). */
export const QUEUE_METRICS_MAX_AGE_MS = 5_000;

/**
 * Producer side of the queues. Per name, two BullMQ Queues: one on a request connection
 * (REQUEST_REDIS_DEADLINE_MS) that only adds jobs, which requests wait on; one on a command
 * connection for everything else (counts, the board, key rotation), whose longer reads must
 * not be cut by the request deadline.
 */
@Injectable()
export class QueuesService implements OnModuleInit, OnModuleDestroy {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly producers = new Map<QueueName, Producer>();

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

  /** The run queues' producers connect at start, so the first trigger is not refused for want of a connection. */
  async onModuleInit() {
    for (const name of RUN_QUEUES) this.producer(name);
    await Promise.all([...this.producers.values()].map(({ connection }) => whenReady(connection, 5_000).catch(() => undefined)));
  }

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.queue(name, this.redis.create('command', `visapi:queue:${name}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private producer(name: QueueName): Producer {
    let producer = this.producers.get(name);
    if (!producer) {
      const connection = this.redis.create('request', `visapi:queue-add:${name}`);
      const made: Producer = { queue: this.queue(name, connection), connection, connected: false };
      connection.once('ready', () => (made.connected = true));
      this.producers.set(name, (producer = made));
    }
    return producer;
  }

  private queue(name: QueueName, connection: Redis): Queue {
    const queue = new Queue(name, { connection, prefix: this.config.REDIS_PREFIX });
    queue.on('error', (error) => this.logger.warn({ err: error, queue: name }, 'queue connection error'));
    return queue;
  }

  /**
   * Adds a job, or fails within the request deadline (withRequestDeadline): at once while Redis is not
   * connected (BullMQ itself would wait for the connection to come back), else when Redis does
   * not answer in time. Then the job may exist all the same — the add reached Redis, its
   * answer did not come back — and it will run: the caller's 503 cannot be sure nothing was
   * accepted. A job id derived from an Idempotency-Key makes the client's retry find that job
   * instead of adding another (docs/adr/0013-redis-outage-deadline.md).
   * With REDIS_WAIT_REPLICAS, resolves only once that many replicas hold the job (else
   * ReplicaAckError: the job may still run, but a failover could lose it).
   * `budget`: the request's, when a request waits on the add.
   */
  async add(name: QueueName, jobName: string, data: unknown, options: JobsOptions, budget?: RequestBudget): Promise<void> {
    const producer = this.producer(name);
    const { queue, connection } = producer;
    // A producer's first connection (made on first use) is waited for, within the deadline; a lost one is not.
    if (!producer.connected) await whenReady(connection, budget?.nextCommandMs(`queue ${name}`) ?? REQUEST_REDIS_DEADLINE_MS).catch(() => undefined);
    if (connection.status !== 'ready') throw new Error(`Redis is not connected (queue ${name}); nothing was sent`);
    try {
      await withRequestDeadline(() => queue.add(jobName, data, options), connection, `queue ${name}`, budget);
    } catch (error) {
      if (error instanceof RedisBudgetSpentError) throw error;
      this.logger.warn(
        { err: error, queue: name, jobId: options.jobId },
        'a job add was sent to Redis and not confirmed in time: the job may exist and run although its caller was refused',
      );
      throw new UnconfirmedAddError(`queue ${name}: ${(error as Error).message}`, { cause: error });
    }
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
    await Promise.allSettled([...this.queues.values(), ...[...this.producers.values()].map((p) => p.queue)].map((queue) => queue.close()));
  }
}
